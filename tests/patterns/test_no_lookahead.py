"""No look-ahead, for every registered pattern: detections on ``frame[:t+1]`` equal the full
frame's detections up to t (SPEC section 5).

Frames are seeded random walks (daily business days; 1-minute bars over real XNYS sessions,
including pre-market minutes and the March daylight-saving switch). Structure patterns also run
with short windows so that they fire often enough for the check to mean something.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tickstock_research.patterns import get_pattern, pattern, pattern_names
from tickstock_research.sessions import trading_minutes

SHORT = {"HeadAndShoulders": {"window": 9, "tolerance": 0.05},
         "InverseHeadAndShoulders": {"window": 9, "tolerance": 0.05},
         "DoubleBottom": {"window": 6, "tolerance": 0.03},
         "MACrossover": {"fast": 3, "slow": 7},
         "Day1Breakout": {"consolidation": 5, "volume_window": 10, "volume_multiple": 1.2}}


def walk(index, seed):
    rng = np.random.default_rng(seed)
    n = len(index)
    close = 100 + np.cumsum(rng.normal(0, 0.4, n))
    open_ = np.r_[close[0], close[:-1]] + rng.normal(0, 0.05, n)
    high = np.maximum(open_, close) + rng.exponential(0.2, n)
    low = np.minimum(open_, close) - rng.exponential(0.2, n)
    # some exact dojis and flat bars so the candle patterns have both outcomes
    flat = rng.random(n) < 0.05
    close[flat] = open_[flat]
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close,
                         "volume": rng.integers(100, 2000, n)}, index=index)


def daily_walk(seed, n=260):
    return walk(pd.bdate_range("2023-01-02", periods=n), seed)


def minute_walk(seed):
    regular = trading_minutes("2024-03-07", "2024-03-12")
    pre = pd.date_range("2024-03-11 12:40", "2024-03-11 13:29", freq="min", tz="UTC")  # 08:40-09:29 EDT
    return walk(regular.union(pre), seed)


def same_up_to(full, part, t):
    expect = full[full["timestamp"] <= t].reset_index(drop=True) if len(full) else full
    got = part.reset_index(drop=True)
    assert list(got["timestamp"]) == list(expect["timestamp"]), t
    assert list(got["direction"]) == list(expect["direction"])
    assert np.allclose(got["price"], expect["price"])
    for a, b in zip(got["metadata"], expect["metadata"]):
        assert a.keys() == b.keys()
        for k in a:
            if isinstance(a[k], float) and isinstance(b[k], float):
                assert math.isclose(a[k], b[k], rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a[k]) and math.isnan(b[k]))
            else:
                assert a[k] == b[k], (k, a[k], b[k])


def cut_points(frame, det, rng, k=12):
    """Every detection bar, the bar before each, and random bars."""
    pos = [frame.index.get_loc(t) for t in det["timestamp"]]
    picks = set(pos) | {p - 1 for p in pos if p > 0} | set(rng.integers(0, len(frame), k).tolist())
    return sorted(picks | {len(frame) - 1})


CASES = [(name, "default") for name in pattern_names()] + [(name, "short") for name in SHORT]


def check_no_lookahead(pat, seed):
    """Run the truncation check on the frames the pattern accepts; returns how many detections."""
    frames = []
    if pat.accepts("1d"):
        frames.append((daily_walk(seed), "1d"))
    if pat.accepts("1min"):
        frames.append((minute_walk(seed), "1min"))
    rng = np.random.default_rng(seed)
    fired = 0
    for frame, tf in frames:
        full = pat.detect(frame, tf)
        fired += len(full)
        picks = cut_points(frame, full, rng)
        if len(picks) > 60:
            picks = sorted(rng.choice(picks, 60, replace=False).tolist() + [picks[-1]])
        for i in picks:
            same_up_to(full, pat.detect(frame.iloc[:i + 1], tf), frame.index[i])
    return fired


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("name,variant", CASES)
def test_no_lookahead(name, variant, seed):
    pat = get_pattern(name, **(SHORT[name] if variant == "short" else {}))
    fired = check_no_lookahead(pat, seed)
    if variant == "short" or name not in SHORT:  # the defaults of formations rarely fire on 260 bars
        assert fired > 0, f"{name} never fired on the random walks; the check would be empty"


def test_the_check_catches_a_peeking_pattern():
    peeking = pattern("PeeksAhead", register_it=False)(lambda bars: bars["close"].shift(-1) > bars["close"])
    with pytest.raises(AssertionError):
        check_no_lookahead(peeking(), 1)
