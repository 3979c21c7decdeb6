"""Intraday-only patterns: they reason about the exchange's session, so they refuse daily bars.

Session membership and time of day come from :mod:`tickstock_research.sessions` (exchange
calendar, America/New_York for XNYS, with holidays, early closes and daylight saving); no raw
UTC hours are used.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ..errors import PatternError
from ..sessions import DEFAULT_CALENDAR, exchange_tz, session_date, sessions
from .base import Pattern, TimeframeScope
from .registry import register


def regular_session_of(index: pd.DatetimeIndex, calendar: str = DEFAULT_CALENDAR) -> np.ndarray:
    """For each UTC bar start: its session date (as ``datetime64[D]``) when the bar starts inside
    that session's regular hours [open, close), else NaT."""
    if len(index) == 0:
        return np.array([], dtype="datetime64[D]")
    days = np.asarray(session_date(index, calendar), dtype="datetime64[D]")
    table = sessions(days.min().item(), days.max().item(), calendar)
    out = np.full(len(index), np.datetime64("NaT"), dtype="datetime64[D]")
    if table.empty:
        return out
    sess_days = np.asarray(list(table.index), dtype="datetime64[D]")
    pos = np.searchsorted(sess_days, days)
    pos_c = np.minimum(pos, len(sess_days) - 1)
    known = sess_days[pos_c] == days
    ts = index.as_unit("ns").asi8
    opens = pd.DatetimeIndex(table["open"]).as_unit("ns").asi8[pos_c]
    closes = pd.DatetimeIndex(table["close"]).as_unit("ns").asi8[pos_c]
    inside = known & (ts >= opens) & (ts < closes)
    out[inside] = days[inside]
    return out


def _require_utc(bars: pd.DataFrame, who: str) -> None:
    if bars.index.tz is None:
        raise PatternError(f"{who} needs intraday bars indexed by tz-aware UTC timestamps")


@dataclass
class _SessionExtreme(Pattern):
    calendar: str = DEFAULT_CALENDAR
    scope: ClassVar[TimeframeScope] = "intraday"
    low_side: ClassVar[bool] = False

    def find(self, bars, timeframe):
        _require_utc(bars, self.name)
        day = regular_session_of(bars.index, self.calendar)
        inside = ~np.isnat(day)
        sub = bars.loc[inside]
        key = day[inside]
        col = sub["low"] if self.low_side else sub["high"]
        running = (col.groupby(key).cummin() if self.low_side else col.groupby(key).cummax())
        before = running.groupby(key).shift(1)  # the session's extreme over the bars before this one
        hit_sub = (col < before) if self.low_side else (col > before)
        hit = np.zeros(len(bars), dtype=bool)
        hit[np.flatnonzero(inside)] = hit_sub.to_numpy()
        prev = np.full(len(bars), np.nan)
        prev[np.flatnonzero(inside)] = before.to_numpy()
        if self.low_side:
            return self.rows(bars, hit, "bearish", previous_low=prev)
        return self.rows(bars, hit, "bullish", previous_high=prev)


@register
@dataclass
class HighOfDay(_SessionExtreme):
    """The bar's high exceeds the running high of the earlier bars of the same regular session
    (exchange calendar ``calendar``, default XNYS). The first bar of a session only sets the high.
    Bars outside regular hours are ignored. Intraday-only; direction bullish."""

    name: ClassVar[str] = "HighOfDay"


@register
@dataclass
class LowOfDay(_SessionExtreme):
    """The bar's low undercuts the running low of the earlier bars of the same regular session.
    Intraday-only; direction bearish."""

    name: ClassVar[str] = "LowOfDay"
    low_side: ClassVar[bool] = True


def _minutes(hhmm: str) -> int:
    try:
        h, m = str(hhmm).split(":")
        value = int(h) * 60 + int(m)
    except ValueError:
        raise PatternError(f"times must be 'HH:MM' in exchange time; got {hhmm!r}") from None
    if not 0 <= value <= 24 * 60:
        raise PatternError(f"time out of range: {hhmm!r}")
    return value


@register
@dataclass
class Day1Breakout(Pattern):
    """Opening-hours breakout on 1- or 5-minute bars (SPEC section 5).

    Active for bars starting in [``start``, ``end``) exchange time (09:00-12:00 New York by
    default). Long when close > the highest high of the previous ``consolidation`` (20) bars and
    volume > ``volume_multiple`` (1.5) x the mean volume of the ``volume_window`` (50) bars ending
    at this bar (this bar included); short when close < the lowest low of the previous 20 bars
    with the same volume test. Windows count bars, across sessions, and must be complete.
    Metadata: range_high, range_low, volume_average, volume_multiple (this bar's volume /
    the average).
    """

    name: ClassVar[str] = "Day1Breakout"
    timeframes: ClassVar[tuple[str, ...]] = ("1min", "5min")
    consolidation: int = 20
    volume_multiple: float = 1.5
    volume_window: int = 50
    start: str = "09:00"
    end: str = "12:00"
    calendar: str = DEFAULT_CALENDAR

    @property
    def warmup(self) -> int:
        return max(self.consolidation + 1, self.volume_window)

    def find(self, bars, timeframe):
        _require_utc(bars, self.name)
        local = bars.index.tz_convert(exchange_tz(self.calendar))
        minute = local.hour * 60 + local.minute
        active = (minute >= _minutes(self.start)) & (minute < _minutes(self.end))
        n = self.consolidation
        range_high = bars["high"].rolling(n, min_periods=n).max().shift(1)
        range_low = bars["low"].rolling(n, min_periods=n).min().shift(1)
        vol = bars["volume"]
        vol_avg = vol.rolling(self.volume_window, min_periods=self.volume_window).mean()
        loud = vol > self.volume_multiple * vol_avg
        long_ = np.asarray(active) & (bars["close"] > range_high).to_numpy() & loud.to_numpy()
        short = np.asarray(active) & (bars["close"] < range_low).to_numpy() & loud.to_numpy()
        direction = np.where(long_, "long", "short")
        return self.rows(bars, long_ | short, direction, range_high=range_high.to_numpy(),
                         range_low=range_low.to_numpy(), volume_average=vol_avg.to_numpy(),
                         volume_multiple=(vol / vol_avg).to_numpy())
