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
import time

import pandas as pd
import sqlalchemy as sa

from ..db.access import require
from ..db.engine import get_engine
from ..errors import UnknownTimeframeError, ValidationError
from ..sqlfiles import raw
from ..timeframes import parse_timeframe
from ..types import DIRECTIONS, EngineOrURL, UnknownSymbolPolicy
from .csvread import csv_frame
from .event_store import write_events
from .report import LoadReport
from .sources import Source, SourceLike, sources_of
from .validate import SYMBOL_MAX, is_missing
from .writers import require_schema

Q = "queries/ingest"
REQUIRED = ["symbol", "timestamp", "pattern", "timeframe", "direction", "price"]
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
    if unknown_symbols not in ("register", "reject"):
        raise ValidationError(f"unknown_symbols must be 'register' or 'reject'; got {unknown_symbols!r}")
    started = time.perf_counter()
    srcs = sources_of(source)
    report = LoadReport("events", [s.name for s in srcs])
    engine = get_engine(engine_or_url)
    require_schema(engine)
    require(engine, "loading events", "writer")
    for src in srcs:
        frame = _read(src)
        invalid = frame.attrs.get("invalid", [])
        lines_of = frame.pop("_line").tolist() if "_line" in frame.columns else list(range(1, len(frame) + 1))
        with engine.begin() as conn:
            known = set(conn.execute(sa.text(raw(Q, "known_symbols"))).scalars())
            good, bad = [], list(invalid)
            for reason in (r[1] for r in invalid):
                report.reject(reason, 1)
            for line, rec in zip(lines_of, frame.to_dict("records")):
                row, reason = _check(rec, known, unknown_symbols)
                if reason:
                    bad.append((int(line), reason, json.dumps({k: _text(v) for k, v in rec.items()})))
                    report.reject(reason, 1)
                else:
                    assert row is not None          # _check returns a row exactly when it finds no reason
                    good.append(row)
            report.rows_read += len(frame) + len(invalid)
            new = sorted({r["symbol"] for r in good} - known)
            if new:
                conn.exec_driver_sql(raw(Q, "register_symbols"), {"symbols": new})
            inserted = _write(conn, good)
            report.inserted += inserted
            report.already_present += len(good) - inserted
            if bad:
                lines, reasons, raws = (list(x) for x in zip(*bad))
                conn.exec_driver_sql(raw(Q, "quarantine_rows"), {
                    "target": "events", "source": src.name, "source_key": src.key,
                    "lines": lines, "reasons": reasons, "raws": raws})
    return report.finish(time.perf_counter() - started)


def _read(src: Source) -> pd.DataFrame:
    if src.kind == "dataframe":
        frame = src.data
    elif src.kind == "parquet":
        frame = pd.read_parquet(src.file)
    elif src.kind == "csv":
        frame = csv_frame(src.file, "events")
    else:
        raise ValidationError(f"{src.name}: events load from CSV, Parquet or a DataFrame; got {src.kind}")
    frame = frame.rename(columns=lambda c: str(c).strip().lower())
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ValidationError(f"{src.name}: missing column(s) {', '.join(missing)}; "
                              f"expected {', '.join(REQUIRED)} (and optionally details)")
    return frame


def _check(rec: dict, known: set[str], policy: str) -> tuple[dict | None, str | None]:
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
    if symbol not in known and policy == "reject":
        return None, "unknown_symbol"
    adjustment = metadata.pop("adjustment", None)
    return {"symbol": symbol, "timeframe": timeframe, "adjustment": None if adjustment in (None, "none") else adjustment,
            "timestamp": ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC"),
            "pattern": pattern, "direction": direction, "price": price,
            "parameters": parameters, "metadata": metadata}, None


def _write(conn, rows: list[dict]) -> int:
    """Upsert the rows with the scanner's writer, one call per (symbol, timeframe, adjustment)."""
    if not rows:
        return 0
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


def _text(value):
    if isinstance(value, str):
        return None if is_missing(value) else value.replace("\x00", "\\x00")   # jsonb holds no NUL
    return None if is_missing(value) else (value if isinstance(value, (int, float, bool, dict, list)) else str(value))
