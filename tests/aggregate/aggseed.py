"""Seeding helpers for the aggregation tests: plain SQL and COPY, independent of the ingest area."""
from __future__ import annotations

import io
from typing import Iterable

import pandas as pd

from tickstock_research.db.engine import get_engine, raw_connection

TICK_COLUMNS = ["symbol", "timestamp", "price", "volume", "exchange", "trade_id", "sequence_number", "correction"]


def seed_symbols(url, symbols: Iterable[str], market: str = "stocks", calendar: str | None = None) -> None:
    conn = raw_connection(get_engine(url))
    try:
        with conn.cursor() as cur:
            for s in symbols:
                cur.execute("INSERT INTO symbols (symbol, market, calendar) VALUES (%s, %s, %s) "
                            "ON CONFLICT (symbol) DO NOTHING", (s, market, calendar))
        conn.commit()
    finally:
        conn.close()


def seed_ticks(url, ticks: pd.DataFrame) -> int:
    """COPY ticks (columns TICK_COLUMNS; timestamp tz-aware or naive UTC; price as str/Decimal/float)."""
    frame = ticks.copy()
    for col, default in (("exchange", 1), ("sequence_number", None), ("correction", 0)):
        if col not in frame:
            frame[col] = default
    if "trade_id" not in frame:
        frame["trade_id"] = [f"t{i}" for i in range(len(frame))]
    ts = pd.DatetimeIndex(frame["timestamp"])
    ts = ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")
    frame["timestamp"] = ts.strftime("%Y-%m-%d %H:%M:%S.%f+00")
    frame["sequence_number"] = frame["sequence_number"].astype("Int64")
    columns = list(TICK_COLUMNS)
    if "conditions" in frame:             # lists of codes (None: no conditions) -> array literals
        frame["conditions"] = [None if c is None else "{" + ",".join(str(int(x)) for x in c) + "}"
                               for c in frame["conditions"]]
        columns.append("conditions")
    buf = io.StringIO()
    frame[columns].to_csv(buf, index=False, header=False, na_rep="")
    buf.seek(0)
    conn = raw_connection(get_engine(url))
    try:
        with conn.cursor() as cur:
            cur.copy_expert(f"COPY ticks ({', '.join(columns).replace('timestamp', chr(34) + 'timestamp' + chr(34))}) "
                            "FROM STDIN WITH (FORMAT csv)", buf)
        conn.commit()
    finally:
        conn.close()
    return len(frame)


def execute(url, sql: str, params=None) -> None:
    conn = raw_connection(get_engine(url))
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def fetch(url, sql: str, params=None) -> pd.DataFrame:
    conn = raw_connection(get_engine(url))
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            cols = [d[0] for d in cur.description]
            return pd.DataFrame(cur.fetchall(), columns=cols)
    finally:
        conn.close()


def random_ticks(symbols, day: str, n: int, seed: int = 0, session_hours=("08:00", "23:59")) -> pd.DataFrame:
    """Random trades over one UTC day window (for benchmarks and property tests)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lo = pd.Timestamp(f"{day} {session_hours[0]}", tz="UTC")
    hi = pd.Timestamp(f"{day} {session_hours[1]}", tz="UTC")
    span = int((hi - lo).total_seconds() * 1e6)
    sym = rng.choice(list(symbols), size=n)
    us = np.sort(rng.integers(0, span, size=n))
    price = np.round(100 + rng.normal(0, 1, size=n).cumsum() * 0.01, 2)
    price = np.abs(price) + 1
    return pd.DataFrame({
        "symbol": sym, "timestamp": lo + pd.to_timedelta(us, unit="us"), "price": price,
        "volume": rng.integers(1, 500, size=n), "exchange": rng.integers(1, 20, size=n),
        "trade_id": [f"{day[-2:]}{i}" for i in range(n)], "sequence_number": np.arange(n),
        "correction": 0,
    })
