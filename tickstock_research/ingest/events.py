"""``load_events``: pattern events from files or DataFrames into ``events``, exactly once.

For detections made elsewhere (another system, a colleague's notebook) and for exports of this
kit's own events (``tickstock events list --csv``), which load back unchanged. Events are few
next to ticks, so rows are checked one by one; each source is written in one transaction with
its quarantined rows, through the scanner's own writer (:func:`~tickstock_research.events.write_events`),
so a re-load inserts nothing and updates nothing that did not change.

Columns: ``symbol``, ``timestamp`` (ISO-8601 or tz-aware; naive values are UTC), ``pattern``,
``timeframe`` (1d, 1min, 5min, ...), ``direction`` (long, short, bullish, bearish, neutral),
``price``; optionally ``details`` (the JSON object of an export: its ``parameters`` and
``metadata`` are kept, ``metadata.adjustment`` included), or ``parameters`` / ``metadata``
columns of JSON objects.

>>> load_events("events_2024.csv")   # doctest: +SKIP
"""
from __future__ import annotations

import json
import math

import pandas as pd
from sqlalchemy.engine import Connection

from ..errors import UnknownTimeframeError
from ..timeframes import parse_timeframe
from ..types import DIRECTIONS, EngineOrURL, UnknownSymbolPolicy
from .event_store import write_events
from .records import RecordTarget, Verdict, load_records, per_row
from .report import LoadReport
from .sources import SourceLike
from .validate import SYMBOL_MAX, is_missing

REQUIRED = ("symbol", "timestamp", "pattern", "timeframe", "direction", "price")
PATTERN_MAX = 50


def load_events(source: SourceLike, *, engine_or_url: EngineOrURL = None,
                unknown_symbols: UnknownSymbolPolicy = "register") -> LoadReport:
    """Load pattern events into ``events`` from a DataFrame, CSV or Parquet file(s).

    Rows with a missing or unparsable field, a direction or timeframe the kit does not know, a
    non-positive price, or (with ``unknown_symbols="reject"``) an unknown symbol go to
    ``quarantine`` with their file, line and reason; the valid rows of the same source load.
    ``already_present`` counts rows stored before (unchanged, or updated where they differed).
    Writing needs the ``tickstock_writer`` role.
    """
    return load_records(EVENTS, source, engine_or_url=engine_or_url, unknown_symbols=unknown_symbols)


def _check(rec: dict) -> Verdict:
    """The row ready for the writer, or the quarantine reason of its first problem."""
    if any(is_missing(rec.get(c)) for c in REQUIRED):
        return None, "missing_value"
    if any(isinstance(v, str) and "\x00" in v for v in rec.values()):
        return None, "nul_byte"
    symbol, pattern = str(rec["symbol"]).strip(), str(rec["pattern"]).strip()
    if len(symbol) > SYMBOL_MAX:
        return None, "symbol_too_long"
    if len(pattern) > PATTERN_MAX:
        return None, "pattern_too_long"
    direction = str(rec["direction"]).strip()
    if direction not in DIRECTIONS:
        return None, "unknown_direction"
    try:
        timeframe = parse_timeframe(str(rec["timeframe"]).strip()).name
    except UnknownTimeframeError:
        return None, "unknown_timeframe"
    try:
        ts = pd.Timestamp(rec["timestamp"])
        price = float(rec["price"])
    except (ValueError, TypeError):
        return None, "unparsable"
    if ts is pd.NaT or not math.isfinite(price):
        return None, "unparsable" if ts is pd.NaT else "not_finite"
    if ts.tzinfo is None and isinstance(rec["timestamp"], str) and ":" in rec["timestamp"]:
        return None, "timestamp_without_zone"     # naive date-time text is never taken as UTC
    if price <= 0:
        return None, "non_positive_price"
    details = _json_object(rec.get("details"))
    parameters, metadata = _json_object(rec.get("parameters")), _json_object(rec.get("metadata"))
    if details is False or parameters is False or metadata is False:
        return None, "unparsable"
    details = details or {}
    parameters = parameters or details.get("parameters") or {}
    metadata = dict(metadata or details.get("metadata") or {})
    adjustment = metadata.pop("adjustment", None)
    return {"symbol": symbol, "timeframe": timeframe, "adjustment": None if adjustment in (None, "none") else adjustment,
            "timestamp": ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC"),
            "pattern": pattern, "direction": direction, "price": price,
            "parameters": parameters, "metadata": metadata}, None


def _write(conn: Connection, rows: list[dict], columns: frozenset[str]) -> int:
    """Upsert the rows with the scanner's writer, one call per (symbol, timeframe, adjustment)."""
    frame = pd.DataFrame(rows)
    inserted = 0
    for (symbol, timeframe, adjustment), group in frame.groupby(
            ["symbol", "timeframe", frame["adjustment"].fillna("none")], sort=True):
        counts = write_events(conn, group, symbol=symbol, timeframe=timeframe,
                              adjustment=None if adjustment == "none" else adjustment)
        inserted += counts.inserted
    return inserted


def _json_object(value):
    """A dict from a dict or JSON object text; None when absent; False when not an object."""
    if is_missing(value):
        return None
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return False
    return parsed if isinstance(parsed, dict) else False


EVENTS = RecordTarget("events", REQUIRED, per_row(_check), _write,
                      formats=frozenset({"dataframe", "csv", "parquet"}))
