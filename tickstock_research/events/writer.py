"""Read stored pattern events back with filters; writing lives in :mod:`..ingest.event_store`
(re-exported here: ``write_events``, ``event_details``, ``WriteCounts``).

The ``details`` JSON has one shape for every pattern (SPEC section 5)::

    {"pattern": "Doji", "symbol": "AAPL", "timestamp": "2024-03-08T14:31:00+00:00", "price": 171.2,
     "timeframe": "1min", "direction": "neutral", "parameters": {...}, "metadata": {...}}

Daily detections (indexed by session date) are stored at midnight UTC of the session date.
Re-writing identical events adds nothing and updates nothing (``updated_at`` is kept);
a changed detection (new price, parameters or metadata) is updated in place.

>>> with engine.begin() as conn:                                        # doctest: +SKIP
...     write_events(conn, get_pattern("Doji").detect(bars), symbol="AAPL", timeframe="1d")
WriteCounts(inserted=12, updated=0, unchanged=0)
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from ..ingest.event_store import WriteCounts, event_details, remove_stale_events, utc_timestamp, write_events  # noqa: F401 (the store, re-exported)
from ..types import EngineOrURL, TimestampLike

#: The columns of :func:`query_events` (the reader's event columns, with the time as a column).
QUERY_COLUMNS = ["symbol", "timestamp", "pattern", "timeframe", "direction", "price", "details",
                 "created_at", "updated_at"]


def query_events(*, engine_or_url: EngineOrURL = None, symbols: str | Iterable[str] | None = None,
                 patterns: str | Iterable[str] | None = None, direction: str | Iterable[str] | None = None,
                 start: TimestampLike | None = None, end: TimestampLike | None = None,
                 timeframe: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Events filtered by symbol(s), pattern(s), direction(s), timeframe(s) and time [start, end).

    The rows of :meth:`HistoricalLoader.events` (the one reader of ``events``, so bounds mean
    the same everywhere: a bare date is a whole UTC day, an end time is excluded), with the
    time as a column: symbol, timestamp (UTC), pattern, timeframe, direction, price (float),
    details (dict), created_at, updated_at, sorted by symbol and time.

    >>> query_events(engine_or_url=url, symbols=["AAPL"], patterns="Doji", start="2024-01-01")  # doctest: +SKIP
    """
    from ..load import HistoricalLoader

    frame = HistoricalLoader(engine_or_url=engine_or_url).events(symbols, patterns, start, end, timeframe=timeframe,
                                                   direction=direction)
    return frame.reset_index()[QUERY_COLUMNS]
