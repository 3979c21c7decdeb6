"""An independent second implementation of bar building, in pandas, for the reader's tests.

Sessions are reasoned about in New York wall time with hand-written rules (not the kit's
calendar code): regular hours 09:30-16:00, extended 04:00-20:00, early closes at 13:00
(extended 17:00) on the dates listed, no session on weekends and the holidays listed.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

TZ = "America/New_York"
#: NYSE holidays and early closes inside the test data (2024).
HOLIDAYS = {dt.date(2024, 3, 29), dt.date(2024, 11, 28)}
EARLY_CLOSES = {dt.date(2024, 11, 29)}
AGG = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum", "pv": "sum",
       "vol_vwap": "sum", "trade_count": "sum"}


def _window(day: dt.date, session: str) -> tuple[dt.time, dt.time]:
    early = day in EARLY_CLOSES
    if session == "regular":
        return dt.time(9, 30), (dt.time(13, 0) if early else dt.time(16, 0))
    if session == "extended":
        return dt.time(4, 0), (dt.time(17, 0) if early else dt.time(20, 0))
    return dt.time(0, 0), dt.time.max


def in_session(minutes: pd.DataFrame, session: str) -> pd.DataFrame:
    """The rows inside the session filter, with New York wall time ``local`` and ``day`` added."""
    m = minutes.copy()
    m["local"] = m["timestamp"].dt.tz_convert(TZ).dt.tz_localize(None)
    m["day"] = m["local"].dt.date
    keep = []
    for local, day in zip(m["local"], m["day"]):
        a, b = _window(day, session)
        keep.append(day.weekday() < 5 and day not in HOLIDAYS and a <= local.time() < b)
    return m[keep]


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    frame["vwap"] = frame["pv"] / frame["vol_vwap"]
    return frame.drop(columns=["pv", "vol_vwap"])


def intraday(minutes: pd.DataFrame, minutes_per_bar: int, session: str = "regular",
             align: str = "session") -> pd.DataFrame:
    """Bars via ``resample`` per symbol and session day, in New York wall time; the origin is
    the day's 09:30 (session alignment) or midnight (clock alignment)."""
    m = in_session(minutes, session).sort_values(["symbol", "timestamp"])
    m["pv"] = m["vwap"] * m["volume"]
    m["vol_vwap"] = m["volume"].where(m["vwap"].notna(), 0)
    out = []
    for (sym, day), g in m.groupby(["symbol", "day"], sort=True):
        origin = pd.Timestamp.combine(day, dt.time(9, 30) if align == "session" else dt.time(0, 0))
        r = (g.set_index("local")[list(AGG)]
             .resample(f"{minutes_per_bar}min", origin=origin, label="left", closed="left").agg(AGG))
        r = r[g.set_index("local")["volume"].resample(f"{minutes_per_bar}min", origin=origin).count() > 0]
        r.index = r.index.tz_localize(TZ).tz_convert("UTC")
        r.insert(0, "symbol", sym)
        out.append(r)
    frame = _finish(pd.concat(out))
    frame.index.name = "timestamp"
    return frame


def daily(minutes: pd.DataFrame, session: str = "regular", period: str = "day") -> pd.DataFrame:
    """Daily bars per session date, or weeks (Monday-Sunday) / months of them, labelled by the
    first session date."""
    m = in_session(minutes, session).sort_values(["symbol", "timestamp"])
    m["pv"] = m["vwap"] * m["volume"]
    m["vol_vwap"] = m["volume"].where(m["vwap"].notna(), 0)
    day = pd.to_datetime(m["day"])
    if period == "day":
        key = day
    elif period == "week":
        key = day.dt.to_period("W-SUN")
    else:
        key = day.dt.to_period("M")
    m["key"], m["date"] = key, day
    agg = dict(AGG, date="min")
    frame = m.groupby(["symbol", "key"], sort=True).agg(agg).reset_index()
    frame = _finish(frame).drop(columns=["key"]).set_index("date")
    return frame[["symbol", "open", "high", "low", "close", "volume", "vwap", "trade_count"]]
