"""Trend patterns over a trailing window: EMA crossover and regression slope (SPEC section 5).

Both only look back: an EMA is a recursion over past closes, and the slope at bar t is fitted
to bars t-period+1..t.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import PatternError
from .base import Pattern
from .registry import register


def rolling_slope(values: np.ndarray, period: int) -> np.ndarray:
    """Least-squares slope (per bar) of the last ``period`` values at every bar; NaN before.

    The slope is a fixed weighted sum of the window: ``sum(w_k * y_k)`` with
    ``w_k = (k - mean(k)) / sum((k - mean(k))**2)``, k = 0..period-1, so it is exact and
    vectorised (no rolling sums of large numbers).
    """
    n = len(values)
    out = np.full(n, np.nan)
    if period < 2:
        raise PatternError(f"a regression needs at least 2 bars; got period={period}")
    if n < period:
        return out
    k = np.arange(period, dtype="float64")
    w = (k - k.mean()) / ((k - k.mean()) ** 2).sum()
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(values, dtype="float64"), period)
    out[period - 1:] = windows @ w
    return out


@dataclass
class _Trending(Pattern):
    state: ClassVar[bool] = True      # holds over runs of bars: scans record the onsets
    period: int = 10
    threshold: float = 0.01

    @property
    def warmup(self) -> int:
        return self.period

    def slope(self, bars) -> np.ndarray:
        return rolling_slope(bars["close"].to_numpy(), self.period)


@register
@dataclass
class TrendingUp(_Trending):
    """Slope of a linear regression of close over the last ``period`` (10) bars ``> threshold``
    (0.01, in price units per bar). Holds on every bar where it holds (a state: scans record
    the first bar of each run); direction bullish."""

    name: ClassVar[str] = "TrendingUp"

    def find(self, bars, timeframe):
        s = self.slope(bars)
        return self.rows(bars, s > self.threshold, "bullish", slope=s)


@register
@dataclass
class TrendingDown(_Trending):
    """Slope of a linear regression of close over the last ``period`` (10) bars ``< -threshold``.
    Holds on every bar where it holds (a state: scans record the onsets); direction bearish."""

    name: ClassVar[str] = "TrendingDown"

    def find(self, bars, timeframe):
        s = self.slope(bars)
        return self.rows(bars, s < -self.threshold, "bearish", slope=s)


@register
@dataclass
class MACrossover(Pattern):
    """EMA(``fast``=12) of close crosses EMA(``slow``=26): bullish when fast - slow goes from
    ``<= 0`` at t-1 to ``> 0`` at t, bearish when it goes from ``>= 0`` to ``< 0``.

    EMAs are pandas ``ewm(span=n, adjust=False)`` (``ema_t = a*close_t + (1-a)*ema_{t-1}``,
    ``a = 2/(n+1)``, seeded with the first close), reported from the ``slow``-th bar on
    (``min_periods=slow``), so the first possible cross is at bar ``slow`` (0-based).
    """

    name: ClassVar[str] = "MACrossover"
    fast: int = 12
    slow: int = 26

    @property
    def warmup(self) -> int:
        return 4 * self.slow

    def find(self, bars, timeframe):
        if self.fast >= self.slow:
            raise PatternError(f"MACrossover needs fast < slow; got fast={self.fast}, slow={self.slow}")
        close = bars["close"]
        fast = close.ewm(span=self.fast, adjust=False, min_periods=self.slow).mean()
        slow = close.ewm(span=self.slow, adjust=False, min_periods=self.slow).mean()
        diff = (fast - slow).to_numpy()
        prev = np.r_[np.nan, diff[:-1]]
        up = (prev <= 0) & (diff > 0)
        down = (prev >= 0) & (diff < 0)
        direction = np.where(up, "bullish", "bearish")
        return self.rows(bars, up | down, direction, fast_ema=fast.to_numpy(), slow_ema=slow.to_numpy())


