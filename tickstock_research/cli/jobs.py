"""``tickstock nightly``, ``tickstock demo`` and ``tickstock lab``: parse, then delegate to
:mod:`tickstock_research.jobs`.

Exit codes: 0 done; 1 a step of the nightly job failed (the report shows which); 2 an error the
kit raised on purpose (another run holds the date's lock, a notebook cell failed, bad input).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("nightly", help="the nightly job: ingest the drop folder, aggregate, scan, maintain, report")
    p.add_argument("--date", help="session date YYYY-MM-DD (default: the last completed XNYS session)")
    p.add_argument("--symbols", nargs="+", help="symbols to aggregate, scan and report (default: all)")
    p.add_argument("--drop-folder", help="folder of the day's files (<YYYY-MM-DD>.csv.gz trades, *.json tickers)")
    p.add_argument("--reports-dir", default="reports", help="where reports/<date>/nightly.{ipynb,html} go (default: reports)")
    p.add_argument("--expect-files", action="store_true",
                   help="fail (exit 1) when the drop folder has no trade file for the date (default: a warning)")
    p.add_argument("--no-catch-up", action="store_true", help="load only the date's own files, not earlier unloaded ones")
    p.add_argument("--no-report", action="store_true", help="skip the report notebook")
    p.add_argument("--notebook", help="report notebook to execute instead of notebooks/nightly_report.ipynb")
    p.add_argument("--timeframes", nargs="+", default=["1d"], help="timeframes to scan (default: 1d)")
    p.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="scan and audit on this Dask scheduler (default: TICKSTOCK_DASK_SCHEDULER, else in-process)")
    p.set_defaults(handler=nightly, needs="writer")

    d = sub.add_parser("demo", help="generate a synthetic market, run the nightly job on it, print where the report is")
    d.add_argument("--seed", type=int, default=7, help="random seed (same seed, same market)")
    d.add_argument("--symbols", type=int, default=30, help="number of symbols (default 30)")
    d.add_argument("--days", type=int, default=78, help="number of sessions (default 78; the planted head-and-shoulders needs >= 76)")
    d.add_argument("--end", help="last session date (default: ten sessions after the latest early close)")
    d.add_argument("--liquidity", type=float, default=0.3, help="scale of extra trades per minute (default 0.3)")
    d.add_argument("--reports-dir", default="reports", help="where the report goes (default: reports)")
    d.add_argument("--drop-folder", help="where the generated files go (default: <TICKSTOCK_HOME>/demo/drop-seed<N>)")
    d.set_defaults(handler=demo, needs="admin")

    lab = sub.add_parser("lab", help="open JupyterLab on a working copy of the notebooks with TICKSTOCK_DATABASE_URL set")
    lab.add_argument("--port", type=int, default=8888)
    lab.add_argument("--no-browser", action="store_true")
    lab.add_argument("--notebook-dir", help="working folder (default: <TICKSTOCK_HOME>/lab); the kit's notebooks "
                                            "are copied into it when missing there, never overwritten")
    lab.add_argument("lab_args", nargs=argparse.REMAINDER, help="further arguments for jupyter lab")
    lab.set_defaults(handler=lab_cmd)


def nightly(args) -> int:
    from ..jobs.nightly import run_nightly

    result = run_nightly(args.date, symbols=args.symbols, engine_or_url=args.url, drop_folder=args.drop_folder,
                         reports_dir=args.reports_dir, catch_up=not args.no_catch_up, report=not args.no_report,
                         notebook=args.notebook, timeframes=args.timeframes, client=args.dask_scheduler,
                         expect_files=args.expect_files)
    print(result)
    return 0 if result.ok else 1


def demo(args) -> int:
    from ..jobs.demo import run_demo

    result = run_demo(seed=args.seed, symbols=args.symbols, days=args.days, end=args.end,
                      engine_or_url=args.url, drop_folder=args.drop_folder, reports_dir=args.reports_dir,
                      liquidity=args.liquidity)
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
    print(f"timings: {timings}")
    if result.html:
        print(f"report: {Path(result.html).resolve()}")
        notebook = result.nights[-1].notebook if result.nights else None
        if notebook:
            print(f"executed notebook: {Path(notebook).resolve()}")
    return 0 if result.ok else 1


def lab_working_copy(folder: Path | None = None) -> Path:
    """The folder JupyterLab opens: a working copy of the kit's notebooks (default
    ``<TICKSTOCK_HOME>/lab``), so saving a notebook with its outputs never writes into the
    repository's ``notebooks/``. A notebook missing from the copy is copied; one already there
    (perhaps edited) is left alone."""
    from ..db.localcluster import project_home
    from ..jobs.execute import notebooks_dir

    folder = Path(folder) if folder else project_home() / "lab"
    folder.mkdir(parents=True, exist_ok=True)
    for nb in sorted(notebooks_dir().glob("*.ipynb")):
        if not (folder / nb.name).exists():
            shutil.copy2(nb, folder / nb.name)
    return folder


def lab_cmd(args) -> int:
    import signal

    from ..db.engine import get_engine
    from ..db.url import ENV_URL, display_url

    engine = get_engine(args.url)
    folder = lab_working_copy(args.notebook_dir)
    env = dict(os.environ)
    env[ENV_URL] = engine.url.render_as_string(hide_password=False)
    jupyter = Path(sys.executable).with_name("jupyter")
    cmd = [str(jupyter) if jupyter.exists() else (shutil.which("jupyter") or "jupyter"), "lab",
           f"--notebook-dir={folder}", f"--port={args.port}", "--ServerApp.ip=127.0.0.1"]
    if args.no_browser:
        cmd.append("--no-browser")
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    cmd += [a for a in (args.lab_args or []) if a != "--"]
    print(f"JupyterLab on {folder} (a working copy of the kit's notebooks) with "
          f"TICKSTOCK_DATABASE_URL={display_url(engine.url)}", flush=True)
    # its own session: a terminal's Ctrl-C reaches this process only, which then stops the
    # server cleanly with SIGTERM (no "Shutdown this Jupyter server?" prompt, no orphan)
    child = subprocess.Popen(cmd, env=env, start_new_session=True)
    stopping: list[tuple[int, float]] = []

    def stop(signum, _frame):
        stopping.append((signum, time.monotonic()))
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        while (code := child.poll()) is None:
            time.sleep(0.2)
            if stopping and time.monotonic() - stopping[0][1] > 20:   # the server did not stop in 20 s
                child.kill()
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    if stopping:
        print(f"JupyterLab stopped ({signal.Signals(stopping[0][0]).name})", flush=True)
        return 0
    return code
