"""Time ranges: the one place that says what a user's ``start`` and ``end`` mean.

Every reader, build, scan, audit and command reads its range through this module. Rules:

- A **timestamp** (``pd.Timestamp``, ``datetime``, or a string with a time such as
  ``"2024-03-08 14:30"``) is a point in time; tz-aware values may be in any zone, naive values
  are UTC. Ranges are half-open: ``start <= t < end``.
- A **bare date** (``datetime.date`` or a ``"YYYY-MM-DD"`` string) names a *session date* in
  the symbol's exchange time (New York for US stocks, UTC for 24/7 markets): as a start it
  means that day's local midnight, as an **end it means the whole day** (through the next
  local midnight). ``ticks("AAPL", "2024-03-08", "2024-03-08")`` is every trade of that day,
  post-market included.
- ``None`` means unbounded on that side.
- A start after the end raises :class:`~tickstock_research.errors.InvalidRangeError`; an equal
  start and end timestamp is an empty range (an empty frame, not an error).

>>> resolve_range("2024-03-08", "2024-03-08", "America/New_York")
(Timestamp('2024-03-08 05:00:00+0000', tz='UTC'), Timestamp('2024-03-09 05:00:00+0000', tz='UTC'))
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from ..errors import InvalidRangeError
from ..types import TimestampLike
from .calendar import to_date, to_utc

_BARE_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


def is_bare_date(value) -> bool:
    """True for a ``datetime.date`` (not a datetime) or a ``"YYYY-MM-DD"`` string."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return True
    return isinstance(value, str) and bool(_BARE_DATE.match(value))


def _local_midnight(value, tz: str) -> pd.Timestamp:
    return pd.Timestamp(to_date(value)).tz_localize(tz).tz_convert("UTC")


def resolve_range(start: TimestampLike | None, end: TimestampLike | None,
                  tz: str = "UTC") -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """UTC ``[lo, hi)`` bounds for a start and end (see the module rules); ``None`` stays ``None``."""
    lo = None if start is None else (_local_midnight(start, tz) if is_bare_date(start) else to_utc(start))
    if end is None:
        hi = None
    elif is_bare_date(end):
        hi = _local_midnight(to_date(end) + dt.timedelta(days=1), tz)
    else:
        hi = to_utc(end)
    if lo is not None and hi is not None:
        # a bare end is its whole day, so a start later that day is fine; two bare dates are
        # compared as dates (a start the day after a bare end would otherwise be an empty range)
        later_date = is_bare_date(start) and is_bare_date(end) and to_date(start) > to_date(end)
        if lo > hi or later_date:
            raise InvalidRangeError(f"start {start!r} is after end {end!r}")
    return lo, hi


def resolve_dates(start: TimestampLike | None, end: TimestampLike | None,
                  tz: str = "UTC") -> tuple[dt.date | None, dt.date | None]:
    """Inclusive session-date bounds ``[d0, d1]`` for daily and longer bars.

    A bare date is taken as is; a timestamp is converted to exchange time ``tz`` (a naive one
    is UTC first); an end timestamp is exclusive, so ``d1`` is the date of the last instant
    before it.
    """
    lo, hi = resolve_range(start, end, tz)
    d0 = None if lo is None else (to_date(start) if is_bare_date(start) else lo.tz_convert(tz).date())
    if hi is None:
        d1 = None
    elif is_bare_date(end):
        d1 = to_date(end)
    else:
        d1 = (hi - pd.Timedelta(microseconds=1)).tz_convert(tz).date()
    return d0, d1


def sql_bound(value: pd.Timestamp | None, side: str):
    """A bound as a bind value: the timestamp, or ``'-infinity'``/``'infinity'`` for ``None``.

    The database keeps microseconds; a bound with nanoseconds is rounded up, which keeps
    ``lo <= t < hi`` exact for stored (microsecond) times on both sides.
    """
    if value is None:
        return "-infinity" if side == "lo" else "infinity"
    return value.ceil("us").to_pydatetime()
