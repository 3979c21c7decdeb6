"""The bar timeframes the reader knows, and how a user's timeframe string maps onto one.

Every timeframe has a canonical name (``1min``, ``5min``, ``15min``, ``30min``, ``1h``, ``2h``,
``4h``, ``1d``, ``1w``, ``1mo``) and a *kind* that decides which base table it is computed from:

- ``intraday``: buckets of ``minutes`` minutes over ``ohlcv_1min``;
- ``daily``, ``weekly``, ``monthly``: sessions of ``ohlcv_daily`` (one row per session date),
  grouped by exchange week or month for the last two.

Common spellings are accepted as aliases (``"5m"``, ``"5T"``, ``"1H"``, ``"60min"``, ``"D"``,
``"daily"``, ``"W"``, ``"M"``, ``"1M"`` is one *month*, ``"1mo"``); anything else raises
:class:`~tickstock_research.errors.UnknownTimeframeError` listing the valid names.

>>> parse_timeframe("5m").name, parse_timeframe("1H").minutes, parse_timeframe("D").kind
('5min', 60, 'daily')
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .errors import UnknownTimeframeError

TimeframeKind = Literal["intraday", "daily", "weekly", "monthly"]


@dataclass(frozen=True)
class Timeframe:
    """One bar size: its canonical ``name``, ``kind`` and (intraday only) ``minutes``."""

    name: str
    kind: TimeframeKind
    minutes: int = 0

    @property
    def intraday(self) -> bool:
        return self.kind == "intraday"

    @property
    def interval(self) -> str:
        """The PostgreSQL interval literal of an intraday bucket (a bind value, e.g. ``'5 minutes'``)."""
        if not self.intraday:
            raise ValueError(f"{self.name} is not an intraday timeframe")
        return f"{self.minutes} minutes"

    @property
    def pandas_rule(self) -> str:
        """The pandas offset alias with the same width (used by tests and baselines)."""
        return {"daily": "D", "weekly": "W", "monthly": "MS"}.get(self.kind, f"{self.minutes}min")


#: The timeframes in ascending size; ``TIMEFRAMES[name]`` gives one by canonical name.
TIMEFRAMES: dict[str, Timeframe] = {tf.name: tf for tf in (
    Timeframe("1min", "intraday", 1),
    Timeframe("2min", "intraday", 2),
    Timeframe("3min", "intraday", 3),
    Timeframe("5min", "intraday", 5),
    Timeframe("10min", "intraday", 10),
    Timeframe("15min", "intraday", 15),
    Timeframe("30min", "intraday", 30),
    Timeframe("1h", "intraday", 60),
    Timeframe("2h", "intraday", 120),
    Timeframe("4h", "intraday", 240),
    Timeframe("1d", "daily"),
    Timeframe("1w", "weekly"),
    Timeframe("1mo", "monthly"),
)}

_WORDS = {
    "d": "1d", "day": "1d", "daily": "1d", "1day": "1d", "b": "1d",
    "w": "1w", "week": "1w", "weekly": "1w", "1week": "1w", "1wk": "1w",
    "m": "1mo", "mo": "1mo", "month": "1mo", "monthly": "1mo", "1month": "1mo", "ms": "1mo", "1ms": "1mo",
    "h": "1h", "hour": "1h", "hourly": "1h", "min": "1min", "minute": "1min", "t": "1min",
}
_NUMBERED = re.compile(r"^(?P<n>\d+)\s*(?P<unit>min|mins|minute|minutes|m|t|h|hr|hour|hours|d|day|days|"
                       r"w|wk|week|weeks|mo|month|months)$")


def parse_timeframe(value: str | Timeframe) -> Timeframe:
    """The :class:`Timeframe` for a name or alias (case-insensitive, except ``"1M"`` = one month).

    Raises UnknownTimeframeError (with the valid names) for anything else, including sizes the
    reader does not build such as ``"7min"``.

    >>> [parse_timeframe(x).name for x in ("1min", "5T", "60m", "1H", "1D", "W", "1M", "1mo")]
    ['1min', '5min', '1h', '1h', '1d', '1w', '1mo', '1mo']
    """
    if isinstance(value, Timeframe):
        return value
    if not isinstance(value, str):
        raise UnknownTimeframeError(value, TIMEFRAMES)
    text = value.strip()
    if text in TIMEFRAMES:
        return TIMEFRAMES[text]
    low = text.lower()
    if low in _WORDS:
        return TIMEFRAMES[_WORDS[low]]
    m = _NUMBERED.match(low)
    if m:
        n, unit = int(m.group("n")), m.group("unit")
        if unit in ("m", "min", "mins", "minute", "minutes", "t"):
            if text.endswith("M") and unit == "m":  # pandas/market usage: "1M" is one month
                name = "1mo" if n == 1 else None
            else:
                minutes = n
                name = next((tf.name for tf in TIMEFRAMES.values() if tf.intraday and tf.minutes == minutes), None)
        elif unit in ("h", "hr", "hour", "hours"):
            name = next((tf.name for tf in TIMEFRAMES.values() if tf.intraday and tf.minutes == 60 * n), None)
        elif unit in ("d", "day", "days"):
            name = "1d" if n == 1 else None
        elif unit in ("w", "wk", "week", "weeks"):
            name = "1w" if n == 1 else None
        else:
            name = "1mo" if n == 1 else None
        if name:
            return TIMEFRAMES[name]
    raise UnknownTimeframeError(value, TIMEFRAMES)


def valid_timeframes() -> list[str]:
    """The canonical timeframe names, smallest first."""
    return list(TIMEFRAMES)
