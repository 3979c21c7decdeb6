"""Head and shoulders, its inverse and the double bottom on hand-built swings.

Every frame has ``low = high - 2`` and ``close = high - 1`` unless stated, so peaks of high and
troughs of low can be read off the ``high`` column. The swing points, their confirmation bars
and the neckline are worked out in the comments; tests/data/patterns/head_and_shoulders.csv
holds the same bars with the expected detection.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pattern_frames import from_high_low_close

from tickstock_research.patterns import get_pattern, swing_points

DATA = Path(__file__).resolve().parents[1] / "data" / "patterns"

# window 6 -> distance 6 // 3 = 2: a peak is > the 2 bars before and >= the 2 bars after.
#        0   1   2   3   4   5   6   7   8   9  10  11    12  13    14   15
HS_HIGH = [10, 11, 12, 14, 12, 11, 13, 16, 13, 11, 12, 14.1, 12, 11.5, 10, 9]
# peaks: 3 (14 > 11,12; >= 12,11), 7 (16), 11 (14.1 > 11,12; >= 12,11.5) -> confirmed at 5, 9, 13
# troughs of low = high - 2: 5 (low 9 < 12, 10; <= 11, 14) and 9 (low 9 < 14, 11; <= 10, 12.1) -> confirmed 7, 11
# head 16 > both shoulders; |14 - 14.1| = .1 <= .02 * 16 = .32; neckline = (9 + 9) / 2 = 9
# bar 13 (right shoulder confirmed): close 10.5 >= 9; bar 14: close 8.5 < 9 -> fires (bearish)
# bar 15: close 8.0 < 9 again, but a formation fires once -> no second detection
HS_CLOSE_OVERRIDE = {14: 8.5, 15: 8.0}


def hs_frame(high=HS_HIGH, override=HS_CLOSE_OVERRIDE):
    high = np.array(high, dtype=float)
    low = high - 2
    close = high - 1
    for i, c in override.items():
        close[i] = c
    return from_high_low_close(high, low, close)


def test_swing_points_by_hand():
    high = np.array(HS_HIGH, dtype=float)
    assert swing_points(high, 2, "peak").tolist() == [3, 7, 11]
    assert swing_points(high - 2, 2, "trough").tolist() == [5, 9]
    # ties go to the earlier bar: 5, 5 -> only the first is a peak
    assert swing_points(np.array([1, 2, 5, 5, 2, 1.0]), 2, "peak").tolist() == [2]


def test_head_and_shoulders_by_hand():
    frame = hs_frame()
    det = get_pattern("HeadAndShoulders", window=6).detect(frame)
    assert [frame.index.get_loc(t) for t in det["timestamp"]] == [14]
    row = det.iloc[0]
    assert row["direction"] == "bearish" and row["price"] == 8.5
    meta = row["metadata"]
    assert (meta["left_shoulder"], meta["head"], meta["right_shoulder"], meta["neckline"]) == (14, 16, 14.1, 9)
    assert meta["head_at"] == frame.index[7].isoformat()
    assert row["parameters"] == {"window": 6, "tolerance": 0.02}


def test_head_and_shoulders_golden_csv():
    golden = pd.read_csv(DATA / "head_and_shoulders.csv")
    frame = from_high_low_close(golden["high"], golden["low"], golden["close"])
    det = get_pattern("HeadAndShoulders", window=6).detect(frame)
    expected = golden.index[golden["expected"] == "bearish"].tolist()
    assert [frame.index.get_loc(t) for t in det["timestamp"]] == expected
    assert det["metadata"].iloc[0]["neckline"] == golden["expected_neckline"].dropna().iloc[0]


def test_head_and_shoulders_rejections():
    # shoulders too far apart: |14 - 14.5| = .5 > .32
    shoulders = list(HS_HIGH)
    shoulders[11] = 14.5
    assert get_pattern("HeadAndShoulders", window=6).detect(hs_frame(shoulders)).empty
    # head not above the shoulders: bar 7 at 13.9 < 14 (then 3 and 11 are still peaks, 7 is not the highest)
    flat = list(HS_HIGH)
    flat[7] = 13.9
    assert get_pattern("HeadAndShoulders", window=6).detect(hs_frame(flat)).empty
    # stale: the break waits more than window=6 bars after the right shoulder (11): close stays at 10
    high = HS_HIGH[:14] + [10.5, 10.5, 10.5, 10.5, 10.5, 9]   # bar 18 is 7 bars after bar 11
    late = {14: 9.5, 15: 9.5, 16: 9.5, 17: 9.5, 18: 9.5, 19: 8.0}
    det = get_pattern("HeadAndShoulders", window=6).detect(hs_frame(high, late))
    assert det.empty


def test_head_and_shoulders_needs_the_right_shoulder_confirmed():
    # with the break moved to bar 12 (one bar before the right shoulder's confirmation at 13),
    # bar 12 cannot fire; bar 13 fires if its close is still below the neckline
    frame = hs_frame(override={12: 8.5, 13: 8.8, 14: 8.5, 15: 8.0})
    det = get_pattern("HeadAndShoulders", window=6).detect(frame)
    assert [frame.index.get_loc(t) for t in det["timestamp"]] == [13]


def test_inverse_head_and_shoulders_mirror():
    # mirror every price p -> 30 - p: lows become 30 - high, highs 30 - low, closes 30 - close.
    # troughs of low at 3, 7, 11 (16, 14, 15.9); peaks of high at 5, 9 (30 - 9 = 21): neckline 21;
    # |16 - 15.9| = .1 <= .02 * 14 = .28; bar 14 close 30 - 8.5 = 21.5 > 21 -> fires (bullish)
    base = hs_frame()
    frame = base.copy()
    frame["high"], frame["low"] = 30 - base["low"], 30 - base["high"]
    frame["open"], frame["close"] = 30 - base["open"], 30 - base["close"]
    det = get_pattern("InverseHeadAndShoulders", window=6).detect(frame)
    assert [frame.index.get_loc(t) for t in det["timestamp"]] == [14]
    meta = det["metadata"].iloc[0]
    assert det["direction"].iloc[0] == "bullish"
    assert (meta["left_shoulder"], meta["head"], meta["right_shoulder"], meta["neckline"]) == (16, 14, pytest.approx(15.9), 21)
    assert get_pattern("HeadAndShoulders", window=6).detect(frame).empty


# window 4 -> distance 2; tolerance .02
#        0   1    2    3    4     5    6    7    8     9
DB_LOW = [12, 11, 9.0, 10, 11, 9.1, 10, 11, 12, 13]
# troughs: 2 (9 < 12, 11; <= 10, 11) and 5 (9.1 < 10, 11; <= 10, 11) -> confirmed at 4 and 7
# |9.1 - 9| = .1 <= .02 * 9 = .18; resistance = max(high[3], high[4]) = max(12, 13) = 13
# bar 7: close 12 <= 13; bar 8: close 13.5 > 13 -> fires; bar 9 close 14 -> same pair, no repeat


def db_frame(low=DB_LOW):
    low = np.array(low, dtype=float)
    high = low + 2
    close = low + 1
    close[8] = 13.5
    close[9] = 14
    return from_high_low_close(high, low, close)


def test_double_bottom_by_hand():
    frame = db_frame()
    det = get_pattern("DoubleBottom", window=4).detect(frame)
    assert [frame.index.get_loc(t) for t in det["timestamp"]] == [8]
    meta = det["metadata"].iloc[0]
    assert det["direction"].iloc[0] == "bullish"
    assert (meta["first_bottom"], meta["second_bottom"], meta["resistance"]) == (9.0, 9.1, 13.0)


def test_double_bottom_rejections():
    # bottoms too different: |9.3 - 9| = .3 > .18
    low = list(DB_LOW)
    low[5] = 9.3
    assert get_pattern("DoubleBottom", window=4).detect(db_frame(low)).empty
    # default window 30 needs troughs 15 bars apart: nothing here
    assert get_pattern("DoubleBottom").detect(db_frame()).empty
