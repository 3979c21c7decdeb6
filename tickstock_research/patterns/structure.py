"""Chart formations built on swing points: head and shoulders (and inverse), double bottom.

Swing points without look-ahead
-------------------------------
A *peak* at bar i with distance d is a bar whose ``high`` is strictly above the d bars before
it and at least as high as the d bars after it (ties go to the earlier bar); a *trough* is the
mirror on ``low``. Both need d complete bars on each side. Two peaks are therefore always more
than d bars apart, which is the "minimum distance" of SPEC section 5.

**Confirmation rule:** a swing point at bar i is only known once bar ``i + d`` has closed, so a
formation evaluated at bar t uses only the swing points with ``i + d <= t``. Whether bar i is a
peak depends on bars i-d..i+d only, so removing bars after t never changes a swing point
confirmed by t, and a detection at t is unchanged.

scipy's ``find_peaks(distance=...)`` is not used on purpose: its distance pruning lets a later,
higher peak remove an earlier one, and that removal cascades, so the peaks it reports at bar i
can depend on bars far after i + d.

Formations fire at most once: a head and shoulders fires on the first bar (at or after the right
shoulder's confirmation, and at most ``window`` bars after the right shoulder) whose close is
below the neckline while the same three peaks are the last three confirmed ones.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ..errors import PatternError
from .base import Pattern
from .registry import register


def swing_points(values: np.ndarray, distance: int, kind: str = "peak") -> np.ndarray:
    """Indices of the peaks (``kind="peak"``) or troughs (``"trough"``) of ``values``.

    See the module docstring for the definition; the point at i is confirmed at ``i + distance``.

    >>> swing_points(np.array([1, 3, 2, 5, 4, 4, 1.0]), 1).tolist()
    [1, 3]
    """
    d = int(distance)
    if d < 1:
        raise PatternError(f"swing-point distance must be at least 1 bar; got {distance}")
    v = pd.Series(np.asarray(values, dtype="float64"))
    if kind == "trough":
        v = -v
    elif kind != "peak":
        raise ValueError(kind)
    left = v.rolling(d, min_periods=d).max().shift(1)
    right = v[::-1].rolling(d, min_periods=d).max()[::-1].shift(-1)
    hit = (v > left) & (v >= right)
    return np.flatnonzero(hit.to_numpy())


def _last_k(points: np.ndarray, distance: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For each bar t: how many swing points are confirmed by t (``m``) and the indices of the
    last ``k`` of them (a ``(k, n)`` array, -1 where fewer than k are confirmed)."""
    t = np.arange(n)
    m = np.searchsorted(points + distance, t, side="right")
    last = np.full((k, n), -1, dtype=np.int64)
    for j in range(k):  # k is 2 or 3: a loop over formation slots, not over bars
        pos = m - k + j
        ok = pos >= 0
        last[j, ok] = points[pos[ok]]
    return m, last


def _first_per_group(cond: np.ndarray, group: np.ndarray) -> np.ndarray:
    """``cond`` only where it is the first true value of its group (groups are contiguous)."""
    s = pd.Series(cond.astype(np.int64))
    first = s.groupby(group).cumsum().to_numpy() == 1
    return cond & first


@dataclass
class _HeadShoulders(Pattern):
    window: int = 50
    tolerance: float = 0.02
    inverse: ClassVar[bool] = False

    @property
    def distance(self) -> int:
        return max(1, self.window // 3)

    @property
    def warmup(self) -> int:
        return 4 * self.window

    def find(self, bars, timeframe):
        n, d = len(bars), self.distance
        high, low, close = (bars[c].to_numpy() for c in ("high", "low", "close"))
        # the three extremes forming the head and shoulders, and the two opposite swings for the neckline
        head_series, neck_series = (low, high) if self.inverse else (high, low)
        heads = swing_points(head_series, d, "trough" if self.inverse else "peak")
        necks = swing_points(neck_series, d, "peak" if self.inverse else "trough")
        m, (p1, p2, p3) = _last_k(heads, d, n, 3)
        _, (q1, q2) = _last_k(necks, d, n, 2)
        ok = (p1 >= 0) & (q1 >= 0)
        safe = lambda idx: np.where(idx >= 0, idx, 0)  # noqa: E731
        ls, hd, rs = (head_series[safe(p)] for p in (p1, p2, p3))
        neckline = (neck_series[safe(q1)] + neck_series[safe(q2)]) / 2.0
        t = np.arange(n)
        if self.inverse:
            shape = (hd < ls) & (hd < rs)
            broke = close > neckline
        else:
            shape = (hd > ls) & (hd > rs)
            broke = close < neckline
        shape &= np.abs(ls - rs) <= self.tolerance * np.abs(hd)
        cond = ok & shape & broke & (t - p3 <= self.window)
        hit = _first_per_group(cond, m)
        idx = bars.index
        when = lambda p: idx[safe(p)]  # noqa: E731
        return self.rows(bars, hit, "bullish" if self.inverse else "bearish",
                         left_shoulder=ls, head=hd, right_shoulder=rs, neckline=neckline,
                         left_shoulder_at=when(p1), head_at=when(p2), right_shoulder_at=when(p3),
                         neckline_first_at=when(q1), neckline_second_at=when(q2))


@register
@dataclass
class HeadAndShoulders(_HeadShoulders):
    """Head and shoulders top (bearish), SPEC section 5, window 50, tolerance 0.02.

    Peaks of ``high`` and troughs of ``low`` with minimum distance ``window // 3`` bars
    (module docstring: confirmed ``window // 3`` bars later). Of the last three confirmed peaks
    the middle (head) is above both shoulders and ``|left - right| <= tolerance * head``; the
    neckline is the mean of the last two confirmed troughs' lows. Fires on the first bar whose
    close is below the neckline, at most ``window`` bars after the right shoulder, once per
    set of three peaks. Metadata: shoulders, head, neckline and their times.
    """

    name: ClassVar[str] = "HeadAndShoulders"


@register
@dataclass
class InverseHeadAndShoulders(_HeadShoulders):
    """Inverse head and shoulders (bullish): the mirror of :class:`HeadAndShoulders`.

    Troughs of ``low`` (head below both shoulders, ``|left - right| <= tolerance * head``);
    neckline the mean of the last two confirmed peaks' highs; fires when close rises above it.
    """

    name: ClassVar[str] = "InverseHeadAndShoulders"
    inverse: ClassVar[bool] = True


@register
@dataclass
class DoubleBottom(Pattern):
    """Double bottom (bullish), SPEC section 5, window 30, tolerance 0.02.

    Troughs of ``low`` with minimum distance ``window // 2`` bars (so the two bottoms are at
    least window/2 apart; each confirmed ``window // 2`` bars later, see the module docstring).
    The last two confirmed troughs b1, b2 must satisfy ``|low[b2] - low[b1]| <= tolerance *
    low[b1]``; the resistance is the highest ``high`` strictly between them. Fires on the first
    bar whose close exceeds the resistance, at most ``window`` bars after b2, once per pair.
    """

    name: ClassVar[str] = "DoubleBottom"
    window: int = 30
    tolerance: float = 0.02

    @property
    def distance(self) -> int:
        return max(1, self.window // 2)

    @property
    def warmup(self) -> int:
        return 4 * self.window

    def find(self, bars, timeframe):
        n, d = len(bars), self.distance
        high, low, close = (bars[c].to_numpy() for c in ("high", "low", "close"))
        troughs = swing_points(low, d, "trough")
        m, (b1, b2) = _last_k(troughs, d, n, 2)
        # resistance of each consecutive trough pair (a loop over pairs, not bars)
        pair_res = np.array([high[a + 1:b].max() if b > a + 1 else np.nan
                             for a, b in zip(troughs[:-1], troughs[1:])], dtype="float64")
        ok = b1 >= 0
        pair = np.where(ok, m - 2, 0)
        resistance = np.where(ok, pair_res[pair] if len(pair_res) else np.nan, np.nan)
        safe1, safe2 = np.where(ok, b1, 0), np.where(ok, b2, 0)
        first, second = low[safe1], low[safe2]
        t = np.arange(n)
        cond = ok & (np.abs(second - first) <= self.tolerance * first) & (close > resistance) & (t - b2 <= self.window)
        hit = _first_per_group(cond, m)
        idx = bars.index
        return self.rows(bars, hit, "bullish", first_bottom=first, second_bottom=second,
                         resistance=resistance, first_bottom_at=idx[safe1], second_bottom_at=idx[safe2])
