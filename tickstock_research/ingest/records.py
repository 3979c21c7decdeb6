"""The record path of the load pipeline: reference data and events, row by row.

Ticks and bars stream through :mod:`.writers` in columnar batches (millions of rows). Symbols,
splits, dividends and events are small, so they take this path, which has the same stages,
the same sources and the same quarantine statement:

    sources (:func:`.sources.sources_of`)
      -> records (one reader for DataFrame, CSV, Parquet and JSON pages; CSV lines kept)
      -> checks (the target's ``check``: one verdict per row, the row to write or a reason)
      -> unknown symbols (registered, or quarantined as ``unknown_symbol``)
      -> quarantine (``queries/ingest quarantine_rows``) and write (the target's ``write``)
      -> :class:`.report.LoadReport`

Each source is one transaction: its valid rows and its quarantined rows land together or not
at all, so a failed load leaves whole sources only. A target is a :class:`RecordTarget`; the
loaders (:func:`~tickstock_research.ingest.load_symbols`, ``load_splits``, ``load_dividends``,
``load_events``) are each one target and a one-line call of :func:`load_records`.

>>> from tickstock_research.ingest.symbols import SYMBOLS
>>> load_records(SYMBOLS, "reference_tickers.json")
LoadReport(target='symbols', ...)
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..db.access import require
from ..db.engine import get_engine
from ..errors import LoadError, ValidationError
from ..sqlfiles import raw
from ..types import EngineOrURL, UnknownSymbolPolicy
from .csvread import csv_frame
from .report import LoadReport
from .sources import Source, SourceLike, read_json_records, sources_of
from .validate import is_missing
from .writers import require_schema

Q = "queries/ingest"

#: What a check says of one row: the row to write (and no reason), or no row and the reason.
Verdict = tuple[dict | None, str | None]


@dataclass(frozen=True)
class RecordTarget:
    """One table the record path loads.

    ``check`` gets the source's rows (columns lower-cased, aliases applied, a ``_line`` column
    with each row's line or position) and returns one :data:`Verdict` per row, in order.
    ``write`` gets the valid rows (each with its ``symbol``) and the source's column names, and
    returns how many rows it inserted (the rest were already present, changed or not).
    """

    name: str
    required: tuple[str, ...]
    check: Callable[[pd.DataFrame], list[Verdict]]
    write: Callable[[Connection, list[dict], frozenset[str]], int]
    aliases: Mapping[str, str] = field(default_factory=dict)
    formats: frozenset[str] = frozenset({"dataframe", "csv", "parquet", "json"})
    #: whether rows name symbols that must exist (the symbols table itself: no)
    needs_symbols: bool = True


def load_records(target: RecordTarget, source: SourceLike, *, engine_or_url: EngineOrURL = None,
                 unknown_symbols: UnknownSymbolPolicy = "register") -> LoadReport:
    """Load ``source`` (one input or a list) into ``target``; one transaction per source.

    Rows the target's check refuses, and with ``unknown_symbols="reject"`` rows of symbols not
    in ``symbols``, go to ``quarantine`` with their source, line and reason; the valid rows of
    the same source load. Writing needs the ``tickstock_writer`` role.
    """
    if unknown_symbols not in ("register", "reject"):
        raise ValidationError(f"unknown_symbols must be 'register' or 'reject'; got {unknown_symbols!r}")
    started = time.perf_counter()
    srcs = sources_of(source)
    report = LoadReport(target.name, [s.name for s in srcs])
    engine = get_engine(engine_or_url)
    require_schema(engine)
    require(engine, f"loading {target.name}", "writer")
    for src in srcs:
        frame = read_records(src, target)
        invalid: list[tuple[int, str, str]] = list(frame.attrs.get("invalid", []))
        given = frame.attrs["given"]
        verdicts = target.check(frame)
        if len(verdicts) != len(frame):  # pragma: no cover - a target's contract
            raise AssertionError(f"{target.name}: check gave {len(verdicts)} verdicts for {len(frame)} rows")
        lines = frame["_line"].to_numpy()
        kept = [i for i, (row, reason) in enumerate(verdicts) if reason is None and row is not None]
        rows: list[dict] = [row for i in kept if (row := verdicts[i][0]) is not None]
        bad = invalid + [(int(lines[i]), str(reason), raw_json(frame.iloc[i], given))
                         for i, (_, reason) in enumerate(verdicts) if reason is not None]
        report.rows_read += len(frame) + len(invalid)
        try:
            with engine.begin() as conn:
                if target.needs_symbols and rows:
                    rows, refused = _place_symbols(conn, rows, unknown_symbols)
                    bad += [(int(lines[kept[i]]), "unknown_symbol", raw_json(frame.iloc[kept[i]], given)) for i in refused]
                inserted = target.write(conn, rows, frozenset(frame.columns)) if rows else 0
                quarantine(conn, target.name, src, bad)
        except DBAPIError as exc:
            first = (str(exc.orig or exc).strip().splitlines() or [type(exc).__name__])[0]
            raise LoadError(f"{src.name}: loading {target.name} failed: {first}") from None
        report.inserted += inserted
        report.already_present += len(rows) - inserted
        for _, reason, _ in bad:
            report.reject(reason, 1)
    return report.finish(time.perf_counter() - started)


def read_records(src: Source, target: RecordTarget) -> pd.DataFrame:
    """The rows of one source as a frame: lower-cased column names, the target's aliases
    applied where the proper name is absent, a ``_line`` column (the CSV line, else the row's
    position from 1), and ``attrs["invalid"]`` for CSV records that do not split into fields."""
    if src.kind not in target.formats:
        raise ValidationError(f"{src.name}: {target.name} load from {', '.join(sorted(target.formats))}; "
                              f"got {src.kind}")
    if src.kind == "csv":
        frame = csv_frame(src.file, target.name)
    else:
        if src.kind == "dataframe":
            frame = src.data.copy()
        elif src.kind == "parquet":
            frame = pd.read_parquet(src.file)
        else:
            frame = read_json_records(src.file, what=target.name)
        frame["_line"] = np.arange(1, len(frame) + 1)
    invalid = frame.attrs.get("invalid", [])
    given = [str(c) for c in frame.columns]
    lowered = [c.strip().lower() for c in given]
    renamed = [target.aliases.get(c, c) if target.aliases.get(c) not in lowered else c for c in lowered]
    frame.columns = pd.Index(renamed)
    frame.attrs["invalid"] = invalid
    frame.attrs["given"] = dict(zip(renamed, given))     # the names the source used, for quarantine rows
    missing = [c for c in target.required if c not in frame.columns]
    if missing:
        raise ValidationError(f"{src.name}: missing column(s) {', '.join(missing)} for {target.name}; "
                              f"expected {', '.join(target.required)}")
    return frame.reset_index(drop=True)


def _place_symbols(conn: Connection, rows: list[dict], policy: UnknownSymbolPolicy) -> tuple[list[dict], list[int]]:
    """Register the rows' unknown symbols, or (``reject``) take their rows out; returns the
    rows to write and the positions of the refused ones."""
    wanted = sorted({r["symbol"] for r in rows})
    known = set(conn.exec_driver_sql(raw(Q, "symbols_among"), {"symbols": wanted}).scalars())
    unknown = [s for s in wanted if s not in known]
    if not unknown:
        return rows, []
    if policy == "register":
        conn.exec_driver_sql(raw(Q, "register_symbols"), {"symbols": unknown})
        return rows, []
    refused = [i for i, r in enumerate(rows) if r["symbol"] not in known]
    return [r for r in rows if r["symbol"] in known], refused


def quarantine(conn: Connection, target: str, src: Source, bad: list[tuple[int, str, str]]) -> None:
    """Store refused rows ``(line, reason, raw JSON)`` of ``src`` in ``quarantine`` (once each)."""
    if not bad:
        return
    lines, reasons, raws = (list(x) for x in zip(*bad))
    conn.exec_driver_sql(raw(Q, "quarantine_rows"), {"target": target, "source": src.name, "source_key": src.key,
                                                    "lines": lines, "reasons": reasons, "raws": raws})


def raw_json(row: pd.Series, given: Mapping[str, str]) -> str:
    """A row as it was read, under the source's own column names, as the quarantine's JSON
    (missing values null; jsonb holds no NUL, so a NUL is written ``\\x00``)."""
    return json.dumps({given.get(str(k), str(k)): _jsonable(v) for k, v in row.items() if k != "_line"},
                      default=str)


def _jsonable(value):
    if isinstance(value, str):
        return None if is_missing(value) else value.replace("\x00", "\\x00")
    if isinstance(value, (list, dict)):
        return value
    if is_missing(value) or (not isinstance(value, (bool, np.bool_)) and pd.isna(value)):
        return None
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    return value if isinstance(value, (int, float, bool)) else str(value)


def per_row(check: Callable[[dict], Verdict]) -> Callable[[pd.DataFrame], list[Verdict]]:
    """A frame check from a check of one record (a dict; missing values are None)."""
    def run(frame: pd.DataFrame) -> list[Verdict]:
        fields = [c for c in frame.columns if c != "_line"]
        return [check({k: (None if _absent(x) else x) for k, x in rec.items()})
                for rec in frame[fields].to_dict("records")]
    return run


def _absent(value) -> bool:
    if isinstance(value, (list, dict, np.ndarray)):
        return False
    return is_missing(value) or value is pd.NA or value is pd.NaT
