"""Live bars in memory (:class:`BarBuilder`) and blending them with history (:class:`DataBlender`).

``BarBuilder`` applies exactly the SQL path's rules (``minutes.py``), so on the same trades it
gives the same 1-minute bars: UTC minute buckets; open/close the first/last trade by
(timestamp, sequence number -- missing last --, trade id in code-point order); high, low,
volume, vwap = sum(price*size)/sum(size) computed in decimal, trade count; each field over
the trades the rule set (:mod:`.eligibility`, minute context) lets set it, corrections too.

``DataBlender`` (US3) joins historical bars from the database with live bars or ticks and
resamples them to a target timeframe, for a scan that wants one frame:

- the **seam** of a symbol is its first live minute: database minutes before it, live minutes
  from it, so there is no duplicate and no hole between the two sources;
- a **partial day** (live minutes on top of stored dailies) never double counts: for a
  session with live minutes the stored daily bar is ignored and the day is rebuilt from the
  stored minutes before the seam plus the live minutes;
- intraday buckets are aligned to the session's start in exchange time and never straddle
  two sessions; daily bars are keyed by the exchange session date.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from ..db.engine import get_engine
from ..errors import ValidationError
from ..sessions import exchange_tz, session_bounds, sessions, to_utc
from ..sessions.calendar import check_session_filter
from ..types import EngineOrURL, SessionFilter, TimestampLike
from ._common import symbol_calendars, symbol_list
from .eligibility import DEFAULT_RULE_SET, rules
from .live_checks import Rejected, check_bar, check_trade

BAR_COLUMNS = ["symbol", "timestamp", "open", "high", "low", "close", "volume", "vwap", "trade_count"]
_NS = 1_000_000_000


def _dec(p) -> Decimal:
    return p if isinstance(p, Decimal) else Decimal(str(p))


@dataclass
class _Acc:
    """Running state of one (symbol, minute) bar."""

    open_key: tuple | None
    open: Any
    close_key: tuple | None
    close: Any
    high: Any
    low: Any
    volume: int
    pv: Decimal
    count: int

    def merge(self, o: "_Acc") -> None:
        # None: no trade of that kind yet (open: none may set it; close: none fully eligible)
        if o.open_key is not None and (self.open_key is None or o.open_key < self.open_key):
            self.open_key, self.open = o.open_key, o.open
        if o.close_key is not None and (self.close_key is None or o.close_key > self.close_key):
            self.close_key, self.close = o.close_key, o.close
        if o.high is not None and (self.high is None or o.high > self.high):
            self.high = o.high
        if o.low is not None and (self.low is None or o.low < self.low):
            self.low = o.low
        self.volume += o.volume
        self.pv += o.pv
        self.count += o.count


def _trade_acc(flags, key: tuple, price, size: int) -> _Acc:
    """One trade's contribution under its (high_low, last_full, last_first, volume) flags."""
    hl, full, first, vol = flags
    return _Acc(key if (full or first) else None, price, key if full else None, price if full else None,
                price if hl else None, price if hl else None, size if vol else 0,
                _dec(price) * size if vol else Decimal(0), 1 if vol else 0)


def _conditions(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return list(value)


def _key(ns: int, seq, trade_id) -> tuple:
    seq_missing = seq is None or (isinstance(seq, float) and np.isnan(seq)) or seq is pd.NA
    return (ns, 1 if seq_missing else 0, 0 if seq_missing else int(seq), "" if trade_id is None else str(trade_id))


class BarBuilder:
    """Turn live trades into completed 1-minute bars, in memory.

    Feed trades one by one (:meth:`add`, live-feed dicts ``{"sym", "p", "s", "t"}`` with
    optional ``"i"`` trade id, ``"q"`` sequence number, ``"correction"``; ``t`` in ms, us or ns)
    or as DataFrames (:meth:`add_ticks`, the ``ticks`` columns ``symbol, timestamp, price,
    volume`` and optional ``sequence_number, trade_id, correction``). A minute is complete once
    the feed's clock (the latest trade time seen, any symbol) has passed its end by
    ``lateness``, or on :meth:`flush`. Completed bars are returned by ``add``/``add_ticks``,
    passed to ``on_bar`` and kept in :attr:`bars`. A trade for a minute already emitted is not
    applied (the bar was published); it is kept in :attr:`late` for the SQL path to pick up.
    A bad trade (no symbol or size, NaN or non-positive price, negative or fractional size, a
    time in the wrong unit or out of range) is applied to nothing and kept in :attr:`rejected`
    with its reason (``rejected.counts``). Bars carry the trades' prices as given and a float64
    ``vwap`` (computed exactly in decimal).

    >>> b = BarBuilder()
    >>> _ = b.add({"sym": "AAPL", "p": 190.0, "s": 100, "t": 1710163800000})
    >>> b.add({"sym": "AAPL", "p": 190.5, "s": 50, "t": 1710163861000})[0]["close"]
    190.0
    """

    def __init__(self, lateness: str | pd.Timedelta = "0s", on_bar: Callable[[dict], None] | None = None,
                 rule_set: str = DEFAULT_RULE_SET):
        self.rules = rules(rule_set, "minute")
        self.lateness_ns = pd.Timedelta(lateness).value
        self.on_bar = on_bar
        self._open: dict[tuple[str, int], _Acc] = {}
        self._emitted_until: dict[str, int] = {}   # symbol -> end (ns) of its last emitted minute
        self.clock_ns: int | None = None
        self._bars: list[dict] = []
        self.late: list[dict] = []
        self.rejected = Rejected()

    # -- feeding ---------------------------------------------------------------------------
    def add(self, tick: Mapping) -> list[dict]:
        """Add one live trade; returns the bars it completed (possibly none)."""
        try:
            ns = self._contribute(tick, _conditions(tick.get("c", tick.get("conditions"))),
                                  tick.get("correction", 0), tick.get("q", tick.get("sequence_number")),
                                  tick.get("i", tick.get("trade_id")), time.time_ns(), None)
        except (TypeError, ValueError):   # conditions or correction not codes
            self.rejected.add(tick, "unparsable")
            return []
        return [] if ns is None else self._advance(ns)

    def add_ticks(self, ticks: pd.DataFrame | Iterable[Mapping]) -> list[dict]:
        """Add many trades (a DataFrame in the ``ticks`` layout, or live-feed dicts)."""
        if not isinstance(ticks, pd.DataFrame):
            out: list[dict] = []
            for t in ticks:
                out += self.add(t)
            return out
        if ticks.empty:
            return []
        f = ticks
        corr = f["correction"].fillna(0).astype("int64").tolist() if "correction" in f else [0] * len(f)
        conds = f["conditions"].tolist() if "conditions" in f else [None] * len(f)
        seq = f["sequence_number"].tolist() if "sequence_number" in f else [None] * len(f)
        ids = f["trade_id"].astype(str).tolist() if "trade_id" in f else [None] * len(f)
        now, latest = time.time_ns(), None
        for sym, t, p, s, q, i, c, e in zip(f["symbol"].tolist(), f["timestamp"].tolist(), f["price"].tolist(),
                                            f["volume"].tolist(), seq, ids, conds, corr):
            msg = {"symbol": sym, "timestamp": t, "price": p, "volume": s}
            n = self._contribute(msg, _conditions(c), e, q, i, now, msg)
            if n is None:
                continue
            latest = n if latest is None else max(latest, n)
        return self._advance(latest) if latest is not None else []

    def _contribute(self, msg: Mapping, conditions, correction, seq, trade_id, now: int,
                    raw: dict | None) -> int | None:
        """The one path of a trade into its bar (both :meth:`add` and :meth:`add_ticks`): its
        eligibility flags under the rule set, the trade checks, its contribution applied.
        Returns the trade's time (ns), or None when it contributes nothing (an excluded
        correction, or rejected: kept in :attr:`rejected`). ``raw`` is what :attr:`late` keeps
        (None: the trade as given)."""
        flags = self.rules.flags(conditions, correction)
        if flags is None:
            return None
        reason, parsed = check_trade(msg, now)
        if reason:
            self.rejected.add(msg, reason)
            return None
        sym, ns, price, size = parsed
        if raw is None:
            raw = dict(msg)
        else:
            raw = {"symbol": sym, "timestamp": pd.Timestamp(ns, tz="UTC"), "price": price, "volume": size}
        self._apply(sym, ns, _trade_acc(flags, _key(ns, seq, trade_id), price, size), raw)
        return ns

    def _apply(self, sym: str, ns: int, acc: _Acc, raw: dict) -> None:
        minute = ns - ns % (60 * _NS)
        if minute < self._emitted_until.get(sym, -1):
            self.late.append(raw)
            return
        cur = self._open.get((sym, minute))
        if cur is None:
            self._open[(sym, minute)] = acc
        else:
            cur.merge(acc)

    def _advance(self, ns: int) -> list[dict]:
        if self.clock_ns is None or ns > self.clock_ns:
            self.clock_ns = ns
        return self._emit(self.clock_ns - self.lateness_ns)

    def flush(self, until: TimestampLike | None = None) -> list[dict]:
        """Complete every open bar (or those ending at or before ``until``) and return them."""
        limit = None if until is None else to_utc(until).value
        return self._emit(limit)

    def _emit(self, limit: int | None) -> list[dict]:
        done = sorted(k for k in self._open if limit is None or k[1] + 60 * _NS <= limit)
        out = []
        for sym, minute in done:
            acc = self._open.pop((sym, minute))
            if acc.open_key is None:          # no trade that may set a price: no bar (the SQL path's rule)
                self._emitted_until[sym] = max(self._emitted_until.get(sym, -1), minute + 60 * _NS)
                continue
            bar = {"symbol": sym, "timestamp": pd.Timestamp(minute, tz="UTC"), "open": acc.open, "high": acc.high,
                   "low": acc.low, "close": acc.open if acc.close_key is None else acc.close, "volume": acc.volume,
                   "vwap": float(acc.pv / acc.volume) if acc.volume > 0 else None, "trade_count": acc.count}
            self._emitted_until[sym] = max(self._emitted_until.get(sym, -1), minute + 60 * _NS)
            out.append(bar)
            if self.on_bar:
                self.on_bar(bar)
        self._bars += out
        return out

    # -- reading ---------------------------------------------------------------------------
    def open_bars(self) -> pd.DataFrame:
        """The bars still open (partial), same columns as :attr:`bars`."""
        rows = [{"symbol": s, "timestamp": pd.Timestamp(m, tz="UTC"), "open": a.open, "high": a.high, "low": a.low,
                 "close": a.open if a.close_key is None else a.close, "volume": a.volume,
                 "vwap": float(a.pv / a.volume) if a.volume > 0 else None,
                 "trade_count": a.count} for (s, m), a in sorted(self._open.items()) if a.open_key is not None]
        return _bar_frame(rows)

    @property
    def bars(self) -> pd.DataFrame:
        """Every completed bar so far: symbol, timestamp (UTC minute start), open, high, low,
        close, vwap (float64), volume (int64), trade_count."""
        return _bar_frame(self._bars)


def _bar_frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in BAR_COLUMNS}).assign(
            symbol=pd.Series(dtype="str"), timestamp=pd.Series(dtype="datetime64[ns, UTC]"))[BAR_COLUMNS]
    f = pd.DataFrame(rows, columns=BAR_COLUMNS)
    f["timestamp"] = pd.DatetimeIndex(f["timestamp"]).tz_convert("UTC")
    for c in ("open", "high", "low", "close", "vwap"):
        f[c] = pd.to_numeric(f[c].map(lambda v: np.nan if v is None else float(v))).astype("float64")
    f["volume"] = f["volume"].astype("int64")
    f["trade_count"] = pd.to_numeric(f["trade_count"]).astype("Int64")
    return f


# ---------------------------------------------------------------------------------------------
# resampling

_INTRADAY = {"1min": 1, "2min": 2, "3min": 3, "5min": 5, "10min": 10, "15min": 15, "30min": 30,
             "1h": 60, "2h": 120, "4h": 240}
TIMEFRAMES = list(_INTRADAY) + ["1d", "1w", "1mo"]


def _timeframe(value: str) -> str:
    try:
        from ..timeframes import parse_timeframe
        name = parse_timeframe(value).name
    except ImportError:  # pragma: no cover - reader area absent
        name = value
    if name not in TIMEFRAMES:
        from ..errors import UnknownTimeframeError
        raise UnknownTimeframeError(value, TIMEFRAMES)
    return name


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame.copy()
    for c in ("open", "high", "low", "close", "vwap"):
        f[c] = pd.to_numeric(f[c].map(lambda v: None if v is None else float(v)), errors="coerce").astype("float64")
    f["volume"] = f["volume"].astype("int64")
    f["trade_count"] = pd.to_numeric(f["trade_count"], errors="coerce").astype("Int64")
    return f


def _assign_sessions(f: pd.DataFrame, calendar: str, session: SessionFilter) -> pd.DataFrame:
    """Add ``session`` (date) and ``session_start`` to 1-minute bars; drop bars in no session."""
    if f.empty:
        return f.assign(session=pd.Series(dtype=object), session_start=pd.Series(dtype="datetime64[ns, UTC]"))
    t0, t1 = f["timestamp"].min(), f["timestamp"].max()
    s = sessions((t0 - pd.Timedelta(days=2)).date(), (t1 + pd.Timedelta(days=2)).date(), calendar)
    b = session_bounds(s, session, calendar)
    bounds = pd.DataFrame({"session": list(b.index), "session_start": pd.DatetimeIndex(b["start"]).as_unit("ns"),
                           "session_end": pd.DatetimeIndex(b["end"]).as_unit("ns")}).sort_values("session_start")
    left = f.assign(timestamp=pd.DatetimeIndex(f["timestamp"]).as_unit("ns")).sort_values("timestamp")
    m = pd.merge_asof(left, bounds, left_on="timestamp", right_on="session_start", direction="backward")
    m = m[m["timestamp"] < m["session_end"]].drop(columns="session_end")
    return m


def _ohlcv(group_keys, f: pd.DataFrame) -> pd.DataFrame:
    f = f.assign(_pv=f["vwap"] * f["volume"])
    g = f.groupby(group_keys, sort=True)
    out = g.agg(open=("open", "first"), high=("high", "max"), low=("low", "min"), close=("close", "last"),
                volume=("volume", "sum"), _pv=("_pv", "sum"), _vw=("vwap", "count"), _n=("open", "size"),
                trade_count=("trade_count", "sum"))
    out["vwap"] = np.where((out["_vw"] == out["_n"]) & (out["volume"] > 0),
                           out["_pv"] / out["volume"].where(out["volume"] > 0), np.nan)
    return out.drop(columns=["_pv", "_vw", "_n"])[["open", "high", "low", "close", "volume", "vwap", "trade_count"]]


def resample_bars(minutes: pd.DataFrame, timeframe: str, calendar: str = "XNYS",
                  session: SessionFilter = "regular") -> pd.DataFrame:
    """Resample 1-minute bars of one symbol (columns timestamp, open, high, low, close, volume,
    vwap, trade_count) to ``timeframe``.

    Intraday buckets start at the session's start (09:30 New York for regular hours) and
    never straddle two sessions; a bar is labelled by its start (UTC). ``1d`` gives one bar
    per session date (index ``date``). Minutes outside the sessions are dropped.
    """
    check_session_filter(session)
    tf = _timeframe(timeframe)
    f = _assign_sessions(_numeric(minutes.sort_values("timestamp")), calendar, session)
    if tf == "1d":
        out = _ohlcv("session", f)
        out.index = pd.Index(list(out.index), name="date")
        return out
    width = pd.Timedelta(minutes=_INTRADAY[tf])
    bucket = f["session_start"] + ((f["timestamp"] - f["session_start"]) // width) * width
    out = _ohlcv(bucket.rename("timestamp"), f)
    out.index = pd.DatetimeIndex(out.index, name="timestamp").tz_convert("UTC")
    return out


# ---------------------------------------------------------------------------------------------
# blending

class DataBlender:
    """Historical bars from the database joined with live bars or ticks, resampled.

    >>> blend = DataBlender(["AAPL"], "5min", start="2024-03-04", engine_or_url=url)   # doctest: +SKIP
    >>> blend.add_ticks(live_ticks)                                                    # doctest: +SKIP
    >>> frame = blend.frame("AAPL")      # one frame, no gap or duplicate at the seam  # doctest: +SKIP

    ``start`` is the first session date of history to read. Live data: :meth:`add_ticks`
    (trades, through an internal :class:`BarBuilder`) and :meth:`add_bars` (live 1-minute
    bars: the ``ohlcv_1min`` columns, or feed messages ``{sym, o, h, l, c, v, s}`` with ``s``
    the start in ms). ``include_open`` in :meth:`frame` adds the builder's still-open minutes.
    """

    def __init__(self, symbols: str | Iterable[str], timeframe: str = "1min", start: TimestampLike | None = None,
                 *, engine_or_url: EngineOrURL = None, session: SessionFilter = "regular", lateness: str = "0s"):
        check_session_filter(session)
        self.symbols = symbol_list(symbols) or []
        if not self.symbols:
            raise ValidationError("DataBlender needs at least one symbol")
        self.timeframe = _timeframe(timeframe)
        self.session = session
        self.engine = get_engine(engine_or_url)
        self.start = (pd.Timestamp(start) if start is not None
                      else pd.Timestamp.now(tz="UTC").normalize().tz_localize(None) - pd.Timedelta(days=30)).date()
        with self.engine.connect() as conn:
            self.calendars = symbol_calendars(conn, self.symbols)
        self.builder = BarBuilder(lateness=lateness)
        self.rejected = self.builder.rejected        # bad live trades and bars, with reasons
        self._live_bars: list[pd.DataFrame] = []
        self._history: dict[str, tuple[pd.DataFrame, pd.DataFrame]] | None = None

    # -- live input --------------------------------------------------------------------------
    def add_ticks(self, ticks) -> None:
        self.builder.add_ticks(ticks)

    def add_bars(self, bars: pd.DataFrame | Iterable[Mapping]) -> None:
        """Add live 1-minute bars: the ``ohlcv_1min`` columns or feed messages
        ``{sym, o, h, l, c, v, s, vw, n}`` (``s`` the start in ms, ``n`` the trade count).

        A bad bar (a time in the wrong unit or before ``start``, not on a minute, NaN or
        non-positive prices, high below low, open/close/vwap outside [low, high], a negative
        volume, a missing field, a symbol not blended) is kept in :attr:`rejected` with its
        reason and changes nothing: one bad message never empties the blended history."""
        records = bars.to_dict("records") if isinstance(bars, pd.DataFrame) else list(bars)
        now = time.time_ns()
        rows = []
        for m in records:
            reason, row = check_bar(m, now)
            if not reason and row["symbol"] not in self.calendars:
                reason = "unknown_symbol"
            if not reason and row["timestamp"] < self._first_instant(row["symbol"]):
                reason = "before_start"
            if reason:
                self.rejected.add(m, reason)
            else:
                rows.append(row)
        if rows:
            self._live_bars.append(_bar_frame(rows))

    def _first_instant(self, symbol: str) -> pd.Timestamp:
        """Midnight (exchange time) of the blender's first session date."""
        tz = "UTC" if self.calendars[symbol] == "24/7" else exchange_tz(self.calendars[symbol])
        return pd.Timestamp(self.start).tz_localize(tz).tz_convert("UTC")

    def refresh(self) -> None:
        """Forget the cached history (read again on the next :meth:`frame`)."""
        self._history = None

    # -- output --------------------------------------------------------------------------------
    def live_minutes(self, include_open: bool = True) -> pd.DataFrame:
        parts = [self.builder.bars] + ([self.builder.open_bars()] if include_open else []) + self._live_bars
        parts = [p for p in parts if not p.empty]
        if not parts:
            return _bar_frame([])
        f = pd.concat(parts, ignore_index=True)
        # the same minute from two live sources: the later one (feed bars over built ones) wins
        return f.drop_duplicates(["symbol", "timestamp"], keep="last").sort_values(["symbol", "timestamp"],
                                                                                  ignore_index=True)

    def _read_history(self) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
        """Stored minutes (every minute of the sessions from the day before ``start``) and daily
        bars (for the blender's session filter) per symbol, read by :class:`HistoricalLoader`,
        so the stored-daily-session rule is the reader's: daily bars of another session filter
        than the stored one are built from the minutes."""
        if self._history is None:
            from ..load import HistoricalLoader

            loader = HistoricalLoader(engine_or_url=self.engine)
            end = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=2)
            lo = pd.Timestamp(self.start).tz_localize("UTC") - pd.Timedelta(days=1)
            mins = loader.bars(self.symbols, "1min", lo, end, session="all", by_symbol=True)
            days = loader.bars(self.symbols, "1d", self.start, end.date(), session=self.session, by_symbol=True)
            self._history = {}
            for s in self.symbols:
                m = mins[s].reset_index()[BAR_COLUMNS]
                m["timestamp"] = pd.DatetimeIndex(m["timestamp"]).tz_convert("UTC")
                d = days[s].reset_index()
                d["date"] = [t.date() for t in pd.to_datetime(d["date"])]
                self._history[s] = (m.reset_index(drop=True), d[["symbol", "date"] + BAR_COLUMNS[2:]])
        return self._history

    def frame(self, symbol: str | None = None, include_open: bool = True) -> pd.DataFrame:
        """The blended bars of one symbol (indexed by time, or by session date for ``1d``), or
        of every symbol with a ``symbol`` column when ``symbol`` is None."""
        if symbol is None:
            parts = [self.frame(s, include_open).assign(symbol=s) for s in self.symbols]
            return pd.concat(parts) if parts else pd.DataFrame()
        symbol = symbol.upper()
        if symbol not in self.calendars:
            raise ValidationError(f"{symbol} is not one of this blender's symbols {self.symbols}")
        cal = self.calendars[symbol]
        hist_min, hist_day = self._read_history()[symbol]
        live = self.live_minutes(include_open)
        live = live[live["symbol"] == symbol]
        seam = live["timestamp"].min() if not live.empty else None
        old = hist_min if seam is None else hist_min[hist_min["timestamp"] < seam]
        minutes = pd.concat([p for p in (old, live) if not p.empty], ignore_index=True) if (
            not old.empty or not live.empty) else _bar_frame([])
        if self.timeframe not in ("1d", "1w", "1mo"):
            minutes = minutes[minutes["timestamp"] >= pd.Timestamp(self.start).tz_localize("UTC") - pd.Timedelta(days=1)]
            out = resample_bars(minutes, self.timeframe, cal, self.session)
            first = sessions(self.start, self.start + dt.timedelta(days=10), cal)
            if len(first):
                out = out[out.index >= session_bounds(first, self.session, cal)["start"].iloc[0]]
            out.index = pd.DatetimeIndex(out.index, name="timestamp").as_unit("us")   # as HistoricalLoader
            return out
        # daily: stored dailies for sessions without live minutes; the others rebuilt
        live_days = set(resample_bars(live, "1d", cal, self.session).index) if not live.empty else set()
        rebuilt = resample_bars(minutes, "1d", cal, self.session)
        rebuilt = rebuilt[[d in live_days for d in rebuilt.index]]
        stored = _numeric(hist_day.rename(columns={"date": "timestamp"}).assign(symbol=symbol))
        stored = stored[[d not in live_days for d in stored["timestamp"]]]
        stored = stored.set_index(pd.Index(list(stored["timestamp"]), name="date"))[list(rebuilt.columns)]
        out = pd.concat([p for p in (stored, rebuilt) if not p.empty]) if (not stored.empty or not rebuilt.empty) \
            else rebuilt
        out = out[[d >= self.start for d in out.index]].sort_index()
        if self.timeframe != "1d":
            out = _periods(out, self.timeframe)
        # as HistoricalLoader: a naive DatetimeIndex of session dates named "date"
        out.index = pd.DatetimeIndex(pd.to_datetime([str(d) for d in out.index]), name="date").as_unit("s")
        return out


def _periods(daily: pd.DataFrame, timeframe: str) -> pd.DataFrame:
    """Daily bars (index: session dates) grouped by exchange week (Monday-based) or calendar
    month, each labelled by its first session date, as the loader's weekly and monthly bars."""
    days = pd.to_datetime([str(d) for d in daily.index])
    key = (days - pd.to_timedelta(days.day_of_week, unit="D")) if timeframe == "1w" else days.to_period("M").to_timestamp()
    f = daily.assign(_key=key.values, _day=list(daily.index))
    f = f.assign(_pv=f["vwap"] * f["volume"])
    g = f.groupby("_key", sort=True)
    out = g.agg(_day=("_day", "first"), open=("open", "first"), high=("high", "max"), low=("low", "min"),
                close=("close", "last"), volume=("volume", "sum"), _pv=("_pv", "sum"), _vw=("vwap", "count"),
                _n=("open", "size"), trade_count=("trade_count", "sum"))
    out["vwap"] = np.where((out["_vw"] == out["_n"]) & (out["volume"] > 0),
                           out["_pv"] / out["volume"].where(out["volume"] > 0), np.nan)
    out = out.set_index("_day")
    out.index.name = "date"
    return out[["open", "high", "low", "close", "volume", "vwap", "trade_count"]]
