"""A deterministic synthetic US stock market, written as Massive flat files.

Why: the nightly job, the demo and the tests need realistic input that goes through the real
ingest path, without network access or licensed data. Given a seed the output is identical
byte for byte (same seed, same sessions, same symbols).

What it produces in ``drop_folder``:

- ``<YYYY-MM-DD>.csv.gz`` per XNYS session: Massive ``trades_v1`` rows (``ticker, conditions,
  correction, exchange, id, participant_timestamp, price, sequence_number, sip_timestamp,
  size, tape, trf_id, trf_timestamp``; Unix-nanosecond timestamps), sorted by ticker then time;
- ``reference_tickers.json``: a Massive ``/v3/reference/tickers`` page (``results`` list).

What is in the trades (so every part of the pipeline has something to find):

- real XNYS sessions from the exchange calendar (holidays skipped, 13:00 early closes,
  daylight-saving changes), pre-market and post-market trades with condition 12 (Form T);
- an intraday U-shaped trade intensity, at least one trade in every regular minute except in
  planted *gaps* (a few symbol-days miss a block of 3-12 minutes);
- planted daily shapes ending on the last session: a head-and-shoulders breakdown on the first
  symbol (needs >= 76 sessions) and a double-bottom breakout on the second (>= 51 sessions);
- two distinct trades with the same nanosecond timestamp in every file, and an erroneous trade
  (``correction`` 7, "original trade later marked erroneous", price 8% off; no rule set counts
  it) every 10th session and on the last one.

>>> market = generate_market("drop", seed=7, symbols=6, days=5)   # doctest: +SKIP
>>> market.files[-1].name                                          # doctest: +SKIP
'2025-12-12.csv.gz'
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigurationError
from ..sessions import sessions as xnys_sessions
from ..types import TimestampLike

TRADE_COLUMNS = ["ticker", "conditions", "correction", "exchange", "id", "participant_timestamp", "price",
                 "sequence_number", "sip_timestamp", "size", "tape", "trf_id", "trf_timestamp"]
TICKERS_FILE = "reference_tickers.json"

_TICKERS = ["ALPH", "BRVO", "CHRL", "DLTA", "ECHO", "FXTR", "GOLF", "HTLS", "INDG", "JLTT", "KILO", "LIMA",
            "MKRO", "NVMB", "OSCR", "PAPA", "QBEC", "RMEO", "SRRA", "TNGO", "UNFM", "VCTR", "WHSK", "XRAY",
            "YNKE", "ZULU", "ARGN", "BOLT", "CRUX", "DYNE", "EMBR", "FLUX", "GRIT", "HALO", "IONX", "JADE",
            "KRIS", "LUMN", "MOSS", "NOVA"]
_EXCHANGES = np.array([1, 2, 3, 4, 7, 8, 10, 11, 12, 15, 19, 21])
_EXCHANGE_WEIGHTS = np.array([3, 2, 1, 30, 3, 1, 10, 6, 20, 2, 12, 10], dtype=float)
_TRF_EXCHANGE = 4           # FINRA TRF: trades reported off-exchange carry trf_id/trf_timestamp
_FORM_T = "12"              # extended-hours trade condition
_ODD_LOT = "37"

#: Relative daily-close templates (x = session offset from the template's start, y = level),
#: interpolated linearly; the last point is the firing session (the last generated session).
#: Shaped for the SPEC definitions with swing points confirmed window//3 (16) and window//2 (15)
#: bars later: shoulders and head more than 16 sessions apart, the drops next to the head fast
#: enough that each shoulder is the highest bar of the 16 sessions around it.
HEAD_AND_SHOULDERS = [(0, 1.00), (17, 1.10), (27, 1.02), (33, 1.09), (37, 1.20), (40, 1.09), (47, 1.02),
                      (57, 1.10), (73, 1.035), (74, 0.975)]
DOUBLE_BOTTOM = [(0, 1.10), (16, 1.00), (24, 1.08), (33, 1.005), (48, 1.07), (49, 1.11)]


@dataclass
class SyntheticMarket:
    """What :func:`generate_market` wrote, and what it planted (for reports and tests)."""

    drop_folder: Path
    seed: int
    symbols: list[str]
    sessions: list[dt.date]
    files: list[Path]
    tickers_file: Path
    trades: int
    planted: list[dict] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)
    corrected: list[dict] = field(default_factory=list)
    same_timestamp: list[dict] = field(default_factory=list)
    early_closes: list[dt.date] = field(default_factory=list)

    def __str__(self) -> str:
        s = self.sessions
        return (f"synthetic market (seed {self.seed}): {len(self.symbols)} symbols, {len(s)} sessions "
                f"{s[0]}..{s[-1]} ({len(self.early_closes)} early close(s)), {self.trades:,} trades, "
                f"{len(self.gaps)} planted gap(s), planted patterns: "
                + (", ".join(f"{p['pattern']} on {p['symbol']} {p['date']}" for p in self.planted) or "none")
                + f"; files in {self.drop_folder}")


def default_end(today: TimestampLike | None = None, days: int = 78, max_age_days: int = 355) -> dt.date:
    """The default last session of the demo window: a ``days``-session window that holds the
    latest early close before ``today`` whenever such a window can start within ``max_age_days``
    of ``today``, else the last completed session before ``today``.

    The window ends ten sessions after the early close when that keeps its start young enough;
    otherwise it starts at the oldest allowed session and runs ``days`` sessions from there.
    Why: the demo should show an early close, and its ticks must stay inside the kit's one-year
    tick retention, or the nightly maintenance would drop what the demo just loaded.

    >>> default_end("2026-11-25")   # latest early close 2025-12-24; window starts 2025-12-05
    datetime.date(2026, 3, 30)
    """
    day: dt.date = pd.Timestamp(today if today is not None else pd.Timestamp.now(tz="UTC")).date()
    past = xnys_sessions(day - dt.timedelta(days=max_age_days + 40), day - dt.timedelta(days=1))
    index = list(past.index)
    last_i = len(index) - 1
    oldest = day - dt.timedelta(days=max_age_days)
    first_ok = next((i for i, d in enumerate(index) if d >= oldest), last_i)
    for e in reversed([d for d in index if past.loc[d, "early_close"]]):
        e_i = index.index(e)
        if e_i < first_ok:
            break                      # every older early close is older still
        end_i = min(e_i + 10, last_i)
        start_i = max(end_i - days + 1, first_ok)
        end_i = min(start_i + days - 1, last_i)
        if start_i <= e_i <= end_i:
            return index[end_i]
    return index[last_i]


def session_window(days: int, end: TimestampLike | None = None) -> pd.DataFrame:
    """The last ``days`` XNYS sessions ending on or before ``end`` (default :func:`default_end`)."""
    if days < 1:
        raise ConfigurationError(f"days must be >= 1; got {days}")
    end_d = pd.Timestamp(end).date() if end is not None else default_end(days=days)
    frame = xnys_sessions(end_d - dt.timedelta(days=int(days * 1.6) + 20), end_d)
    return frame.iloc[-days:]


def symbol_names(n: int) -> list[str]:
    if n < 1:
        raise ConfigurationError(f"symbols must be >= 1; got {n}")
    return [_TICKERS[i] if i < len(_TICKERS) else f"SYN{i:03d}" for i in range(n)]


def _template(points: list[tuple[int, float]]) -> np.ndarray:
    xs, ys = zip(*points)
    return np.interp(np.arange(xs[-1] + 1), xs, ys)


def daily_closes(seed: int, symbols: list[str], n_days: int) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Planned (open, close) per symbol and session, with the planted shapes at the end."""
    rng = np.random.default_rng([seed, 0])
    n = len(symbols)
    base = rng.uniform(20, 300, n)
    rets = rng.normal(0.0003, 0.015, (n, n_days))
    closes = base[:, None] * np.exp(np.cumsum(rets, axis=1))
    gaps = rng.normal(0, 0.004, (n, n_days))
    planted: list[dict] = []
    for i, (name, points) in enumerate([("HeadAndShoulders", HEAD_AND_SHOULDERS), ("DoubleBottom", DOUBLE_BOTTOM)]):
        shape = _template(points)
        if i >= n or len(shape) >= n_days:
            continue
        k = len(shape)
        level = closes[i, n_days - k - 1] if n_days > k else base[i]
        noise = 1 + rng.normal(0, 0.0015, k)
        noise[-2:] = 1.0                       # keep the firing bar and the one before exact
        closes[i, n_days - k:] = level * shape * noise
        gaps[i, n_days - k:] = 0.0
        planted.append({"symbol": symbols[i], "pattern": name, "offset": n_days - 1, "length": k})
    opens = np.empty_like(closes)
    opens[:, 0] = closes[:, 0] * (1 + gaps[:, 0])
    opens[:, 1:] = closes[:, :-1] * (1 + gaps[:, 1:])
    for p in planted:
        # planted shapes open 40% of the way to the day's close, so the session after a peak
        # (trough) opens clearly below (above) it and the peak day keeps the highest high
        i, k = symbols.index(p["symbol"]), p["length"]
        prev = closes[i, n_days - k - 1:n_days - 1]
        opens[i, n_days - k:] = prev + 0.4 * (closes[i, n_days - k:] - prev)
    return np.round(opens, 2), np.round(closes, 2), planted


def _u_shape(n: int) -> np.ndarray:
    x = (np.arange(n) + 0.5) / n
    return 0.35 + 2.6 * (2 * x - 1) ** 2


def _day_trades(rng, symbol: str, s_index: int, open_px: float, close_px: float, bounds: pd.Series,
                liquidity: float, vol: float, gap: tuple[int, int] | None) -> pd.DataFrame:
    """One symbol's trades for one session (regular, pre-market and post-market)."""
    o_ns, c_ns = bounds["open"].value, bounds["close"].value
    eo_ns, ec_ns = bounds["extended_open"].value, bounds["extended_close"].value
    minutes = (c_ns - o_ns) // 60_000_000_000
    per_minute = 1 + rng.poisson(liquidity * _u_shape(minutes))
    if gap is not None:
        per_minute[gap[0]:gap[0] + gap[1]] = 0
    minute_of = np.repeat(np.arange(minutes), per_minute)
    offsets = rng.integers(0, 60_000_000_000, minute_of.size)
    reg_ns = np.sort(o_ns + minute_of * 60_000_000_000 + offsets)
    # the regular session's price: a Brownian bridge from the open to the close
    t = (reg_ns - o_ns) / (c_ns - o_ns)
    walk = np.cumsum(rng.normal(0, 1, t.size)) / np.sqrt(max(t.size, 1))
    bridge = walk - t * walk[-1]
    log_px = np.log(open_px) + t * (np.log(close_px) - np.log(open_px)) + vol * bridge
    reg_px = np.exp(log_px)
    reg_px[-1] = close_px
    n_pre, n_post = rng.poisson(12), rng.poisson(15)
    pre_ns = np.sort(rng.integers(eo_ns, o_ns, n_pre))
    post_ns = np.sort(rng.integers(c_ns, ec_ns, n_post))
    pre_px = open_px * np.exp(rng.normal(0, vol / 4, n_pre))
    post_px = close_px * np.exp(rng.normal(0, vol / 4, n_post))
    ts = np.concatenate([pre_ns, reg_ns, post_ns])
    px = np.round(np.concatenate([pre_px, reg_px, post_px]), 2)
    extended = np.concatenate([np.ones(n_pre, bool), np.zeros(reg_ns.size, bool), np.ones(n_post, bool)])
    n = ts.size
    size = np.where(rng.random(n) < 0.3, rng.integers(1, 100, n), 100 * rng.integers(1, 20, n))
    exchange = rng.choice(_EXCHANGES, n, p=_EXCHANGE_WEIGHTS / _EXCHANGE_WEIGHTS.sum())
    cond = np.full(n, "", dtype=object)
    cond[size < 100] = _ODD_LOT
    cond[extended] = _FORM_T
    cond[extended & (size < 100)] = f"{_FORM_T},{_ODD_LOT}"
    trf = exchange == _TRF_EXCHANGE
    participant = ts - rng.integers(20_000, 900_000, n)
    frame = pd.DataFrame({
        "ticker": symbol, "conditions": cond, "correction": np.zeros(n, np.int64), "exchange": exchange,
        "id": [f"{s_index + 1}{i:07d}" for i in range(n)], "participant_timestamp": participant,
        "price": px, "sequence_number": np.arange(1, n + 1, dtype=np.int64), "sip_timestamp": ts,
        "size": size, "tape": 1, "trf_id": np.where(trf, "201", ""),
        "trf_timestamp": np.where(trf, (participant + 5_000).astype(str), ""),
    })
    return frame


def generate_market(drop_folder: str | Path, *, seed: int = 7, symbols: int = 30, days: int = 78,
                    end: TimestampLike | None = None, liquidity: float = 0.3) -> SyntheticMarket:
    """Write ``days`` sessions of trades for ``symbols`` symbols into ``drop_folder``.

    ``liquidity`` scales the extra trades per minute (1.0: about 1-3.5 per regular minute).
    Deterministic: the same arguments give the same files.
    """
    drop = Path(drop_folder)
    drop.mkdir(parents=True, exist_ok=True)
    names = symbol_names(symbols)
    window = session_window(days, end)
    n_days = len(window)
    opens, closes, planted = daily_closes(seed, names, n_days)
    rng0 = np.random.default_rng([seed, 1])
    liq = liquidity * rng0.uniform(0.2, 2.5, len(names))
    vols = np.where(np.arange(len(names)) < len(planted), 0.0007, rng0.uniform(0.004, 0.012, len(names)))
    market = SyntheticMarket(drop, seed, names, list(window.index), [], drop / TICKERS_FILE, 0,
                             early_closes=[d for d in window.index[window["early_close"].to_numpy()]])
    for p in planted:
        market.planted.append({"symbol": p["symbol"], "pattern": p["pattern"],
                               "date": window.index[p["offset"]].isoformat()})
    for d_i, (day, bounds) in enumerate(window.iterrows()):
        frames = []
        for s_i, sym in enumerate(names):
            rng = np.random.default_rng([seed, 2, d_i, s_i])
            gap = None
            minutes = int((bounds["close"] - bounds["open"]) / pd.Timedelta(minutes=1))
            if rng.random() < 0.04:
                gap = (int(rng.integers(30, minutes - 30)), int(rng.integers(3, 13)))
                start = bounds["open"] + pd.Timedelta(minutes=gap[0])
                market.gaps.append({"symbol": sym, "date": day.isoformat(), "start": start.isoformat(),
                                    "minutes": gap[1]})
            frames.append(_day_trades(rng, sym, d_i, float(opens[s_i, d_i]), float(closes[s_i, d_i]), bounds,
                                      float(liq[s_i]), float(vols[s_i]), gap))
        frame = pd.concat(frames, ignore_index=True)
        _plant_same_timestamp(frame, names[min(2, len(names) - 1)], day, market)
        if d_i % 10 == 9 or d_i == n_days - 1:
            _plant_correction(frame, names[min(3, len(names) - 1)], day, market)
        path = drop / f"{day.isoformat()}.csv.gz"
        _write_gzip_csv(frame[TRADE_COLUMNS], path)
        market.files.append(path)
        market.trades += len(frame)
    write_tickers(names, market.tickers_file)
    return market


def _shared_minute_rows(frame: pd.DataFrame, symbol: str) -> np.ndarray:
    """Rows i of ``symbol`` (plain regular trades) whose next row is the same symbol in the same
    minute: changing trade i or i+1 then never empties a minute (no accidental gap)."""
    tick = frame["ticker"].to_numpy()
    minute = frame["sip_timestamp"].to_numpy() // 60_000_000_000
    plain = (frame["conditions"] == "").to_numpy()
    nxt = np.r_[np.arange(1, len(frame)), len(frame) - 1]
    ok = (tick == symbol) & plain & (tick[nxt] == symbol) & (minute[nxt] == minute) & plain[nxt]
    ok[-1] = False
    return np.flatnonzero(ok)


def _plant_same_timestamp(frame: pd.DataFrame, symbol: str, day: dt.date, market: SyntheticMarket) -> None:
    rows = _shared_minute_rows(frame, symbol)
    if rows.size < 3:
        return
    i = rows[rows.size // 2]
    frame.loc[i + 1, "sip_timestamp"] = frame.loc[i, "sip_timestamp"]
    frame.loc[i + 1, "participant_timestamp"] = frame.loc[i, "participant_timestamp"]
    market.same_timestamp.append({"symbol": symbol, "date": day.isoformat(),
                                  "sip_timestamp": int(frame.loc[i, "sip_timestamp"]),
                                  "ids": [frame.loc[i, "id"], frame.loc[i + 1, "id"]]})


def _plant_correction(frame: pd.DataFrame, symbol: str, day: dt.date, market: SyntheticMarket) -> None:
    rows = _shared_minute_rows(frame, symbol)
    if rows.size < 3:
        return
    i = rows[rows.size // 3] + 1          # its minute keeps trade i, so no gap appears
    bad = round(float(frame.loc[i, "price"]) * 1.08, 2)
    frame.loc[i, "price"] = bad
    frame.loc[i, "correction"] = 7        # later marked erroneous: in no bar (aggregate/eligibility.py)
    market.corrected.append({"symbol": symbol, "date": day.isoformat(), "id": frame.loc[i, "id"], "price": bad})


def _write_gzip_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write with a fixed gzip header time, so the same data gives the same bytes."""
    import gzip

    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=5) as gz:
        gz.write(frame.to_csv(index=False, lineterminator="\n").encode())
    tmp.replace(path)


def write_tickers(symbols: list[str], path: Path) -> None:
    """A Massive reference-tickers page for the synthetic symbols."""
    results = [{
        "ticker": s, "name": f"Synthetic {s.title()} Corp", "market": "stocks", "locale": "us",
        "primary_exchange": "XNYS", "type": "CS", "active": True, "currency_name": "usd",
        "currency_symbol": "$", "cik": f"{9000000 + i:010d}", "composite_figi": f"BBGSYN{i:06d}",
        "share_class_figi": f"BBGSYS{i:06d}", "last_updated_utc": "2024-01-02T00:00:00Z",
    } for i, s in enumerate(symbols)]
    path.write_text(json.dumps({"results": results, "status": "OK", "request_id": "synthetic",
                                "count": len(results)}, indent=1), encoding="utf-8")
