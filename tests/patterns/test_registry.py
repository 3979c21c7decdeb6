"""The registry, parameters, frame checks and adding a pattern in a notebook."""
from __future__ import annotations

import dataclasses
from typing import ClassVar

import pandas as pd
import pytest
from pattern_frames import daily

from tickstock_research.errors import PatternError
from tickstock_research.patterns import (
    DETECTION_COLUMNS,
    Pattern,
    all_patterns,
    get_pattern,
    pattern,
    pattern_names,
    register,
    unregister,
)

SPEC_PATTERNS = ["Doji", "Hammer", "ClosedInTop10Percent", "ClosedInBottom10Percent", "HeadAndShoulders",
                 "InverseHeadAndShoulders", "DoubleBottom", "MACrossover", "HighOfDay", "LowOfDay",
                 "Day1Breakout", "TrendingUp", "TrendingDown"]


def test_every_spec_pattern_is_registered_with_spec_defaults():
    assert set(SPEC_PATTERNS) <= set(pattern_names())
    assert get_pattern("Doji").parameters == {"body_ratio": 0.01}
    assert get_pattern("Hammer").parameters == {"shadow_ratio": 2.0, "upper_ratio": 1.0}
    assert get_pattern("HeadAndShoulders").parameters == {"window": 50, "tolerance": 0.02}
    assert get_pattern("DoubleBottom").parameters == {"window": 30, "tolerance": 0.02}
    assert get_pattern("MACrossover").parameters == {"fast": 12, "slow": 26}
    assert get_pattern("TrendingUp").parameters == {"period": 10, "threshold": 0.01}
    d1 = get_pattern("Day1Breakout").parameters
    assert (d1["consolidation"], d1["volume_multiple"], d1["start"], d1["end"]) == (20, 1.5, "09:00", "12:00")


def test_unknown_names_and_parameters():
    with pytest.raises(PatternError, match="unknown pattern 'Nope'"):
        get_pattern("Nope")
    with pytest.raises(PatternError, match="has no parameter"):
        get_pattern("Doji", window=3)
    assert get_pattern("doji").name == "Doji"


def test_frame_checks():
    frame = daily([(10, 11, 9, 10)] * 3)
    with pytest.raises(PatternError, match="missing column"):
        get_pattern("Doji").detect(frame.drop(columns="volume"))
    with pytest.raises(PatternError, match="sorted"):
        get_pattern("Doji").detect(frame.iloc[::-1])
    det = get_pattern("Doji").detect(frame.iloc[:0])
    assert list(det.columns) == DETECTION_COLUMNS and det.empty
    # date objects as index are daily bars too
    by_date = frame.set_axis([d.date() for d in frame.index])
    assert get_pattern("Doji").detect(by_date)["timestamp"].tolist() == list(frame.index)  # o == c: Doji


def test_function_decorator_in_a_notebook():
    @pattern("GapUp", direction="bullish")
    def gap_up(bars, *, gap: float = 0.02):
        return bars["open"] > bars["close"].shift(1) * (1 + gap)

    try:
        frame = daily([(10, 10, 10, 10), (10.3, 11, 10, 10.5), (10.6, 11, 10, 10.6)])
        # bar 1: 10.3 > 10 * 1.02 = 10.2 -> fires; bar 2: 10.6 > 10.5 * 1.02 = 10.71? no
        det = get_pattern("GapUp").detect(frame)
        assert list(det["timestamp"]) == [frame.index[1]]
        assert det["parameters"].iloc[0] == {"gap": 0.02}
        assert get_pattern("GapUp", gap=0.0).detect(frame)["timestamp"].tolist() == list(frame.index[1:])
        assert "GapUp" in [p.name for p in all_patterns("1d")]
    finally:
        unregister("GapUp")


def test_subclass_in_a_notebook_and_builtin_protection():
    @register
    @dataclasses.dataclass
    class BigBody(Pattern):
        name: ClassVar[str] = "BigBody"
        ratio: float = 0.8

        def find(self, bars, timeframe):
            hit = (bars["close"] - bars["open"]).abs() > self.ratio * (bars["high"] - bars["low"])
            return self.rows(bars, hit, "neutral")

    try:
        frame = daily([(10, 11, 9, 10.5), (9, 11, 9, 11)])
        assert get_pattern("BigBody").detect(frame)["timestamp"].tolist() == [frame.index[1]]
        with pytest.raises(PatternError, match="replace=True"):
            register(BigBody, name="Doji")
    finally:
        unregister("BigBody")
    assert get_pattern("Doji").__class__.__name__ == "Doji"


def test_bad_direction_is_refused():
    @pattern("Bad", register_it=False)
    def bad(bars):
        return pd.Series("up", index=bars.index)

    with pytest.raises(PatternError, match="direction"):
        bad().detect(daily([(10, 11, 9, 10)]))
