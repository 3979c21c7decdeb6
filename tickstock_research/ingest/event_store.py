"""The events store: pattern detections written to ``events`` (batch upsert, idempotent).

The ``details`` JSON has one shape for every pattern (SPEC section 5)::

    {"pattern": "Doji", "symbol": "AAPL", "timestamp": "2024-03-08T14:31:00+00:00", "price": 171.2,
     "timeframe": "1min", "direction": "neutral", "parameters": {...}, "metadata": {...}}

Daily detections (indexed by session date) are stored at midnight UTC of the session date.
Re-writing identical events adds nothing and updates nothing (``updated_at`` is kept); a
changed detection (new price, parameters or metadata) is updated in place. The scanner and
``load_events`` both write through here; events are read with ``HistoricalLoader.events`` /
``query_events``.

>>> with engine.begin() as conn:                                        # doctest: +SKIP
...     write_events(conn, get_pattern("Doji").detect(bars), symbol="AAPL", timeframe="1d")
WriteCounts(inserted=12, updated=0, unchanged=0)
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

import pandas as pd
from psycopg2.extras import execute_values
from sqlalchemy.engine import Connection

from ..errors import PatternError, ValidationError
from ..sqlfiles import query, raw
from ..timeframes import parse_timeframe
from ..types import DIRECTIONS, json_value

FAMILY = "queries/events"
PAGE_SIZE = 1000


def timeframe_name(timeframe: str) -> str:
    """The canonical name of ``timeframe`` (``5m`` -> ``5min``)."""
    return parse_timeframe(timeframe).name


@dataclass(frozen=True)
class WriteCounts:
    """What a write did: new rows, changed rows, rows already stored identically, and (for a
    re-scan) stored rows removed because the bars no longer show them."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def __add__(self, other: "WriteCounts") -> "WriteCounts":
        return WriteCounts(self.inserted + other.inserted, self.updated + other.updated,
                           self.unchanged + other.unchanged, self.removed + other.removed)


def utc_timestamp(value) -> pd.Timestamp:
    """A detection's timestamp in UTC (naive values, i.e. session dates, are read as UTC)."""
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def event_details(row: dict, *, symbol: str, timeframe: str, adjustment: str | None = None) -> dict:
    """The ``details`` JSON of one detection row (timestamp ISO-8601 UTC)."""
    metadata = {k: json_value(v) for k, v in dict(row.get("metadata") or {}).items()}
    metadata["adjustment"] = adjustment or "none"  # which bars the detection saw: none (raw), splits, all
    return {
        "pattern": row["pattern"],
        "symbol": symbol,
        "timestamp": utc_timestamp(row["timestamp"]).isoformat(),
        "price": json_value(row["price"]),
        "timeframe": timeframe,
        "direction": row["direction"],
        "parameters": {k: json_value(v) for k, v in dict(row.get("parameters") or {}).items()},
        "metadata": metadata,
    }


def write_events(conn: Connection, detections: pd.DataFrame, *, symbol: str, timeframe: str,
                 adjustment: str | None = None) -> WriteCounts:
    """Upsert one symbol's detections into ``events`` in batches; returns :class:`WriteCounts`.

    ``conn`` is an SQLAlchemy Connection: the caller owns the transaction (``engine.begin()``).
    ``adjustment`` (e.g. ``"split"``) names how the bars were adjusted and is recorded in
    ``details.metadata.adjustment``. Duplicate keys within ``detections`` keep the last row.
    Writing needs the ``tickstock_writer`` role (analysts can only read).
    """
    if detections is None or len(detections) == 0:
        return WriteCounts()
    missing = {"timestamp", "pattern", "direction", "price"} - set(detections.columns)
    if missing:
        raise ValidationError(f"detections are missing column(s) {', '.join(sorted(missing))}")
    tf = timeframe_name(timeframe)
    rows: dict[tuple, tuple] = {}
    for rec in detections.to_dict("records"):
        if rec["direction"] not in DIRECTIONS:
            raise PatternError(f"direction {rec['direction']!r} is not one of {DIRECTIONS}")
        details = event_details(rec, symbol=symbol, timeframe=tf, adjustment=adjustment)
        ts = details["timestamp"]
        price = details["price"]
        rows[(ts, rec["pattern"])] = (
            symbol, ts, rec["pattern"], tf, rec["direction"], None if price is None else repr(float(price)),
            json.dumps(details, sort_keys=True, allow_nan=False))
    values = list(rows.values())
    if not conn.in_transaction():  # driver-level work does not autobegin: begin as conn.execute() would
        conn.begin()
    driver = conn.connection.driver_connection
    assert driver is not None              # a live pooled connection
    cur = driver.cursor()
    try:
        returned = execute_values(cur, raw(FAMILY, "upsert_events"), values,
                                  template=raw(FAMILY, "upsert_events_template").strip(),
                                  page_size=PAGE_SIZE, fetch=True)
    finally:
        cur.close()
    inserted = sum(1 for (flag,) in returned if flag)
    updated = len(returned) - inserted
    return WriteCounts(inserted, updated, len(values) - len(returned))


def remove_stale_events(conn: Connection, detections: pd.DataFrame, *, symbol: str, timeframe: str,
                        patterns: Iterable[str], first, last) -> int:
    """Delete the stored events of ``symbol``/``timeframe``/``patterns`` on bars from ``first``
    to ``last`` (inclusive) that ``detections`` no longer holds, as when late or corrected data
    changed the bars; returns how many. The scanner calls it in the transaction of its write."""
    keep = detections if detections is not None else pd.DataFrame(columns=["timestamp", "pattern"])
    params = {"symbol": symbol, "timeframe": timeframe_name(timeframe), "patterns": list(patterns),
              "first": utc_timestamp(first).to_pydatetime(), "last": utc_timestamp(last).to_pydatetime(),
              "keep_ts": [utc_timestamp(t).to_pydatetime() for t in keep["timestamp"]],
              "keep_patterns": [str(p) for p in keep["pattern"]]}
    return conn.execute(query(FAMILY, "delete_stale_events"), params).rowcount
