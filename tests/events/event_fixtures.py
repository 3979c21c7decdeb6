"""Helpers: put symbols and bars into a test database (plain INSERTs of hand-built rows)."""
from __future__ import annotations

import pandas as pd


def add_symbols(engine, *symbols):
    with engine.begin() as conn:
        for s in symbols:
            conn.exec_driver_sql("INSERT INTO symbols (symbol) VALUES (%(s)s) ON CONFLICT DO NOTHING", {"s": s})


def add_daily(engine, symbol, frame: pd.DataFrame):
    add_symbols(engine, symbol)
    rows = [{"s": symbol, "d": d.date(), "o": float(r.open), "h": float(r.high), "l": float(r.low), "c": float(r.close), "v": int(r.volume)}
            for d, r in frame.iterrows()]
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO ohlcv_daily (symbol, date, open, high, low, close, volume) "
            "VALUES (%(s)s, %(d)s, %(o)s, %(h)s, %(l)s, %(c)s, %(v)s)", rows)


def add_minutes(engine, symbol, frame: pd.DataFrame):
    add_symbols(engine, symbol)
    rows = [{"s": symbol, "t": t.to_pydatetime(), "o": float(r.open), "h": float(r.high), "l": float(r.low), "c": float(r.close), "v": int(r.volume)}
            for t, r in frame.iterrows()]
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO ohlcv_1min (symbol, \"timestamp\", open, high, low, close, volume) "
            "VALUES (%(s)s, %(t)s, %(o)s, %(h)s, %(l)s, %(c)s, %(v)s)", rows)


def daily(rows, start="2024-01-02"):
    rows = [tuple(r) + (1000,) * (5 - len(r)) for r in rows]
    return pd.DataFrame(rows, columns=["open", "high", "low", "close", "volume"],
                        index=pd.bdate_range(start, periods=len(rows)))


def intraday(rows, tz="America/New_York"):
    idx = pd.DatetimeIndex([pd.Timestamp(r[0]) for r in rows]).tz_localize(tz).tz_convert("UTC")
    return pd.DataFrame([r[1:] for r in rows], columns=["open", "high", "low", "close", "volume"], index=idx)
