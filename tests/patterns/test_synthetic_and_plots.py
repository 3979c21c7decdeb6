"""Formations fire with the platform's defaults on realistic synthetic series; figures build."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tickstock_research.events.audit import AuditResult
from tickstock_research.patterns import get_pattern
from tickstock_research.patterns.synthetic import formation_series
from tickstock_research.plots import candlestick, forward_return_distribution


@pytest.mark.parametrize("kind,name,window", [
    # the formation's path (SHAPES) has its right shoulder / second bottom at bar 120 / 80; the
    # detection comes after its confirmation (+16 / +15 bars) and the neckline/resistance break
    ("head_and_shoulders", "HeadAndShoulders", (125, 160)),
    ("inverse_head_and_shoulders", "InverseHeadAndShoulders", (125, 160)),
    ("double_bottom", "DoubleBottom", (95, 130)),
])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_formations_fire_once_on_synthetic_series(kind, name, window, seed):
    bars = formation_series(kind, seed=seed)
    det = get_pattern(name).detect(bars)
    assert len(det) == 1
    at = bars.index.get_loc(det["timestamp"].iloc[0])
    assert window[0] <= at <= window[1]


def test_candlestick_marks_events_with_details():
    bars = formation_series("head_and_shoulders", seed=2)
    det = pd.concat([get_pattern("HeadAndShoulders").detect(bars), get_pattern("MACrossover").detect(bars)],
                    ignore_index=True)
    fig = candlestick(bars, det, title="synthetic")
    kinds = [t.type for t in fig.data]
    assert kinds[:2] == ["candlestick", "bar"]
    names = [t.name for t in fig.data[2:]]
    assert "HeadAndShoulders (bearish)" in names
    hs = next(t for t in fig.data if t.name == "HeadAndShoulders (bearish)")
    assert "neckline" in hs.hovertext[0] and len(hs.x) == 1
    assert fig.layout.title.text == "synthetic"
    # stored events (tz-aware UTC midnights, details column) line up with daily bars
    stored = det.assign(timestamp=pd.to_datetime(det["timestamp"]).dt.tz_localize("UTC"),
                        details=[{"pattern": p} for p in det["pattern"]])
    fig2 = candlestick(bars, stored)
    assert pd.Timestamp(fig2.data[2].x[0]).tz is None


def test_daily_candlesticks_skip_weekends_and_holidays():
    # sessions of the 2024 Thanksgiving week (XNYS): Mon-Wed, Thanksgiving closed, Fri, next Mon
    days = pd.DatetimeIndex(["2024-11-25", "2024-11-26", "2024-11-27", "2024-11-29", "2024-12-02"])
    bars = pd.DataFrame({"open": 10.0, "high": 11.0, "low": 9.0, "close": 10.5, "volume": 100}, index=days)
    breaks = candlestick(bars).layout.xaxis.rangebreaks
    assert [list(b.values) for b in breaks] == [["2024-11-28", "2024-11-30", "2024-12-01"]]
    intraday = bars.set_axis(pd.date_range("2024-11-25 14:30", periods=5, freq="min", tz="UTC"))
    assert not candlestick(intraday).layout.xaxis.rangebreaks


def test_forward_return_distribution():
    returns = pd.DataFrame({"symbol": "A", "timestamp": pd.Timestamp("2024-01-02", tz="UTC"),
                            "pattern": ["X", "X", "Y", "X"], "timeframe": "1d",
                            "direction": ["bullish", "bullish", "bearish", "bullish"], "horizon": [1, 1, 1, 5],
                            "forward_return": [0.1, -0.05, 0.02, np.nan], "hit": [1.0, 0.0, 0.0, np.nan]})
    result = AuditResult(summary=pd.DataFrame(), returns=returns,
                         baseline=pd.DataFrame({"horizon": [1, 5], "n": [10, 8], "mean": [0.01, 0.02],
                                                "median": [0.0, 0.0], "up_rate": [0.5, 0.5]}),
                         timeframe="1d", horizons=(1, 5))
    fig = forward_return_distribution(result)
    boxes = [t for t in fig.data if t.type == "box"]
    assert {t.name for t in boxes} == {"bullish", "bearish"}
    assert sorted(len(t.y) for t in boxes) == [1, 2]
    assert len(fig.layout.shapes) == 2  # one baseline line per horizon
