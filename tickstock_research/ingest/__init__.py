"""Loading into the database, fast and exactly once: ticks, bars, symbols, splits, dividends
and events, every one through the same checks, quarantine and load report.

>>> from tickstock_research.ingest import load_ticks
>>> print(load_ticks("2024-01-02.csv.gz"))   # doctest: +SKIP
"""
from .bars import load_bars
from .corporate_actions import load_dividends, load_splits
from .events import load_events
from .report import LoadReport
from .symbols import load_symbols
from .writers import close_interrupted_loads, load_ticks

__all__ = ["LoadReport", "close_interrupted_loads", "load_bars", "load_dividends", "load_events", "load_splits",
           "load_symbols", "load_ticks"]
