"""Exchange sessions from a real exchange calendar (exchange_calendars), in one vocabulary.

Words used the same way across the kit:

- **session**: one trading day of an exchange, named by its *session date* (the exchange-local
  date), e.g. 2024-11-29 for the day after Thanksgiving.
- **regular** hours: the exchange's open to close (XNYS 09:30-16:00 New York, 13:00 on early
  closes). **extended** hours: pre-market from 04:00 to the open plus post-market from the
  close to 20:00 New York (17:00 after an early close). **all**: every tick of the session date
  in exchange time, whatever the hour.
- **24/7** markets (crypto, forex) have one session per UTC day, 00:00-24:00 UTC.

Times are stored in UTC; this module is where exchange time is reasoned about. Nothing here
uses raw UTC hours for US sessions: open and close come from the calendar, which knows
daylight-saving changes, holidays and early closes.

>>> s = sessions("2024-11-27", "2024-12-02")
>>> s.loc[pd.Timestamp("2024-11-29").date(), "close"]
Timestamp('2024-11-29 18:00:00+0000', tz='UTC')
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Iterable

import numpy as np
import pandas as pd

from ..errors import ConfigurationError, InvalidRangeError
from ..types import SessionFilter, TimestampLike

ALWAYS_OPEN = "24/7"
DEFAULT_CALENDAR = "XNYS"
#: Calendar used for each ``symbols.market`` value (a symbol's ``calendar`` column overrides).
MARKET_CALENDARS = {
    "stocks": "XNYS", "otc": "XNYS", "indices": "XNYS", "options": "XNYS",
    "crypto": ALWAYS_OPEN, "fx": ALWAYS_OPEN, "forex": ALWAYS_OPEN,
}
EXCHANGE_TZ = {"XNYS": "America/New_York", "XNAS": "America/New_York", ALWAYS_OPEN: "UTC"}
PRE_MARKET_OPEN = dt.time(4, 0)
POST_MARKET_CLOSE = dt.time(20, 0)
POST_MARKET_CLOSE_EARLY = dt.time(17, 0)
SESSION_FILTERS = ("regular", "extended", "all")
_CAL_START = "1990-01-01"


def calendar_for(market: str | None = None, calendar: str | None = None) -> str:
    """The calendar name for a symbol: its own ``calendar``, else by ``market``, else XNYS.

    >>> calendar_for("crypto"), calendar_for("stocks"), calendar_for("stocks", "XNAS")
    ('24/7', 'XNYS', 'XNAS')
    """
    if calendar:
        return calendar
    return MARKET_CALENDARS.get((market or "stocks").lower(), DEFAULT_CALENDAR)


def exchange_tz(calendar: str = DEFAULT_CALENDAR) -> str:
    """The exchange's time zone name."""
    if calendar in EXCHANGE_TZ:
        return EXCHANGE_TZ[calendar]
    return str(_xcal(calendar).tz)


@functools.lru_cache(maxsize=8)
def _xcal(name: str):
    import exchange_calendars as xcals

    try:
        end = pd.Timestamp.today().normalize() + pd.Timedelta(days=730)
        return xcals.get_calendar(name, start=_CAL_START, end=end)
    except xcals.errors.InvalidCalendarName:
        raise ConfigurationError(f"unknown exchange calendar {name!r}; expected an exchange_calendars name such as XNYS, or '24/7'") from None


def to_utc(value: TimestampLike, *, tz: str = "UTC") -> pd.Timestamp:
    """A UTC timestamp from a string, date, datetime or Timestamp; naive values are in ``tz``.

    >>> to_utc("2024-03-10 09:30", tz="America/New_York")
    Timestamp('2024-03-10 13:30:00+0000', tz='UTC')
    """
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InvalidRangeError(f"cannot read {value!r} as a time: {exc}") from None
    if ts is pd.NaT:
        raise InvalidRangeError(f"cannot read {value!r} as a time")
    if ts.tzinfo is None:
        ts = ts.tz_localize(tz)
    return ts.tz_convert("UTC")


def to_date(value: TimestampLike, *, tz: str = "UTC") -> dt.date:
    """A calendar date; a tz-aware timestamp is first converted to ``tz``."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InvalidRangeError(f"cannot read {value!r} as a date: {exc}") from None
    if ts is pd.NaT:
        raise InvalidRangeError(f"cannot read {value!r} as a date")
    if ts.tzinfo is not None:
        ts = ts.tz_convert(tz)
    return ts.date()


_COLUMNS = ["open", "close", "extended_open", "extended_close", "early_close"]


def _empty() -> pd.DataFrame:
    utc = pd.DatetimeIndex([], tz="UTC")
    return pd.DataFrame({"open": utc, "close": utc, "extended_open": utc, "extended_close": utc,
                         "early_close": np.array([], dtype=bool)}, index=pd.Index([], name="session", dtype=object))


def sessions(start: TimestampLike, end: TimestampLike, calendar: str = DEFAULT_CALENDAR) -> pd.DataFrame:
    """Sessions whose date is in [start, end] (dates, inclusive).

    Returns a frame indexed by session date (``datetime.date``) with UTC columns ``open``,
    ``close`` (regular hours), ``extended_open``, ``extended_close`` (04:00 and 20:00 exchange
    time, 17:00 after an early close) and a boolean ``early_close``. Holidays and weekends have
    no row.
    """
    d0, d1 = to_date(start), to_date(end)
    if d1 < d0:
        return _empty()
    if calendar == ALWAYS_OPEN:
        days = pd.date_range(d0, d1, freq="D")
        opens = days.tz_localize("UTC")
        closes = opens + pd.Timedelta(days=1)
        frame = pd.DataFrame({"open": opens, "close": closes, "extended_open": opens,
                              "extended_close": closes, "early_close": False}, index=days.date)
        frame.index.name = "session"
        return frame
    cal = _xcal(calendar)
    first, last = cal.first_session.date(), cal.last_session.date()
    if d0 < first or d1 > last:
        raise InvalidRangeError(f"sessions {d0}..{d1} are outside calendar {calendar}'s range {first}..{last}")
    sched = cal.schedule.loc[str(d0):str(d1)]
    tz = str(cal.tz)
    opens = _utc_index(sched["open"])
    closes = _utc_index(sched["close"])
    regular_close = cal.close_times[-1][1]
    early = np.array([t.time() < regular_close for t in closes.tz_convert(tz)], dtype=bool)
    local_days = pd.DatetimeIndex(sched.index).tz_localize(None).normalize()
    ext_open = (local_days + pd.Timedelta(hours=PRE_MARKET_OPEN.hour)).tz_localize(tz).tz_convert("UTC")
    post_hours = np.where(early, POST_MARKET_CLOSE_EARLY.hour, POST_MARKET_CLOSE.hour)
    ext_close = (local_days + pd.to_timedelta(post_hours, unit="h")).tz_localize(tz).tz_convert("UTC")
    frame = pd.DataFrame({"open": opens, "close": closes, "extended_open": ext_open,
                          "extended_close": ext_close, "early_close": early},
                         index=pd.Index(local_days.date, name="session", dtype=object))
    return frame


def _utc_index(values: pd.Series) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(values)
    return idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")


def session_bounds(frame: pd.DataFrame, session: SessionFilter = "regular",
                   calendar: str = DEFAULT_CALENDAR) -> pd.DataFrame:
    """The [start, end) UTC bounds of each session for a session filter.

    ``regular``: open..close. ``extended``: pre-market open..post-market close.
    ``all``: the whole session date in exchange time (midnight to midnight).
    """
    check_session_filter(session)
    if session == "regular":
        return pd.DataFrame({"start": frame["open"], "end": frame["close"]}, index=frame.index)
    if session == "extended":
        return pd.DataFrame({"start": frame["extended_open"], "end": frame["extended_close"]}, index=frame.index)
    tz = "UTC" if calendar == ALWAYS_OPEN else exchange_tz(calendar)
    days = pd.DatetimeIndex(pd.to_datetime(list(frame.index)))
    start = days.tz_localize(tz).tz_convert("UTC")
    end = (days + pd.Timedelta(days=1)).tz_localize(tz).tz_convert("UTC")
    return pd.DataFrame({"start": start, "end": end}, index=frame.index)


def check_session_filter(session: str) -> None:
    if session not in SESSION_FILTERS:
        raise ConfigurationError(f"unknown session filter {session!r}; expected one of {', '.join(SESSION_FILTERS)}")


def session_date(timestamps: pd.Series | pd.DatetimeIndex | TimestampLike, calendar: str = DEFAULT_CALENDAR):
    """The exchange-local date of UTC timestamps (the session date they belong to, if any).

    A trade at 2024-03-08 21:30 UTC (16:30 New York) belongs to session 2024-03-08, not to the
    UTC date; a crypto trade belongs to its UTC date.
    """
    tz = "UTC" if calendar == ALWAYS_OPEN else exchange_tz(calendar)
    if isinstance(timestamps, (pd.Series, pd.DatetimeIndex)):
        idx = pd.DatetimeIndex(timestamps)
        if idx.tz is None:
            idx = idx.tz_localize("UTC")
        local = idx.tz_convert(tz)
        return local.normalize().tz_localize(None).date
    return to_utc(timestamps).tz_convert(tz).date()


def trading_minutes(start: TimestampLike, end: TimestampLike, calendar: str = DEFAULT_CALENDAR,
                    session: SessionFilter = "regular") -> pd.DatetimeIndex:
    """Every minute (its UTC start) inside the sessions of [start, end] for a session filter."""
    bounds = session_bounds(sessions(start, end, calendar), session, calendar)
    pieces: Iterable[pd.DatetimeIndex] = (
        pd.date_range(s, e, freq="min", inclusive="left") for s, e in zip(bounds["start"], bounds["end"]))
    pieces = list(pieces)
    if not pieces:
        return pd.DatetimeIndex([], tz="UTC")
    return pieces[0].append(pieces[1:]) if len(pieces) > 1 else pieces[0]


def is_session(day: TimestampLike, calendar: str = DEFAULT_CALENDAR) -> bool:
    """Whether the date is a trading session (False on weekends and holidays)."""
    d = to_date(day)
    return len(sessions(d, d, calendar)) == 1
