"""Bars of every timeframe against pandas resampling of the same 1-minute data."""
from __future__ import annotations

import pandas as pd
import pytest

from tickstock_research.errors import UnknownTimeframeError

from . import reference
from .conftest import STOCKS

INTRADAY = {"1min": 1, "5min": 5, "15min": 15, "30min": 30, "1h": 60, "4h": 240}
COLS = ["symbol", "open", "high", "low", "close", "volume", "vwap", "trade_count"]


def _compare(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == COLS
    assert len(got) == len(want), (len(got), len(want))
    assert (got.index == want.index).all()
    assert got["symbol"].tolist() == want["symbol"].tolist()
    for col in ("open", "high", "low", "close"):
        assert (got[col].to_numpy() == want[col].to_numpy()).all(), col
    assert (got["volume"].to_numpy() == want["volume"].to_numpy()).all()
    assert (got["trade_count"].astype("int64").to_numpy() == want["trade_count"].to_numpy()).all()
    pd.testing.assert_series_equal(got["vwap"], want["vwap"], check_names=False, rtol=1e-7, check_index=False)


@pytest.mark.parametrize("timeframe", list(INTRADAY))
@pytest.mark.parametrize("session", ["regular", "extended", "all"])
def test_intraday_session_aligned(loader, minutes, timeframe, session):
    got = loader.bars(STOCKS, timeframe, "2024-03-01", "2024-12-31", session=session)
    want = reference.intraday(minutes, INTRADAY[timeframe], session, "session")
    _compare(got, want)


@pytest.mark.parametrize("timeframe", ["5min", "1h", "4h"])
def test_intraday_clock_aligned(loader, minutes, timeframe):
    got = loader.bars(STOCKS, timeframe, "2024-03-01", "2024-12-31", session="extended", align="clock")
    want = reference.intraday(minutes, INTRADAY[timeframe], "extended", "clock")
    _compare(got, want)


def test_hourly_buckets_follow_the_open_across_dst_and_early_close(loader):
    bars = loader.bars("AAA", "1h", "2024-03-08", "2024-03-11")
    local = bars.index.tz_convert("America/New_York")
    assert sorted({t.strftime("%H:%M") for t in local}) == ["09:30", "10:30", "11:30", "12:30", "13:30", "14:30", "15:30"]
    assert {t.strftime("%H:%M") for t in bars.index} >= {"14:30", "13:30"}  # UTC shifts with DST
    early = loader.bars("AAA", "1h", "2024-11-29", "2024-11-29")
    assert [t.strftime("%H:%M") for t in early.index.tz_convert("America/New_York")] == \
        ["09:30", "10:30", "11:30", "12:30"]
    assert loader.bars("AAA", "1h", "2024-11-28", "2024-11-28").empty  # Thanksgiving
    assert loader.bars("AAA", "1d", "2024-03-29", "2024-03-29").empty  # Good Friday


@pytest.mark.parametrize("timeframe,period", [("1d", "day"), ("1w", "week"), ("1mo", "month")])
@pytest.mark.parametrize("session", ["regular", "extended", "all"])
def test_daily_and_longer(loader, minutes, timeframe, period, session):
    got = loader.bars(STOCKS, timeframe, "2024-03-01", "2024-12-31", session=session)
    want = reference.daily(minutes, session, period)
    assert got.index.name == "date" and got.index.tz is None
    _compare(got, want)


def test_partial_range_keeps_whole_buckets(loader, minutes):
    start, end = pd.Timestamp("2024-03-12 15:00", tz="UTC"), pd.Timestamp("2024-03-12 17:00", tz="UTC")
    got = loader.bars("AAA", "30min", start.tz_convert("Asia/Tokyo"), end)
    want = reference.intraday(minutes[minutes.symbol == "AAA"], 30)
    want = want[(want.index >= start) & (want.index < end)]
    _compare(got, want)


def test_iter_bars_matches_bars(loader):
    whole = loader.bars(STOCKS, "5min", "2024-03-01", "2024-12-31")
    chunks = list(loader.iter_bars(STOCKS, "5min", "2024-03-01", "2024-12-31", chunk_rows=500))
    assert max(len(c) for c in chunks) <= 500 and len(chunks) > 2
    pd.testing.assert_frame_equal(pd.concat(chunks), whole)
    weekly = list(loader.iter_bars(STOCKS, "1w", "2024-03-01", "2024-12-31", chunk_rows=3))
    pd.testing.assert_frame_equal(pd.concat(weekly), loader.bars(STOCKS, "1w", "2024-03-01", "2024-12-31"))


def test_dtypes_and_empty_range(loader):
    for tf in ("5min", "1d"):
        full = loader.bars(STOCKS, tf, "2024-03-01", "2024-12-31")
        empty = loader.bars(STOCKS, tf, "2025-06-02", "2025-06-03")
        assert empty.empty and list(empty.columns) == COLS
        pd.testing.assert_series_equal(empty.dtypes, full.dtypes)
        assert full.index.dtype == empty.index.dtype
    bars = loader.bars("AAA", "5min", "2024-03-04", "2024-03-04")
    assert str(bars.index.dtype) == "datetime64[us, UTC]" and bars.index.name == "timestamp"
    assert bars["open"].dtype == "float64" and bars["volume"].dtype == "int64"


def test_by_symbol(loader):
    frames = loader.bars(STOCKS + ["T1"], "1h", "2024-03-04", "2024-03-05", by_symbol=True)
    assert sorted(frames) == ["AAA", "BBB", "T1"]
    assert frames["T1"].empty and not frames["AAA"].empty
    assert set(frames["AAA"]["symbol"]) == {"AAA"}


def test_unknown_timeframe(loader):
    with pytest.raises(UnknownTimeframeError) as info:
        loader.bars("AAA", "7min")
    assert "1min" in str(info.value) and "1mo" in str(info.value)
