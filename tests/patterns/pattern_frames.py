"""Helpers for the pattern tests: hand-built bar frames."""
from __future__ import annotations

import numpy as np
import pandas as pd


def daily(rows, start="2024-01-02"):
    """A daily frame from (open, high, low, close[, volume]) tuples on business days."""
    cols = ["open", "high", "low", "close", "volume"]
    rows = [tuple(r) + (1000,) * (5 - len(r)) for r in rows]
    frame = pd.DataFrame(rows, columns=cols, index=pd.bdate_range(start, periods=len(rows), name="date"))
    frame["volume"] = frame["volume"].astype("int64")
    return frame


def from_high_low_close(high, low, close, start="2024-01-02"):
    high, low, close = (np.asarray(x, dtype=float) for x in (high, low, close))
    return daily(list(zip(close, high, low, close)), start=start)


def intraday(rows, tz="America/New_York"):
    """An intraday frame from (exchange-local 'YYYY-MM-DD HH:MM', o, h, l, c, v) tuples; UTC index."""
    idx = pd.DatetimeIndex([pd.Timestamp(r[0]) for r in rows]).tz_localize(tz).tz_convert("UTC")
    frame = pd.DataFrame([r[1:] for r in rows], columns=["open", "high", "low", "close", "volume"], index=idx)
    frame.index.name = "timestamp"
    frame["volume"] = frame["volume"].astype("int64")
    return frame
