"""Timeframe names, aliases and time-range rules (no database)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tickstock_research.errors import InvalidRangeError, UnknownTimeframeError
from tickstock_research.load import parse_timeframe, resolve_dates, resolve_range


@pytest.mark.parametrize("text,name", [
    ("1min", "1min"), ("1m", "1min"), ("1T", "1min"), ("5m", "5min"), ("5min", "5min"), ("15m", "15min"),
    ("30min", "30min"), ("60min", "1h"), ("1h", "1h"), ("1H", "1h"), ("4h", "4h"), ("D", "1d"), ("1d", "1d"),
    ("daily", "1d"), ("W", "1w"), ("1w", "1w"), ("1M", "1mo"), ("1mo", "1mo"), ("monthly", "1mo"),
])
def test_aliases(text, name):
    assert parse_timeframe(text).name == name


@pytest.mark.parametrize("text", ["7min", "2d", "1y", "", "fast", None])
def test_unknown_timeframe(text):
    with pytest.raises(UnknownTimeframeError) as info:
        parse_timeframe(text)
    assert "5min" in str(info.value) and "1w" in str(info.value)


def test_ranges():
    ny = "America/New_York"
    assert resolve_range("2024-03-10", "2024-03-10", ny) == (
        pd.Timestamp("2024-03-10 05:00", tz="UTC"), pd.Timestamp("2024-03-11 04:00", tz="UTC"))  # DST day: 23 h
    assert resolve_range("2024-03-08 10:00", None, ny) == (pd.Timestamp("2024-03-08 10:00", tz="UTC"), None)
    assert resolve_range(pd.Timestamp("2024-03-08 10:00", tz="Europe/Paris"), dt.datetime(2024, 3, 8, 12)) == (
        pd.Timestamp("2024-03-08 09:00", tz="UTC"), pd.Timestamp("2024-03-08 12:00", tz="UTC"))
    assert resolve_dates("2024-03-04", "2024-03-08", ny) == (dt.date(2024, 3, 4), dt.date(2024, 3, 8))
    # an exclusive end at New York midnight ends with the previous session date
    assert resolve_dates(None, pd.Timestamp("2024-03-08", tz=ny), ny) == (None, dt.date(2024, 3, 7))
    with pytest.raises(InvalidRangeError):
        resolve_range("2024-03-09", "2024-03-08")
    # a bare end is its whole day: a start later that day is a valid range, not an error
    assert resolve_range("2024-03-08 15:00", "2024-03-08", ny) == (
        pd.Timestamp("2024-03-08 15:00", tz="UTC"), pd.Timestamp("2024-03-09 05:00", tz="UTC"))
    with pytest.raises(InvalidRangeError):
        resolve_range("2024-03-09 06:00", "2024-03-08", ny)   # after the whole New York day


def test_nanosecond_bounds_round_up():
    from tickstock_research.sessions.ranges import sql_bound

    ts = pd.Timestamp("2024-03-08 12:00:00.0000015", tz="UTC")
    assert sql_bound(ts, "lo") == pd.Timestamp("2024-03-08 12:00:00.000002", tz="UTC").to_pydatetime()
    assert sql_bound(None, "lo") == "-infinity" and sql_bound(None, "hi") == "infinity"
