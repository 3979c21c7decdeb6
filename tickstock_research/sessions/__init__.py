"""Exchange sessions and exchange time (see :mod:`tickstock_research.sessions.calendar`)."""
from .calendar import (ALWAYS_OPEN, DEFAULT_CALENDAR, SESSION_FILTERS, calendar_for, exchange_tz, is_session,
                       session_bounds, session_date, sessions, to_date, to_utc, trading_minutes)

__all__ = [
    "ALWAYS_OPEN", "DEFAULT_CALENDAR", "SESSION_FILTERS", "calendar_for", "exchange_tz", "is_session",
    "session_bounds", "session_date", "sessions", "to_date", "to_utc", "trading_minutes",
]
