"""The pipeline's steps: ingest, aggregation, scanning and maintenance, each one call into its area.

Why: the nightly job runs the areas through these wrappers (the notebooks call the plain API
and let failures raise), so a failing step becomes one clear line in the report (its error, password redacted) instead of a crash of
the whole job, and every step's outcome has the same shape (:class:`StepResult`) for the run
record and the report.

>>> r = aggregate(engine, start="2025-01-02", end="2025-01-03")   # doctest: +SKIP
>>> r.status, r.summary                                           # doctest: +SKIP
('ok', '1,170 minute bars, 3 daily bars, 0 gap(s)')
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

import pandas as pd

from ..db.url import redact
from ..errors import LoadError, TickstockError, ValidationError
from ..symbols import split_names

log = logging.getLogger(__name__)

StepStatus = Literal["ok", "skipped", "warning", "failed"]


@dataclass
class StepResult:
    """One step's outcome: ``status`` ok|skipped|warning|failed (a warning does not fail the
    job), a one-line summary, and JSON-able details (load reports, gap rows, counts) for the report."""

    name: str
    status: StepStatus
    summary: str
    details: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "skipped", "warning")

    def to_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "summary": self.summary,
                "details": self.details, "seconds": round(self.seconds, 3)}

    def __str__(self) -> str:
        return f"{self.name:<12} {self.status:<11} {self.summary} ({self.seconds:.1f}s)"

    def __repr__(self) -> str:      # one line: the details (load reports, gap rows) are in .details
        return f"StepResult({self.name}: {self.status}, {self.summary} ({self.seconds:.1f}s))"

    def _repr_html_(self) -> str:
        from html import escape

        return (f"<p><b>{escape(self.name)}</b>: <code>{escape(self.status)}</code> "
                f"{escape(self.summary)} <small>({self.seconds:.1f}s)</small></p>")


def jsonable(obj: Any, depth: int = 0) -> Any:
    """A JSON-friendly copy of a report object (dataclass, mapping, DataFrame, timestamps)."""
    if depth > 6:
        return str(obj)
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if obj == obj and abs(obj) != float("inf") else None
    if isinstance(obj, pd.DataFrame):
        return {"__frame__": True, "columns": [str(c) for c in obj.columns],
                "rows": [[jsonable(v, depth + 1) for v in row] for row in obj.head(500).itertuples(index=False)],
                "total_rows": int(len(obj))}
    if isinstance(obj, pd.Series):
        return {str(k): jsonable(v, depth + 1) for k, v in obj.head(500).items()}
    if isinstance(obj, (pd.Timestamp, dt.datetime, dt.date, dt.time)):
        return obj.isoformat()
    if isinstance(obj, (dt.timedelta, pd.Timedelta)):
        return pd.Timedelta(obj).total_seconds()
    if isinstance(obj, Path):
        return obj.name
    if hasattr(obj, "item") and callable(obj.item):
        try:
            return jsonable(obj.item(), depth + 1)
        except (ValueError, TypeError):
            pass
    if hasattr(obj, "to_dict") and callable(obj.to_dict) and not isinstance(obj, type):
        try:
            return jsonable(obj.to_dict(), depth + 1)
        except TypeError:
            pass
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v, depth + 1) for v in obj]
    return redact(str(obj))


def frame_of(value: Any) -> pd.DataFrame:
    """Turn the JSON form written by :func:`jsonable` back into a DataFrame."""
    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, dict) and value.get("__frame__"):
        return pd.DataFrame(value["rows"], columns=value["columns"])
    if isinstance(value, list):
        return pd.DataFrame(value)
    return pd.DataFrame()


def _run(name: str, body: Callable[[], StepResult]) -> StepResult:
    t0 = time.perf_counter()
    try:
        result = body()
    except Exception as exc:  # noqa: BLE001 - a step's failure is reported, the job decides
        if isinstance(exc, TickstockError):   # an expected failure (bad input, server gone): one line
            log.error("step %s failed: %s", name, redact(exc))
            log.debug("step %s failed", name, exc_info=True)
        else:
            log.exception("step %s failed", name)
        result = StepResult(name, "failed", redact(f"{type(exc).__name__}: {exc}"))
    result.seconds = time.perf_counter() - t0
    log.info("%s", result)
    return result


# ---------------------------------------------------------------------------------------------- ingest

def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ingest_files(engine, trade_files: Sequence[Path], ticker_files: Sequence[Path] = (),
                 skip_loaded: bool = True) -> StepResult:
    """Load reference-ticker JSON files, then trade files, through the ingest area.

    With ``skip_loaded`` a file whose name and content digest are recorded in ``job_files``
    is not read again (its earlier load report is shown); a changed or new file is loaded
    (ingest itself stores each distinct trade once, so a re-load is always safe).
    """
    ticker_files = list(ticker_files) + [p for p in trade_files if Path(p).suffix == ".json"]
    trade_files = [Path(p) for p in trade_files if Path(p).suffix != ".json"]
    ticker_files = [Path(p) for p in ticker_files]

    def body() -> StepResult:
        if not trade_files and not ticker_files:
            return StepResult("ingest", "skipped", "no files in the drop folder for this date")
        from ..ingest import close_interrupted_loads, load_symbols, load_ticks
        from ..sqlfiles import query
        from .dropfolder import file_date

        close_interrupted_loads(engine_or_url=engine)     # a load cut off by a crash last night

        loads, skipped, failed = [], [], []
        for kind, paths in (("tickers", ticker_files), ("trades", trade_files)):
            for path in paths:
                digest = file_digest(path)
                with engine.connect() as conn:
                    seen = conn.execute(query("queries/jobs", "file_loaded"),
                                        {"name": path.name, "sha256": digest}).mappings().first()
                if seen is not None and skip_loaded:
                    skipped.append({"file": path.name, "kind": kind, "loaded_at": seen["loaded_at"].isoformat(),
                                    **(seen["report"] or {})})
                    continue
                try:
                    report = load_symbols(path, engine_or_url=engine) if kind == "tickers" else load_ticks(path, engine_or_url=engine,
                                                                                              progress=False)
                except (ValidationError, LoadError) as exc:
                    # this file is marked failed (and not recorded, so the next run retries it);
                    # the catch-up goes on with the later days
                    log.error("ingest of %s failed: %s", path.name, redact(exc))
                    failed.append({"file": path.name, "kind": kind, "status": "failed", "error": redact(str(exc))})
                    continue
                entry = {"file": path.name, "kind": kind, **_load_numbers(report)}
                loads.append(entry)
                with engine.begin() as conn:
                    conn.execute(query("queries/jobs", "record_file"), {
                        "name": path.name, "sha256": digest, "bytes": path.stat().st_size,
                        "session_date": file_date(path), "kind": kind, "report": json.dumps(jsonable(entry))})
        rows = sum(int(e.get("inserted") or 0) for e in loads if e["kind"] == "trades")
        summary = (f"{len(loads)} file(s) loaded, {rows:,} trade(s) inserted"
                   + (f"; {len(skipped)} file(s) already loaded earlier" if skipped else ""))
        details = {"loads": loads, "already_loaded": skipped, "failed": failed}
        if failed:
            summary += f"; {len(failed)} file(s) failed: " + "; ".join(f["error"] for f in failed)
            return StepResult("ingest", "failed", summary, details)
        return StepResult("ingest", "ok", summary, details)
    return _run("ingest", body)


def _load_numbers(report) -> dict:
    """A LoadReport's numbers for the report table (its source list is the row's file)."""
    return {k: v for k, v in report.to_dict().items() if k != "sources"}


# ---------------------------------------------------------------------------------------------- aggregate

#: How long the nightly job waits for a rollup started by another job (seconds).
ROLLUP_WAIT_S = 1800.0


def aggregate(engine, start=None, end=None, symbols: Sequence[str] | None = None) -> StepResult:
    """Incremental rollup (ticks -> 1-minute -> daily bars) and its gap findings."""
    def body() -> StepResult:
        from ..aggregate import run_rollup

        # another night's job may be aggregating: wait for it (the rollup is incremental, so the
        # second run then has little left to do) rather than fail the step. A failed rollup
        # raises (and has recorded its run as failed); ``_run`` turns that into the step's error.
        report = run_rollup(engine_or_url=engine, start=start, end=end, symbols=list(symbols) if symbols else None,
                            wait=ROLLUP_WAIT_S)
        summary = "; ".join([f"{label} bars: {b.bars:,} built, {b.written:,} written"
                             for label, b in (("minute", report.minutes), ("daily", report.daily))]
                            + [f"{len(report.gaps)} gap finding(s)"])
        return StepResult("aggregate", "ok", summary, {"report": jsonable(report)})
    return _run("aggregate", body)


# ---------------------------------------------------------------------------------------------- scan

def scan(engine, symbols: Sequence[str] | None, start, end, timeframes: Sequence[str] = ("1d",),
         patterns: Sequence[str] | None = None, client=None) -> StepResult:
    """Scan the patterns over [start, end] for each timeframe; events are recorded idempotently.
    ``client``: a Dask client (symbol groups run on its workers), or None for in-process."""
    def body() -> StepResult:
        from ..events import scan as scan_patterns

        reports, lines = {}, []
        wanted = list(symbols) if symbols else _all_symbols(engine)
        if not wanted:
            return StepResult("scan", "skipped", "no symbols in the database")
        for tf in timeframes:
            report = scan_patterns(wanted, patterns=list(patterns) if patterns else None, timeframe=tf,
                                   start=start, end=end, engine_or_url=engine, client=client)
            reports[tf] = jsonable(report)
            lines.append(f"{tf}: {report.detections} detection(s), {report.inserted} new"
                         + (f", {report.removed} removed" if report.removed else ""))
        return StepResult("scan", "ok", "; ".join(lines), {"reports": reports})
    return _run("scan", body)


def _all_symbols(engine) -> list[str]:
    from ..sqlfiles import query

    with engine.connect() as conn:
        return [r.symbol for r in conn.execute(query("queries/jobs", "symbol_list"))]


# ---------------------------------------------------------------------------------------------- maintenance

def maintenance(engine) -> StepResult:
    def body() -> StepResult:
        from ..schema import run_maintenance

        report = run_maintenance(engine_or_url=engine)
        return StepResult("maintenance", "ok", f"tier {report.tier}: " + "; ".join(report.actions),
                          {"tier": report.tier, "actions": list(report.actions)})
    return _run("maintenance", body)


# ---------------------------------------------------------------------------------------------- helpers

def split(text: str | Sequence[str] | None) -> list[str] | None:
    """'A, B C' -> ['A', 'B', 'C']; empty -> None (meaning all): the shared rule of
    :func:`..symbols.split_names` (symbols then go through :func:`..symbols.parse_symbols`)."""
    return split_names(text)


def source_files(source: str | Path | None) -> list[Path]:
    """A file, or the data files of a folder (``.csv``, ``.csv.gz``, ``.parquet``, ``.json``)."""
    if not source:
        return []
    path = Path(source)
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and
                      (p.name.endswith((".csv", ".csv.gz", ".parquet", ".json"))))
    from ..errors import ConfigurationError

    raise ConfigurationError(f"{path} is neither a file nor a folder")
