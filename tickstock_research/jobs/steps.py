"""The pipeline's steps, each calling one area of the kit and degrading when it is missing.

Why: the nightly job and the notebooks call ingest, aggregation, scanning, audit and
maintenance through these wrappers, so one missing or failing area becomes one clear line in
the report ("not available yet", or the error) instead of a crash of the whole job, and every
step's outcome has the same shape (:class:`StepResult`) for the run record and the report.

>>> r = aggregate(engine, start="2025-01-02", end="2025-01-03")   # doctest: +SKIP
>>> r.status, r.summary                                           # doctest: +SKIP
('ok', '1,170 minute bars, 3 daily bars, 0 gap(s)')
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib
import inspect
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

import pandas as pd

from ..db.url import redact
from ..errors import TickstockError

log = logging.getLogger(__name__)

StepStatus = Literal["ok", "skipped", "unavailable", "failed"]


@dataclass
class StepResult:
    """One step's outcome: ``status`` ok|skipped|unavailable|failed, a one-line summary, and
    JSON-able details (load reports, gap rows, counts) for the report."""

    name: str
    status: StepStatus
    summary: str
    details: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "skipped", "unavailable")

    def to_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "summary": self.summary,
                "details": self.details, "seconds": round(self.seconds, 3)}

    def __str__(self) -> str:
        return f"{self.name:<12} {self.status:<11} {self.summary} ({self.seconds:.1f}s)"

    def _repr_html_(self) -> str:
        from html import escape

        return (f"<p><b>{escape(self.name)}</b>: <code>{escape(self.status)}</code> "
                f"{escape(self.summary)} <small>({self.seconds:.1f}s)</small></p>")


def optional(module: str):
    """Import ``tickstock_research.<module>``, or None if that area has not landed yet."""
    name = f"tickstock_research.{module}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise


def call(func: Callable, *args, **kwargs):
    """Call ``func`` with only the keyword arguments its signature accepts (the areas' APIs are
    still settling; unknown optional arguments are dropped rather than failing)."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return func(*args, **kwargs)
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return func(*args, **kwargs)
    return func(*args, **{k: v for k, v in kwargs.items() if k in params})


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


def _unavailable(name: str, module: str) -> StepResult:
    return StepResult(name, "unavailable", f"not available yet (tickstock_research.{module} is not installed)")


def _num(obj: Any, *names: str, default=0):
    for n in names:
        v = obj.get(n) if isinstance(obj, dict) else getattr(obj, n, None)
        if v is not None:
            return v
    return default


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
        ingest = optional("ingest")
        if ingest is None:
            return _unavailable("ingest", "ingest")
        from ..sqlfiles import query
        from .dropfolder import file_date

        loads, skipped = [], []
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
                func = ingest.load_symbols if kind == "tickers" else ingest.load_ticks
                report = call(func, path, engine, progress=False)
                entry = {"file": path.name, "kind": kind, **_load_numbers(report)}
                loads.append(entry)
                with engine.begin() as conn:
                    conn.execute(query("queries/jobs", "record_file"), {
                        "name": path.name, "sha256": digest, "bytes": path.stat().st_size,
                        "session_date": file_date(path), "kind": kind, "report": json.dumps(jsonable(entry))})
        rows = sum(int(e.get("inserted") or 0) for e in loads if e["kind"] == "trades")
        summary = (f"{len(loads)} file(s) loaded, {rows:,} trade(s) inserted"
                   + (f"; {len(skipped)} file(s) already loaded earlier" if skipped else ""))
        return StepResult("ingest", "ok", summary, {"loads": loads, "already_loaded": skipped})
    return _run("ingest", body)


def _load_numbers(report: Any) -> dict:
    """The common numbers of a LoadReport, whatever its exact shape."""
    data = jsonable(report)
    if not isinstance(data, dict):
        return {"report": data}
    keep = {}
    for k, v in data.items():
        if isinstance(v, (int, float, str, bool)) or v is None or k in ("rejected", "rejected_by_reason"):
            keep[k] = v
    return keep


# ---------------------------------------------------------------------------------------------- aggregate

#: How long the nightly job waits for a rollup started by another job (seconds).
ROLLUP_WAIT_S = 1800.0


def aggregate(engine, start=None, end=None, symbols: Sequence[str] | None = None) -> StepResult:
    """Incremental rollup (ticks -> 1-minute -> daily bars) and its gap findings."""
    def body() -> StepResult:
        agg = optional("aggregate")
        if agg is None or not hasattr(agg, "run_rollup"):
            return _unavailable("aggregate", "aggregate")
        # another night's job may be aggregating: wait for it (the rollup is incremental, so the
        # second run then has little left to do) rather than fail the step
        report = call(agg.run_rollup, engine, start=start, end=end, symbols=list(symbols) if symbols else None,
                      wait=ROLLUP_WAIT_S)
        data = jsonable(report)
        gaps = getattr(report, "gaps", None)
        n_gaps = len(gaps) if gaps is not None else 0
        parts = []
        for label, key in (("minute", "minutes"), ("daily", "daily")):
            b = getattr(report, key, None)
            if b is not None:
                parts.append(f"{label} bars: {int(getattr(b, 'bars', 0)):,} built, {int(getattr(b, 'written', 0)):,} written")
        status = str(getattr(report, "status", "ok"))
        summary = "; ".join(parts + [f"{n_gaps} gap finding(s)"])
        if status not in ("ok", "done", "success"):
            return StepResult("aggregate", "failed", f"rollup status {status}: {getattr(report, 'error', '')}; "
                              + summary, {"report": data})
        return StepResult("aggregate", "ok", summary, {"report": data})
    return _run("aggregate", body)


# ---------------------------------------------------------------------------------------------- scan

def scan(engine, symbols: Sequence[str] | None, start, end, timeframes: Sequence[str] = ("1d",),
         patterns: Sequence[str] | None = None, client=None) -> StepResult:
    """Scan the patterns over [start, end] for each timeframe; events are recorded idempotently.
    ``client``: a Dask client (symbol groups run on its workers), or None for in-process."""
    def body() -> StepResult:
        events = optional("events")
        if events is None or not hasattr(events, "scan"):
            return _unavailable("scan", "events")
        reports, lines = {}, []
        wanted = list(symbols) if symbols else _all_symbols(engine)
        if not wanted:
            return StepResult("scan", "skipped", "no symbols in the database")
        for tf in timeframes:
            report = call(events.scan, wanted, patterns=list(patterns) if patterns else None,
                          timeframe=tf, start=start, end=end, engine_or_url=engine, client=client)
            reports[tf] = jsonable(report)
            found = _num(report, "detections", "events", "found", "events_found")
            inserted = _num(report, "inserted", "events_inserted", "new")
            lines.append(f"{tf}: {found if not isinstance(found, (list, dict)) else len(found)} detection(s), "
                         f"{inserted if not isinstance(inserted, (list, dict)) else len(inserted)} new")
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

        report = run_maintenance(engine)
        return StepResult("maintenance", "ok", f"tier {report.tier}: " + "; ".join(report.actions),
                          {"tier": report.tier, "actions": list(report.actions)})
    return _run("maintenance", body)


# ---------------------------------------------------------------------------------------------- helpers

def split(text: str | Sequence[str] | None) -> list[str] | None:
    """'A, B C' -> ['A', 'B', 'C']; empty -> None (meaning all)."""
    if text is None:
        return None
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    return [i.strip() for i in items if i and i.strip()] or None


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
