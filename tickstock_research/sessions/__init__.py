"""Exchange sessions and exchange time (see :mod:`tickstock_research.sessions.calendar`)."""
from .calendar import (
                       ALWAYS_OPEN,
                       DEFAULT_CALENDAR,
                       SESSION_FILTERS,
                       calendar_for,
                       exchange_tz,
                       is_session,
                       session_bounds,
                       session_date,
                       sessions,
                       to_date,
                       to_utc,
                       trading_minutes,
)
from .ranges import is_bare_date, resolve_dates, resolve_range, sql_bound

__all__ = [
    "is_bare_date", "resolve_dates", "resolve_range", "sql_bound",
    "ALWAYS_OPEN", "DEFAULT_CALENDAR", "SESSION_FILTERS", "calendar_for", "exchange_tz", "is_session",
    "session_bounds", "session_date", "sessions", "to_date", "to_utc", "trading_minutes",
]
