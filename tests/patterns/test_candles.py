"""Single-bar patterns on hand-built bars; expected detections worked out in the comments."""
from __future__ import annotations

import pytest
from pattern_frames import daily

from tickstock_research.patterns import get_pattern


def fired(name, frame, **params):
    det = get_pattern(name, **params).detect(frame)
    return [frame.index.get_loc(t) for t in det["timestamp"]], det


def test_doji():
    frame = daily([
        (100, 125, 75, 100.5),   # 0: body .5, range 50: .5 <= .01*50 = .5 -> Doji (boundary)
        (100, 125, 75, 100.75),  # 1: body .75 > .5 -> no
        (10, 10, 10, 10),        # 2: body 0, range 0: 0 <= 0 -> Doji
        (8, 16, 0, 8.125),       # 3: body .125 <= .01*16 = .16 -> Doji
        (10, 11, 9, 11),         # 4: body 1 > .02 -> no
    ])
    idx, det = fired("Doji", frame)
    assert idx == [0, 2, 3]
    assert set(det["direction"]) == {"neutral"}
    assert det["price"].iloc[0] == 100.5
    assert det["metadata"].iloc[0] == {"body": 0.5, "range": 50.0}
    assert det["parameters"].iloc[0] == {"body_ratio": 0.01}
    # a looser ratio: bar 4 has body/range = 1/2 -> fires with body_ratio=0.5
    idx, _ = fired("Doji", frame, body_ratio=0.5)
    assert 4 in idx and 1 in idx


def test_hammer():
    frame = daily([
        (10, 10.75, 8, 10.5),   # 0: body .5, lower 10-8=2 > 1.0, upper 10.75-10.5=.25 < .5 -> Hammer
        (10, 10.6, 9, 10.5),    # 1: lower 1.0 not > 2*.5 -> no
        (10, 11, 8, 10.5),      # 2: upper .5 not < .5 -> no
        (10.5, 10.625, 8, 10),  # 3: red body .5, lower 10-8=2 > 1, upper .125 < .5 -> Hammer
        (10, 10, 5, 10),        # 4: body 0: upper 0 not < 0 -> no
    ])
    idx, det = fired("Hammer", frame)
    assert idx == [0, 3]
    assert list(det["direction"]) == ["bullish", "bullish"]
    assert det["metadata"].iloc[0] == {"body": 0.5, "lower_shadow": 2.0, "upper_shadow": 0.25}


def test_closed_in_top_and_bottom_10_percent():
    frame = daily([
        (15, 20, 10, 19),     # 0: top: 19 >= 20 - .1*10 = 19 -> yes (boundary); bottom: 19 <= 11 no
        (15, 20, 10, 18.5),   # 1: neither
        (15, 20, 10, 11),     # 2: bottom: 11 <= 10 + 1 = 11 -> yes (boundary)
        (10, 10, 10, 10),     # 3: no range: 10 >= 10 and 10 <= 10 -> both
        (15, 20, 10, 10),     # 4: bottom
    ])
    top, det_top = fired("ClosedInTop10Percent", frame)
    bottom, det_bottom = fired("ClosedInBottom10Percent", frame)
    assert top == [0, 3]
    assert bottom == [2, 3, 4]
    assert set(det_top["direction"]) == {"bullish"} and set(det_bottom["direction"]) == {"bearish"}
    assert det_top["metadata"].iloc[0]["position"] == pytest.approx(0.9)
    # fraction 0.2: 18.5 >= 20 - 2 = 18 -> bar 1 now in the top fifth
    assert fired("ClosedInTop10Percent", frame, fraction=0.2)[0] == [0, 1, 3]
