"""Test data for the reader, inserted with plain SQL and COPY (independent of the ingest writers).

The generators are random but seeded; values are chosen so they round-trip exactly through
``numeric`` and float64 (prices with at most 4 decimals for stocks, 8 for crypto).
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import psycopg2

TICK_COLUMNS = ["symbol", "timestamp", "price", "volume", "exchange", "trade_id", "sequence_number",
                "conditions", "correction"]
BAR_COLUMNS = ["symbol", "timestamp", "open", "high", "low", "close", "volume", "vwap", "trade_count"]
def connect(url: str):
    conn = psycopg2.connect(url, options="-c timezone=UTC")
    conn.autocommit = False
    return conn


def add_symbols(url: str, symbols, market: str = "stocks") -> None:
    with connect(url) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO symbols (symbol, market) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                        [(s, market) for s in symbols])
    conn.close()


def _csv_value(v):
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, (list, tuple)):
        return '"{' + ",".join(str(int(x)) for x in v) + '}"'
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return str(v)


def copy_rows(url: str, table: str, frame: pd.DataFrame, columns: list[str]) -> None:
    """COPY ``frame[columns]`` into ``table`` (a fixed table name chosen by the test)."""
    out = io.StringIO()
    for row in frame[columns].itertuples(index=False, name=None):
        out.write(",".join(_csv_value(v) for v in row) + "\n")
    out.seek(0)
    cols = ", ".join(f'"{c}"' for c in columns)
    with connect(url) as conn, conn.cursor() as cur:
        cur.copy_expert(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)", out)
    conn.close()


def random_ticks(symbols, start: str, end: str, per_symbol: int, seed: int = 1) -> pd.DataFrame:
    """``per_symbol`` ticks per symbol at random microsecond times in [start, end), with some
    distinct trades sharing a timestamp, null sequence numbers and condition lists."""
    rng = np.random.default_rng(seed)
    t0, t1 = pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC")
    span = int((t1 - t0) / pd.Timedelta(microseconds=1))
    frames = []
    for i, sym in enumerate(symbols):
        offs = np.sort(rng.integers(0, span, per_symbol))
        offs[1::7] = offs[0::7][: len(offs[1::7])]  # shared timestamps
        offs = np.sort(offs)
        ts = t0 + pd.to_timedelta(offs, unit="us")
        price = np.round(rng.uniform(10, 500, per_symbol), 4)
        conds = [None if k % 3 == 0 else ([12, 37] if k % 3 == 1 else [14]) for k in range(per_symbol)]
        seq = pd.array(np.arange(per_symbol) + 1000 * i, dtype="Int64")
        seq[::5] = pd.NA
        frames.append(pd.DataFrame({
            "symbol": sym, "timestamp": ts, "price": price,
            "volume": rng.integers(1, 10_000, per_symbol).astype("int64"),
            "exchange": rng.integers(1, 20, per_symbol).astype("int16"),
            "trade_id": [f"{sym}-{k}" for k in range(per_symbol)],
            "sequence_number": seq, "conditions": conds,
            "correction": (np.arange(per_symbol) % 11 == 0).astype("int16"),
        }))
    return pd.concat(frames, ignore_index=True)


def random_minutes(symbols, days, seed: int = 2, tz: str = "America/New_York",
                   first: str = "04:00", last: str = "20:00", missing: float = 0.05,
                   weekends: bool = False) -> pd.DataFrame:
    """1-minute bars for every weekday in ``days`` (holidays included on purpose: the reader
    must drop them) from ``first`` to ``last`` exchange-local time, with a few minutes missing
    at random; prices on a 0.01 grid. Built from local wall times, not from the calendar."""
    rng = np.random.default_rng(seed)
    pieces = []
    for day in pd.DatetimeIndex(days):
        if day.weekday() >= 5 and not weekends:
            continue
        end = f"{day.date()} {last}" if last != "24:00" else f"{(day + pd.Timedelta(days=1)).date()} 00:00"
        local = pd.date_range(f"{day.date()} {first}", end, freq="min", inclusive="left")
        pieces.append(local.tz_localize(tz).tz_convert("UTC"))
    minutes = pieces[0].append(pieces[1:]) if len(pieces) > 1 else pieces[0]
    frames = []
    for sym in symbols:
        keep = rng.random(len(minutes)) >= missing
        ts = minutes[keep]
        n = len(ts)
        base = 100 + np.cumsum(rng.normal(0, 0.05, n))
        o = np.round(base, 2)
        c = np.round(base + rng.normal(0, 0.05, n), 2)
        h = np.round(np.maximum(o, c) + rng.uniform(0, 0.1, n), 2)
        low = np.round(np.minimum(o, c) - rng.uniform(0, 0.1, n), 2)
        vol = rng.integers(100, 5000, n).astype("int64")
        vwap = np.round((h + low) / 2, 4)
        frames.append(pd.DataFrame({"symbol": sym, "timestamp": ts, "open": o, "high": h, "low": low,
                                    "close": c, "volume": vol, "vwap": vwap,
                                    "trade_count": rng.integers(1, 100, n).astype("int64")}))
    return pd.concat(frames, ignore_index=True)
