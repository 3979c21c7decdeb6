"""Charts an analyst can read: one trace (legend entry, marker) per pattern, markers beside the
bar and not stacked on each other, the structure patterns' geometry from their metadata, chosen
patterns only, and intraday charts without the nights, weekends and holidays."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tickstock_research.patterns import all_patterns, get_pattern
from tickstock_research.patterns.synthetic import formation_series
from tickstock_research.plots import candlestick
from tickstock_research.plots.figures import session_breaks
from tickstock_research.plots.markers import PATTERN_STYLES, pattern_style


def _markers(fig):
    return [t for t in fig.data if t.type == "scatter" and t.mode == "markers" and t.showlegend is not False]


@pytest.fixture(scope="module")
def hs():
    bars = formation_series("head_and_shoulders", seed=2)
    found = pd.concat([p.detect(bars) for p in all_patterns("1d")], ignore_index=True)
    return bars, found


def test_every_pattern_present_has_its_own_trace_and_marker(hs):
    bars, found = hs
    present = set(found["pattern"])
    assert {"HeadAndShoulders", "TrendingDown", "ClosedInBottom10Percent"} <= present
    fig = candlestick(bars, found)
    markers = _markers(fig)
    assert sorted(t.legendgroup for t in markers) == sorted(present)        # one trace per pattern
    for t in markers:
        n = int((found["pattern"] == t.legendgroup).sum())
        assert len(t.x) == n and len(t.hovertext) == n
        assert t.name.startswith(t.legendgroup + " (")
    styles = {(t.marker.symbol, t.marker.color) for t in markers}
    assert len(styles) == len(markers)                                     # no two patterns look alike
    assert len(set(PATTERN_STYLES.values())) == len(PATTERN_STYLES)


def test_markers_sit_beside_the_bar_and_do_not_hide_each_other(hs):
    bars, found = hs
    fig = candlestick(bars, found)
    points = [(pd.Timestamp(x), y, t.legendgroup) for t in _markers(fig) for x, y in zip(t.x, t.y)]
    seen = {}
    for x, y, pattern in points:
        bar = bars.loc[x]
        assert y < bar["low"] or y > bar["high"], (pattern, x)
        assert (x, round(y, 9)) not in seen, (pattern, seen.get((x, round(y, 9))))
        seen[(x, round(y, 9))] = pattern
    # the planted HeadAndShoulders shares its bar with other patterns and is still on its own spot
    hs_at = pd.Timestamp(found.loc[found["pattern"] == "HeadAndShoulders", "timestamp"].iloc[0])
    assert sum(1 for x, _, _ in points if x == hs_at) >= 2


def test_head_and_shoulders_draws_shoulders_head_and_neckline(hs):
    bars, found = hs
    event = found[found["pattern"] == "HeadAndShoulders"].iloc[0]
    meta = event["metadata"]
    fig = candlestick(bars, found, patterns=["HeadAndShoulders"])
    group = [t for t in fig.data if t.legendgroup == "HeadAndShoulders"]
    swings = next(t for t in group if t.name.endswith("shoulders and head"))
    assert list(swings.text) == ["LS", "H", "RS"]
    assert list(swings.y) == [meta["left_shoulder"], meta["head"], meta["right_shoulder"]]
    assert [pd.Timestamp(x) for x in swings.x] == [pd.Timestamp(meta[k]) for k in
                                                   ("left_shoulder_at", "head_at", "right_shoulder_at")]
    neck = next(t for t in group if t.name.endswith("neckline"))
    assert list(neck.y) == [meta["neckline"]] * 2
    assert pd.Timestamp(neck.x[-1]) == pd.Timestamp(event["timestamp"])
    assert [t.legendgroup for t in _markers(fig)] == ["HeadAndShoulders"]  # chosen patterns only
    assert not _markers(candlestick(bars, found, patterns=[]))


def test_double_bottom_draws_both_bottoms_and_the_breakout_level():
    bars = formation_series("double_bottom", seed=3)
    found = get_pattern("DoubleBottom").detect(bars)
    meta = found["metadata"].iloc[0]
    fig = candlestick(bars, found)
    bottoms = next(t for t in fig.data if t.name == "DoubleBottom: bottoms")
    assert list(bottoms.y) == [meta["first_bottom"], meta["second_bottom"]]
    level = next(t for t in fig.data if t.name == "DoubleBottom: breakout level")
    assert list(level.y) == [meta["resistance"]] * 2
    assert pd.Timestamp(level.x[0]) == pd.Timestamp(meta["first_bottom_at"])


def test_ma_cross_draws_the_two_emas_as_pandas_computes_them(hs):
    bars, found = hs
    fig = candlestick(bars, found, patterns="MACrossover")
    emas = {t.name: np.asarray(t.y, dtype="float64") for t in fig.data if t.name.startswith("EMA(")}
    assert set(emas) == {"EMA(12)", "EMA(26)"}
    for n in (12, 26):
        expected = bars["close"].ewm(span=n, adjust=False, min_periods=26).mean().to_numpy()
        np.testing.assert_allclose(emas[f"EMA({n})"], expected, equal_nan=True)


def test_a_pattern_of_your_own_gets_a_stable_style():
    assert pattern_style("GapUpOfMine") == pattern_style("GapUpOfMine")
    assert pattern_style("GapUpOfMine") not in PATTERN_STYLES.values()


def test_intraday_charts_skip_the_time_between_sessions():
    # 5-minute regular-session bars of Wed 2026-11-25, Fri 2026-11-27 (13:00 early close) and
    # Mon 2026-11-30; Thanksgiving (Thu 26th) and the weekend have no session (XNYS)
    days = [("2026-11-25", "16:00"), ("2026-11-27", "13:00"), ("2026-11-30", "16:00")]
    index = pd.DatetimeIndex(np.concatenate([
        pd.date_range(f"{d} 09:30", f"{d} {close}", freq="5min", inclusive="left", tz="America/New_York")
        for d, close in days])).tz_convert("UTC")
    assert len(index) == 78 + 42 + 78
    bars = pd.DataFrame({"open": 10.0, "high": 10.2, "low": 9.9, "close": 10.1, "volume": 100}, index=index)
    expected = [["2026-11-25 16:00:00", "2026-11-27 09:30:00"], ["2026-11-27 13:00:00", "2026-11-30 09:30:00"]]
    assert [b["bounds"] for b in session_breaks(bars.index, "America/New_York")] == expected
    fig = candlestick(bars, tz="America/New_York")
    assert [list(b.bounds) for b in fig.layout.xaxis.rangebreaks] == expected
    assert pd.Timestamp(fig.data[0].x[0]) == pd.Timestamp("2026-11-25 09:30")          # New York wall clock
    # in UTC the same breaks, five hours later
    utc = [b["bounds"] for b in session_breaks(bars.index)]
    assert utc[0] == ["2026-11-25 21:00:00", "2026-11-27 14:30:00"]
