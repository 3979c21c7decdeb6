"""Sessions against a hand-written golden file of NYSE hours, in New York time."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from tickstock_research.errors import ConfigurationError
from tickstock_research.sessions import (
    calendar_for,
    is_session,
    session_bounds,
    session_date,
    sessions,
    to_utc,
    trading_minutes,
)

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "sessions" / "xnys_sessions.csv"
NY = "America/New_York"


@pytest.fixture(scope="module")
def golden():
    frame = pd.read_csv(GOLDEN, comment="#")
    frame["session"] = pd.to_datetime(frame["session"]).dt.date
    return frame.set_index("session")


def test_sessions_match_published_hours(golden):
    got = sessions("2024-03-07", "2024-12-26")
    for day, row in golden.iterrows():
        assert day in got.index, f"{day} should be a session"
        local_open = got.loc[day, "open"].tz_convert(NY)
        local_close = got.loc[day, "close"].tz_convert(NY)
        assert local_open.strftime("%H:%M") == row.open_ny and local_open.date() == day
        assert local_close.strftime("%H:%M") == row.close_ny and local_close.date() == day
        assert bool(got.loc[day, "early_close"]) == row.early_close


@pytest.mark.parametrize("holiday", ["2024-03-29", "2024-07-04", "2024-11-28", "2024-12-25", "2024-03-09", "2024-03-10"])
def test_holidays_and_weekends_have_no_session(holiday):
    assert not is_session(holiday)
    assert dt.date.fromisoformat(holiday) not in sessions(holiday, holiday).index


def test_utc_open_moves_with_daylight_saving():
    s = sessions("2024-03-08", "2024-03-11")
    assert s.loc[dt.date(2024, 3, 8), "open"] == pd.Timestamp("2024-03-08 14:30", tz="UTC")  # EST, UTC-5
    assert s.loc[dt.date(2024, 3, 11), "open"] == pd.Timestamp("2024-03-11 13:30", tz="UTC")  # EDT, UTC-4


def test_extended_hours_and_all_bounds():
    s = sessions("2024-11-29", "2024-12-02")
    ext = session_bounds(s, "extended")
    assert ext.loc[dt.date(2024, 11, 29), "end"].tz_convert(NY).strftime("%H:%M") == "17:00"  # early close day
    assert ext.loc[dt.date(2024, 12, 2), "end"].tz_convert(NY).strftime("%H:%M") == "20:00"
    assert ext.loc[dt.date(2024, 12, 2), "start"].tz_convert(NY).strftime("%H:%M") == "04:00"
    whole = session_bounds(s, "all")
    assert whole.loc[dt.date(2024, 12, 2), "start"] == pd.Timestamp("2024-12-02 05:00", tz="UTC")


def test_trading_minute_counts():
    assert len(trading_minutes("2024-11-29", "2024-11-29")) == 210   # 09:30-13:00
    assert len(trading_minutes("2024-11-27", "2024-11-29")) == 390 + 210
    assert len(trading_minutes("2024-11-28", "2024-11-28")) == 0


def test_session_date_uses_exchange_time_not_utc():
    # 20:30 New York on 2024-03-08 is 01:30 UTC on 03-09: still session 2024-03-08
    ts = pd.Series(pd.to_datetime(["2024-03-09 01:30Z", "2024-03-08 14:30Z"]))
    assert list(session_date(ts)) == [dt.date(2024, 3, 8), dt.date(2024, 3, 8)]
    assert list(session_date(ts, "24/7")) == [dt.date(2024, 3, 9), dt.date(2024, 3, 8)]


def test_always_open_markets_use_utc_days():
    assert calendar_for("crypto") == "24/7" and calendar_for("stocks") == "XNYS"
    s = sessions("2024-03-09", "2024-03-10", "24/7")  # a weekend: crypto trades
    assert len(s) == 2 and s.iloc[0]["open"] == pd.Timestamp("2024-03-09", tz="UTC")


def test_naive_times_read_in_the_given_zone():
    assert to_utc("2024-07-01 09:30", tz=NY) == pd.Timestamp("2024-07-01 13:30", tz="UTC")
    assert to_utc(pd.Timestamp("2024-07-01 09:30", tz=NY)) == pd.Timestamp("2024-07-01 13:30", tz="UTC")


def test_unknown_calendar_and_filter_are_clear_errors():
    with pytest.raises(ConfigurationError, match="unknown exchange calendar 'NOPE'"):
        sessions("2024-01-02", "2024-01-03", "NOPE")
    with pytest.raises(ConfigurationError, match="expected one of regular, extended, all"):
        session_bounds(sessions("2024-01-02", "2024-01-03"), "overnight")
