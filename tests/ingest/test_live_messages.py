"""Issue 16, live path: bad live messages are counted and kept aside with a reason and never
corrupt or empty a frame; float64 vwap; ``n`` fills trade_count; DataBlender 1w/1mo with the
HistoricalLoader's index dtypes."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tickstock_research.aggregate import BarBuilder, DataBlender
from tickstock_research.ingest import load_bars
from tickstock_research.load import HistoricalLoader

from .conftest import wipe

T0 = int(pd.Timestamp("2024-03-11 13:30", tz="UTC").value // 1_000_000)     # ms, as the feed sends


def test_barbuilder_keeps_bad_trades_aside_and_bars_are_float64():
    b = BarBuilder()
    good = [{"sym": "X", "p": 10.0, "s": 5, "t": T0}, {"sym": "X", "p": 10.1, "s": 5, "t": T0 + 1000}]
    bad = [({"sym": "X", "p": 10.0, "s": 5, "t": T0 // 1000}, "timestamp_wrong_unit"),     # seconds
           ({"sym": "X", "p": 10.0, "t": T0 + 2000}, "missing_value"),                      # no size
           ({"sym": "X", "p": float("nan"), "s": 5, "t": T0 + 3000}, "not_finite"),
           ({"sym": "X", "p": -1.0, "s": 5, "t": T0 + 4000}, "non_positive_price"),
           ({"sym": "X", "p": 10.0, "s": -5, "t": T0 + 5000}, "negative_size"),
           ({"sym": "X", "p": 10.0, "s": 1.5, "t": T0 + 6000}, "fractional_size"),
           ({"p": 10.0, "s": 5, "t": T0 + 7000}, "missing_value"),                          # no symbol
           ({"sym": "X", "p": 10.0, "s": 5, "t": 1}, "timestamp_out_of_range")]
    for m in good[:1] + [m for m, _ in bad] + good[1:]:
        b.add(m)
    b.flush()
    assert b.late == []
    assert [r["reason"] for r in b.rejected.items] == [reason for _, reason in bad]
    assert b.rejected.counts == {"timestamp_wrong_unit": 1, "missing_value": 2, "not_finite": 1,
                                 "non_positive_price": 1, "negative_size": 1, "fractional_size": 1,
                                 "timestamp_out_of_range": 1}
    bars = b.bars
    assert len(bars) == 1 and bars["volume"].tolist() == [10]
    assert {c: str(bars[c].dtype) for c in ("open", "high", "low", "close", "vwap")} == dict.fromkeys(
        ("open", "high", "low", "close", "vwap"), "float64")
    assert bars["vwap"].iloc[0] == pytest.approx((10.0 * 5 + 10.1 * 5) / 10, rel=1e-15)
    assert (bars["vwap"] - bars["close"]).iloc[0] == pytest.approx(-0.05)     # no Decimal/float TypeError
    assert not math.isnan(bars["close"].iloc[0])


@pytest.fixture
def history(db, tmp_path):
    """BLD: 1-minute bars 2024-03-11 13:30-13:39 UTC and daily bars for March 2024 (vendor files)."""
    minutes = pd.DataFrame({"symbol": "BLD", "timestamp": pd.date_range("2024-03-11 13:30", periods=10, freq="min",
                                                                       tz="UTC"),
                            "open": 10.0, "high": 11.0, "low": 9.0, "close": 10.5, "volume": 100, "trade_count": 3})
    days = pd.bdate_range("2024-03-01", "2024-03-28")
    daily = pd.DataFrame({"symbol": "BLD", "date": days.strftime("%Y-%m-%d"), "open": 20.0 + np.arange(len(days)),
                          "high": 30.0 + np.arange(len(days)), "low": 10.0, "close": 25.0, "volume": 1000 + np.arange(len(days)),
                          "vwap": 21.0})
    load_bars(minutes, engine_or_url=db, timeframe="1min", progress=False)
    load_bars(daily, engine_or_url=db, timeframe="1d", progress=False)
    return db, daily


def test_bad_live_bars_never_empty_the_history(history):
    db, _ = history
    blend = DataBlender("BLD", "1min", start="2024-03-11", engine_or_url=db)
    before = blend.frame("BLD")
    s = T0 + 10 * 60_000                                       # 13:40, after the stored minutes
    blend.add_bars([{"sym": "BLD", "o": 5.0, "h": 6.0, "l": 4.0, "c": 5.5, "v": 10, "s": s // 1000},        # seconds
                    {"sym": "BLD", "o": 5.0, "h": 6.0, "l": 4.0, "c": 5.5, "v": 10,
                     "s": int(pd.Timestamp("2024-03-08 15:00", tz="UTC").value // 1_000_000)},             # before start
                    {"sym": "BLD", "o": float("nan"), "h": 6.0, "l": 4.0, "c": 5.5, "v": 10, "s": s},
                    {"sym": "BLD", "o": 5.0, "h": 6.0, "l": 4.0, "c": 5.5, "v": -1, "s": s},
                    {"sym": "BLD", "o": 5.0, "h": 6.0, "l": 4.0, "c": 5.5, "s": s},
                    {"sym": "BLD", "o": 5.0, "h": 6.0, "l": 4.0, "c": 5.5, "v": 10, "vw": 7.0, "s": s},
                    {"sym": "BLD", "o": 5.0, "h": 6.0, "l": 4.0, "c": 5.5, "v": 10, "s": s + 30_000},
                    {"sym": "ZZZ", "o": 5.0, "h": 6.0, "l": 4.0, "c": 5.5, "v": 10, "s": s}])
    assert blend.rejected.counts == {"timestamp_wrong_unit": 1, "before_start": 1, "not_finite": 1,
                                     "negative_size": 1, "missing_value": 1, "vwap_outside_range": 1,
                                     "not_minute_boundary": 1, "unknown_symbol": 1}
    after = blend.frame("BLD")
    pd.testing.assert_frame_equal(after, before)
    blend.add_bars([{"sym": "BLD", "o": 5.0, "h": 6.0, "l": 4.0, "c": 5.5, "v": 10, "vw": 5.2, "n": 7, "s": s}])
    got = blend.frame("BLD")
    assert len(got) == len(before) + 1
    assert got.iloc[-1][["volume", "trade_count"]].tolist() == [10, 7]
    assert got.iloc[:-1]["volume"].sum() == before["volume"].sum()


def test_blender_weekly_and_monthly_match_pandas_and_the_loader_dtypes(history):
    db, daily = history
    loader = HistoricalLoader(engine_or_url=db)
    f = daily.assign(date=pd.to_datetime(daily["date"]))
    for tf, key in (("1w", f["date"] - pd.to_timedelta(f["date"].dt.day_of_week, unit="D")),
                    ("1mo", f["date"].dt.to_period("M").dt.to_timestamp())):
        got = DataBlender("BLD", tf, start="2024-03-01", engine_or_url=db).frame("BLD")
        want = f.groupby(key).agg(date=("date", "first"), open=("open", "first"), high=("high", "max"),
                                  low=("low", "min"), close=("close", "last"), volume=("volume", "sum"))
        assert list(got.index) == list(want["date"]), tf
        assert got["volume"].tolist() == want["volume"].tolist()
        assert got["open"].tolist() == want["open"].tolist() and got["high"].tolist() == want["high"].tolist()
        ref = loader.bars("BLD", tf, "2024-03-01", "2024-03-28")
        assert got.index.dtype == ref.index.dtype and got.index.name == ref.index.name, tf
        assert got["volume"].tolist() == ref["volume"].tolist()
    day = DataBlender("BLD", "1d", start="2024-03-01", engine_or_url=db).frame("BLD")
    assert day.index.dtype == loader.bars("BLD", "1d", "2024-03-01", "2024-03-28").index.dtype
    intraday = DataBlender("BLD", "5min", start="2024-03-11", engine_or_url=db).frame("BLD")
    ref = loader.bars("BLD", "5min", "2024-03-11", "2024-03-12")
    assert intraday.index.dtype == ref.index.dtype and intraday.index.name == ref.index.name
    wipe(db)
