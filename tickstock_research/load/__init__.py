"""Reading the TickStock tables into pandas: :class:`HistoricalLoader` (see :mod:`.loader`).

>>> from tickstock_research.load import HistoricalLoader          # doctest: +SKIP
>>> HistoricalLoader().bars("AAPL", "5min", "2024-03-08", "2024-03-08")  # doctest: +SKIP
"""
from ..sessions.ranges import resolve_dates, resolve_range
from ..timeframes import TIMEFRAMES, Timeframe, parse_timeframe, valid_timeframes
from .loader import BAR_COLUMNS, TICK_COLUMNS, HistoricalLoader

__all__ = ["BAR_COLUMNS", "TICK_COLUMNS", "TIMEFRAMES", "HistoricalLoader", "Timeframe", "parse_timeframe",
           "resolve_dates", "resolve_range", "valid_timeframes"]
