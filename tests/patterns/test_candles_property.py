"""Candle patterns against a bar-by-bar Python reading of SPEC section 5 (a second implementation),
on bars drawn by hypothesis (quarter-point prices, so ties and boundaries are exact)."""
from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tickstock_research.patterns import get_pattern

quarter = st.integers(min_value=40, max_value=60).map(lambda k: k / 4)


@st.composite
def bar(draw):
    a, b, c, d = (draw(quarter) for _ in range(4))
    low, high = min(a, b, c, d), max(a, b, c, d)
    return (b, high, low, c)  # open, high, low, close inside [low, high]


def by_hand(o, h, l, c):
    body = abs(c - o)
    rng = h - l
    return {
        "Doji": body <= 0.01 * rng,
        "Hammer": (min(o, c) - l) > 2.0 * body and (h - max(o, c)) < body,
        "ClosedInTop10Percent": c >= h - 0.10 * rng,
        "ClosedInBottom10Percent": c <= l + 0.10 * rng,
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(bar(), min_size=1, max_size=40))
def test_candles_match_a_bar_by_bar_reading(rows):
    frame = pd.DataFrame(rows, columns=["open", "high", "low", "close"],
                         index=pd.bdate_range("2024-01-02", periods=len(rows)))
    frame["volume"] = 1
    for name in ("Doji", "Hammer", "ClosedInTop10Percent", "ClosedInBottom10Percent"):
        got = set(get_pattern(name).detect(frame)["timestamp"])
        expect = {t for t, r in zip(frame.index, rows) if by_hand(*r)[name]}
        assert got == expect, name
