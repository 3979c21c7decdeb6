"""Patterns: detect chart and candle patterns in one symbol's OHLCV bars (SPEC section 5).

>>> from tickstock_research.patterns import get_pattern, all_patterns, pattern_names
>>> pattern_names()[:4]
['Doji', 'Hammer', 'ClosedInTop10Percent', 'ClosedInBottom10Percent']

``get_pattern(name, **params).detect(bars)`` returns the detections frame (columns timestamp,
pattern, direction, price, parameters, metadata). See :mod:`.base` for the contract and
:mod:`.registry` for adding a pattern in a notebook.
"""
from . import candles, intraday, structure, trend  # noqa: F401,E402  (register the kit's patterns)
from .base import DETECTION_COLUMNS, DIRECTIONS, Pattern, empty_detections, infer_timeframe, onsets, timeframe_kind
from .candles import ClosedInBottom10Percent, ClosedInTop10Percent, Doji, Hammer
from .intraday import Day1Breakout, HighOfDay, LowOfDay
from .registry import (
                       all_patterns,
                       get_pattern,
                       pattern,
                       pattern_names,
                       register,
                       resolve_patterns,
                       state_pattern_names,
                       unregister,
)
from .structure import DoubleBottom, HeadAndShoulders, InverseHeadAndShoulders, swing_points
from .trend import MACrossover, TrendingDown, TrendingUp, rolling_slope

__all__ = [
    "DETECTION_COLUMNS", "DIRECTIONS", "Pattern", "empty_detections", "infer_timeframe", "onsets",
    "state_pattern_names", "timeframe_kind",
    "all_patterns", "get_pattern", "pattern", "pattern_names", "register", "resolve_patterns", "unregister",
    "Doji", "Hammer", "ClosedInTop10Percent", "ClosedInBottom10Percent", "HeadAndShoulders",
    "InverseHeadAndShoulders", "DoubleBottom", "MACrossover", "HighOfDay", "LowOfDay", "Day1Breakout",
    "TrendingUp", "TrendingDown", "swing_points", "rolling_slope",
]
