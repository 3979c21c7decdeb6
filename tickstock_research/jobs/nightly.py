"""The nightly job, the kit's main job: ingest, aggregate, scan, maintain, report.

For a session date D (default: the last completed XNYS session):

1. take the kit's lock for D (a row lock only writers can take; a second run for D exits with
   JobLockedError);
2. ingest the drop folder's trade files for D, and every earlier dated file not loaded yet
   (missed nights and late files are picked up; files already loaded with the same content are
   skipped, recorded in ``job_files``), plus reference-ticker JSON pages;
3. aggregate incrementally (the aggregation area's watermarked rollup) and collect its gaps;
4. scan the patterns over the sessions up to D (events are recorded idempotently);
5. run maintenance (retention, compression report);
6. execute ``notebooks/nightly_report.ipynb`` with papermill into ``reports/D/nightly.ipynb``
   and export ``reports/D/nightly.html`` (inputs hidden, interactive plotly, offline).

Running it again for D does the same work on the same data and rewrites the same report: the
database gains nothing. Each run is recorded in ``job_runs``. A failed step is reported (in the
result, the run record and the report) and makes the run ``failed``; a failing notebook cell
keeps the failed notebook, logs the cell and error and raises :class:`NotebookCellError`.

>>> result = run_nightly("2025-12-12", drop_folder="drop")   # doctest: +SKIP
>>> print(result.html)                                       # doctest: +SKIP
reports/2025-12-12/nightly.html
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd
import sqlalchemy as sa

from ..db.access import require
from ..db.engine import get_engine
from ..db.locks import hold_lock
from ..db.url import display_url, redact
from ..distributed import ENV_SCHEDULER, resolve_client
from ..errors import JobError, JobLockedError, NotebookCellError, SchemaVersionError
from ..schema.migrate import check_schema
from ..sessions import is_session, sessions, to_date
from ..sqlfiles import query
from ..symbols import parse_symbols
from ..types import EngineOrURL, TimestampLike
from . import steps as st
from .dropfolder import check_drop_folder, find_files
from .quality import drop_folder_check

log = logging.getLogger(__name__)

JOB = "nightly"
#: Sessions of history the scan covers, so window patterns (50 bars) see enough bars.
LOOKBACK_SESSIONS = 120


@dataclass
class NightlyResult:
    """What a nightly run did: per-step results, the report paths and the final status."""

    date: dt.date
    status: str                      # ok | failed | skipped
    steps: list[st.StepResult] = field(default_factory=list)
    notebook: Path | None = None
    html: Path | None = None
    summary_path: Path | None = None
    run_id: int | None = None
    seconds: float = 0.0
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "skipped")

    def __str__(self) -> str:
        lines = [f"nightly {self.date}: {self.status} in {self.seconds:.1f}s" + (f" - {self.message}" if self.message else "")]
        lines += [f"  {s}" for s in self.steps]
        if self.html:
            lines.append(f"  report: {self.html}")
        return "\n".join(lines)


def default_date(now: TimestampLike | None = None) -> dt.date:
    """The last XNYS session whose post-market has closed (today after 20:00 New York)."""
    now_ts = pd.Timestamp(now) if now is not None else pd.Timestamp.now(tz="UTC")
    now_ts = now_ts.tz_localize("UTC") if now_ts.tzinfo is None else now_ts
    s = sessions(now_ts.date() - dt.timedelta(days=12), now_ts.date())
    done = s[s["extended_close"] <= now_ts]
    return done.index[-1]


def lock_name(day: dt.date) -> str:
    """The name of the nightly job's lock for session date ``day`` (see :mod:`..db.locks`)."""
    return f"nightly:{day.isoformat()}"


def run_nightly(date: TimestampLike | None = None, symbols: Sequence[str] | str | None = None,
                *, engine_or_url: EngineOrURL = None, drop_folder: str | Path | None = None,
                reports_dir: str | Path = "reports", environ: Mapping[str, str] | None = None,
                catch_up: bool = True, report: bool = True, notebook: str | Path | None = None,
                timeframes: Sequence[str] = ("1d",), lookback_sessions: int = LOOKBACK_SESSIONS,
                timeout: int = 900, client=None, expect_files: bool = False) -> NightlyResult:
    """Run the nightly job for one session date (see the module docstring).

    ``symbols`` limits aggregation, scan and report (ingest always loads whole files).
    ``report=False`` skips the notebook (catch-up nights in the demo). ``notebook`` replaces
    the report notebook. Raises JobLockedError if a run for the same date is in progress,
    NotebookCellError if a report cell fails.

    ``client``: a ``dask.distributed`` Client or scheduler address (default
    ``TICKSTOCK_DASK_SCHEDULER`` in ``environ``): the scan step and the report's audit then run
    symbol groups on its workers; aggregation always runs in the database.

    No trade file for the date in the drop folder is a warning step; with ``expect_files`` it
    fails the job.
    """
    t0 = time.perf_counter()
    check_drop_folder(drop_folder)
    day = to_date(date) if date is not None else default_date()
    syms = parse_symbols(symbols)
    engine = get_engine(engine_or_url, environ=environ)
    result = NightlyResult(day, "ok")
    require(engine, "the nightly job", "writer")
    if not is_session(day):
        result.status, result.message = "skipped", f"{day} is not an XNYS trading day; nothing to do"
        log.info(result.message)
        return result

    with engine.connect() as conn:
        _check_ready(conn)
    busy = f"the nightly job for {day} is already running{{who}}; this run exits without changes"
    with hold_lock(engine, lock_name(day), busy=busy):
        _run_locked(result, engine, syms, drop_folder, Path(reports_dir), environ, catch_up, report,
                    notebook, timeframes, lookback_sessions, timeout, t0, resolve_client(client, environ),
                    expect_files)
    return result


def _check_ready(conn: sa.Connection) -> None:
    check_schema(conn)
    if not conn.execute(sa.text("SELECT to_regclass('job_runs') IS NOT NULL")).scalar():
        raise SchemaVersionError("the database schema has no job tables; run `tickstock db init` to upgrade it")
    conn.rollback()


def _run_locked(result: NightlyResult, engine, syms, drop_folder, reports_dir: Path, environ, catch_up, report,
                notebook, timeframes, lookback_sessions, timeout, t0, dask_client=None, expect_files=False) -> None:
    day = result.date
    with engine.begin() as conn:
        conn.execute(query("queries/jobs", "close_stale_runs"), {"job": JOB, "run_date": day})
        result.run_id = conn.execute(query("queries/jobs", "start_run"), {"job": JOB, "run_date": day}).scalar()
    error = None
    try:
        files = find_files(drop_folder, day, catch_up=catch_up)
        result.steps.append(drop_folder_check(drop_folder, day, files.trades, expect_files))
        result.steps.append(st.ingest_files(engine, files.trades, files.tickers))
        result.steps.append(st.aggregate(engine, symbols=syms))
        result.steps.append(st.scan(engine, syms, _scan_start(day, lookback_sessions), day,
                                    timeframes=timeframes, client=dask_client))
        result.steps.append(st.maintenance(engine))
        failed = [s.name for s in result.steps if not s.ok]
        if failed:
            result.status, result.message = "failed", f"step(s) failed: {', '.join(failed)}"
        elif any(s.status == "warning" for s in result.steps):
            result.message = "warning: " + "; ".join(s.summary for s in result.steps if s.status == "warning")
        if report:
            _report(result, engine, syms, reports_dir, environ, notebook, timeout, t0, dask_client)
    except NotebookCellError as exc:
        error = str(exc)
        result.status, result.message = "failed", error
        raise
    except Exception as exc:
        error = redact(f"{type(exc).__name__}: {exc}")
        result.status, result.message = "failed", error
        raise
    finally:
        result.seconds = time.perf_counter() - t0
        steps_json = json.dumps([s.to_dict() for s in result.steps], default=str)
        with engine.begin() as conn:
            conn.execute(query("queries/jobs", "finish_run"), {
                "id": result.run_id, "status": "ok" if result.status == "ok" else "failed",
                "steps": steps_json, "error": error or (result.message if result.status == "failed" else None)})


def _report(result: NightlyResult, engine, syms, reports_dir: Path, environ, notebook, timeout, t0,
            dask_client=None) -> None:
    from .execute import execute_notebook, export_html, notebook_path

    out = reports_dir / result.date.isoformat()
    out.mkdir(parents=True, exist_ok=True)
    result.summary_path = out / "nightly.json"
    summary = {"job": JOB, "date": result.date.isoformat(), "status": result.status, "message": result.message,
               "symbols": syms, "run_id": result.run_id, "database": display_url(engine.url),
               "generated_at": pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M:%S UTC"),
               "steps": [s.to_dict() for s in result.steps]}
    result.summary_path.write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
    template = Path(notebook) if notebook else notebook_path("nightly_report")
    result.notebook = out / "nightly.ipynb"
    url = engine.url.render_as_string(hide_password=False)
    extra = {k: v for k, v in (environ or {}).items() if k.startswith("TICKSTOCK_")}
    if dask_client is not None:  # the report's audit runs on the same cluster
        extra[ENV_SCHEDULER] = dask_client.scheduler.address
    params = {"date": result.date.isoformat(), "symbols": ",".join(syms or []),
              "summary_path": str(result.summary_path.resolve())}
    execute_notebook(template, result.notebook, params, database_url=url, extra_env=extra, timeout=timeout)
    result.html = export_html(result.notebook, out / "nightly.html", database_url=url,
                              title=f"TickStock nightly report {result.date.isoformat()}")


def _scan_start(day: dt.date, lookback_sessions: int) -> dt.date:
    s = sessions(day - dt.timedelta(days=int(lookback_sessions * 1.5) + 10), day)
    return s.index[max(0, len(s) - lookback_sessions)]


def last_runs(day: TimestampLike, limit: int = 5, *, engine_or_url: EngineOrURL = None) -> pd.DataFrame:
    """The latest recorded runs of the nightly job for a date."""
    engine = get_engine(engine_or_url)
    with engine.connect() as conn:
        rows = conn.execute(query("queries/jobs", "last_runs"),
                            {"job": JOB, "run_date": pd.Timestamp(day).date(), "limit": limit}).mappings().all()
    return pd.DataFrame(rows)


__all__ = ["JobError", "JobLockedError", "NightlyResult", "default_date", "last_runs", "run_nightly"]
