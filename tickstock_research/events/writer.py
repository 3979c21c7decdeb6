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

from ..db.engine import get_engine
from ..errors import ValidationError
from ..ingest.event_store import FAMILY, WriteCounts, event_details, remove_stale_events, utc_timestamp, write_events  # noqa: F401 (the store, re-exported)
from ..patterns.base import timeframe_kind
from ..sessions import to_utc
from ..sqlfiles import query
from ..symbols import parse_symbols
from ..types import DIRECTIONS, EngineOrURL, TimestampLike


def _list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _end_bound(end):
    if end is None:
        return None
    ts = to_utc(end)
    bare = (isinstance(end, str) and len(end.strip()) <= 10) or (hasattr(end, "year") and not hasattr(end, "hour"))
    if bare:
        ts = ts + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return ts.to_pydatetime()


def query_events(engine_or_url: EngineOrURL = None, *, symbols: str | Iterable[str] | None = None,
                 patterns: str | Iterable[str] | None = None, direction: str | Iterable[str] | None = None,
                 start: TimestampLike | None = None, end: TimestampLike | None = None,
                 timeframe: str | None = None) -> pd.DataFrame:
    """Events filtered by symbol(s), pattern(s), direction(s), timeframe and time [start, end].

    Returns columns symbol, timestamp (UTC), pattern, timeframe, direction, price (float),
    details (dict), created_at, updated_at, sorted by symbol and time. Naive bounds are UTC;
    an ``end`` given as a bare date includes that whole (UTC) day.

    >>> query_events(url, symbols=["AAPL"], patterns="Doji", start="2024-01-01")  # doctest: +SKIP
    """
    engine = get_engine(engine_or_url)
    params = {"symbols": parse_symbols(symbols), "patterns": _list(patterns), "directions": _list(direction),
              "timeframe": timeframe_kind(timeframe)[0] if timeframe else None,
              "start": to_utc(start).to_pydatetime() if start is not None else None,
              "end": _end_bound(end)}
    if params["directions"]:
        bad = set(params["directions"]) - set(DIRECTIONS)
        if bad:
            raise ValidationError(f"unknown direction(s) {sorted(bad)}; expected {', '.join(DIRECTIONS)}")
    with engine.connect() as conn:
        result = conn.execute(query(FAMILY, "select_events"), params)
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    if frame.empty:
        frame = frame.astype({"price": "float64"})
    for col in ("timestamp", "created_at", "updated_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame
