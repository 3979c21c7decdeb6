"""Single-bar candle patterns (SPEC section 5): each bar is judged on its own OHLC alone.

They run on any timeframe and need no history, so the check on one new bar is one row of
arithmetic (the live 1-minute Doji check of US1).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .base import Pattern
from .registry import register


@register
@dataclass
class Doji(Pattern):
    """Doji: open and close (almost) equal, ``|close - open| <= body_ratio * (high - low)``.

    Direction neutral; metadata ``body`` and ``range``. A bar with no range at all
    (high == low == open == close) satisfies the inequality (0 <= 0) and is a Doji.
    """

    name: ClassVar[str] = "Doji"
    body_ratio: float = 0.01

    def find(self, bars, timeframe):
        body = np.abs(bars["close"].to_numpy() - bars["open"].to_numpy())
        rng = bars["high"].to_numpy() - bars["low"].to_numpy()
        return self.rows(bars, body <= self.body_ratio * rng, "neutral", body=body, range=rng)


@register
@dataclass
class Hammer(Pattern):
    """Hammer: lower shadow ``> shadow_ratio * body`` and upper shadow ``< upper_ratio * body``.

    body = ``|close - open|``; lower shadow = ``min(open, close) - low``; upper shadow =
    ``high - max(open, close)``. Defaults 2.0 and 1.0 (upper shadow < body). Direction bullish.
    """

    name: ClassVar[str] = "Hammer"
    shadow_ratio: float = 2.0
    upper_ratio: float = 1.0

    def find(self, bars, timeframe):
        o, c = bars["open"].to_numpy(), bars["close"].to_numpy()
        body = np.abs(c - o)
        lower = np.minimum(o, c) - bars["low"].to_numpy()
        upper = bars["high"].to_numpy() - np.maximum(o, c)
        hit = (lower > self.shadow_ratio * body) & (upper < self.upper_ratio * body)
        return self.rows(bars, hit, "bullish", body=body, lower_shadow=lower, upper_shadow=upper)


@register
@dataclass
class ClosedInTop10Percent(Pattern):
    """The close is in the top ``fraction`` of the bar's range: ``close >= high - fraction*(high-low)``.

    Direction bullish.
    """

    name: ClassVar[str] = "ClosedInTop10Percent"
    state: ClassVar[bool] = True      # holds bar after bar in a steady move: scans record the onsets
    fraction: float = 0.10

    def find(self, bars, timeframe):
        h, low, c = (bars[k].to_numpy() for k in ("high", "low", "close"))
        hit = c >= h - self.fraction * (h - low)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.rows(bars, hit, "bullish", position=(c - low) / (h - low))


@register
@dataclass
class ClosedInBottom10Percent(Pattern):
    """The close is in the bottom ``fraction`` of the range: ``close <= low + fraction*(high-low)``.

    Direction bearish.
    """

    name: ClassVar[str] = "ClosedInBottom10Percent"
    state: ClassVar[bool] = True      # holds bar after bar in a steady move: scans record the onsets
    fraction: float = 0.10

    def find(self, bars, timeframe):
        h, low, c = (bars[k].to_numpy() for k in ("high", "low", "close"))
        hit = c <= low + self.fraction * (h - low)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.rows(bars, hit, "bearish", position=(c - low) / (h - low))
