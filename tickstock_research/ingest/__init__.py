"""Loading market data into the database: ticks, bars and symbols, fast and exactly once.

>>> from tickstock_research.ingest import load_ticks
>>> print(load_ticks("2024-01-02.csv.gz"))   # doctest: +SKIP
"""
from .bars import load_bars
from .events import load_events
from .report import LoadReport
from .symbols import load_symbols
from .writers import close_interrupted_loads, load_ticks

__all__ = ["LoadReport", "close_interrupted_loads", "load_ticks", "load_bars", "load_symbols", "load_events"]
