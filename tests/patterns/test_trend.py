"""TrendingUp/Down and MACrossover on hand-built closes (arithmetic in comments)."""
from __future__ import annotations

import numpy as np
import pytest
from pattern_frames import daily

from tickstock_research.patterns import get_pattern, rolling_slope


def closes(values):
    return daily([(c, c, c, c) for c in values])


def positions(frame, det):
    return [frame.index.get_loc(t) for t in det["timestamp"]]


def test_trending_period_3_by_hand():
    # closes 1, 2, 4, 4, 3 with period 3 (x = 0, 1, 2; slope = (y2 - y0) / 2 for three points):
    #   bar 2: (4 - 1)/2 = 1.5  -> up;  bar 3: (4 - 2)/2 = 1.0 -> up;  bar 4: (3 - 4)/2 = -0.5 -> down
    frame = closes([1, 2, 4, 4, 3])
    up = get_pattern("TrendingUp", period=3).detect(frame)
    down = get_pattern("TrendingDown", period=3).detect(frame)
    assert positions(frame, up) == [2, 3]
    assert positions(frame, down) == [4]
    assert [m["slope"] for m in up["metadata"]] == pytest.approx([1.5, 1.0])
    assert down["metadata"].iloc[0]["slope"] == pytest.approx(-0.5)
    assert set(up["direction"]) == {"bullish"} and set(down["direction"]) == {"bearish"}


def test_trending_default_period_and_threshold():
    # 10 bars rising 0.02 per bar: slope 0.02 > 0.01 at bar 9 only (bars 0-8 lack 10 closes);
    # then 10 bars rising 0.005 per bar: once the window holds only those, slope .005 < .01.
    values = [100 + 0.02 * k for k in range(10)] + [100.18 + 0.005 * k for k in range(1, 11)]
    frame = closes(values)
    up = positions(frame, get_pattern("TrendingUp").detect(frame))
    assert up[0] == 9
    assert 19 not in up  # window bars 10..19 rise .005 per bar
    assert get_pattern("TrendingDown").detect(frame).empty
    # a second implementation: numpy.polyfit over each window
    fit = [np.polyfit(np.arange(10), values[t - 9:t + 1], 1)[0] for t in range(9, 20)]
    assert rolling_slope(np.array(values), 10)[9:] == pytest.approx(fit, abs=1e-12)
    assert up == [t for t, s in zip(range(9, 20), fit) if s > 0.01]


def test_ma_crossover_by_hand():
    # fast=2 (a = 2/3), slow=3 (a = 1/2), reported from bar 2 (min_periods = slow):
    # close : 10     10     10     13                        7                          7
    # fast  : 10     10     10     2/3*13+1/3*10 = 12        2/3*7+1/3*12 = 8.6667      7.5556
    # slow  : 10     10     10     .5*13+.5*10 = 11.5        .5*7+.5*11.5 = 9.25        8.125
    # diff  : nan    nan    0      0.5                       -0.5833                    -0.5694
    # bar 3: 0 -> 0.5 crosses up (bullish); bar 4: 0.5 -> -0.58 crosses down (bearish)
    frame = closes([10, 10, 10, 13, 7, 7])
    det = get_pattern("MACrossover", fast=2, slow=3).detect(frame)
    assert positions(frame, det) == [3, 4]
    assert list(det["direction"]) == ["bullish", "bearish"]
    assert det["metadata"].iloc[0]["fast_ema"] == pytest.approx(12.0)
    assert det["metadata"].iloc[1]["slow_ema"] == pytest.approx(9.25)
    assert det["metadata"].iloc[1]["fast_ema"] == pytest.approx(26 / 3)


def test_ma_crossover_defaults_against_pandas():
    rng = np.random.default_rng(3)
    values = 50 + np.cumsum(rng.normal(0, 1, 300))
    frame = closes(values)
    det = get_pattern("MACrossover").detect(frame)
    # independent: the EMA recursion written out in Python
    def ema(span):
        a, out = 2 / (span + 1), []
        for v in values:
            out.append(v if not out else a * v + (1 - a) * out[-1])
        return np.array(out)
    diff = ema(12) - ema(26)
    expect = [t for t in range(26, 300) if (diff[t - 1] <= 0 < diff[t]) or (diff[t - 1] >= 0 > diff[t])]
    assert positions(frame, det) == expect
    assert len(expect) > 3
