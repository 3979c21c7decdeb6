"""The nightly job end to end on a real database: report content, idempotency, the date lock,
a failing cell, a non-trading day."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa
from jobs_helpers import read_trades
from sqlalchemy.engine import make_url

from tickstock_research.db.engine import get_engine
from tickstock_research.db.locks import hold_lock, lock_holder
from tickstock_research.errors import JobLockedError, NotebookCellError
from tickstock_research.jobs.nightly import lock_name, run_nightly

SECTIONS = ["Pipeline-steps", "Load-reports", "Bars-built", "Gaps-and-reconciliation", "Events-of-the-day",
            "Event-audit", "Database-size-and-compression"]


def _counts(url: str) -> dict:
    with get_engine(url).connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("ticks", "ohlcv_1min", "ohlcv_daily", "events", "symbols", "quarantine")}


def test_nightly_report_has_every_section_and_the_day_numbers(nightly, market):
    last = nightly["last"]
    assert last.status == "ok", str(last)
    assert last.html.is_file() and last.notebook.is_file()
    html = last.html.read_text()
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    # the day's file as pandas reads it: every row is a distinct trade, all inserted by this night
    day = read_trades(market.files[-1])
    assert f"<td>{len(day)}</td>" in html                          # load report: rows read / inserted
    ingest = next(s for s in last.steps if s.name == "ingest")
    assert ingest.details["loads"][0]["inserted"] == len(day)
    earlier = [e for e in ingest.details["already_loaded"] if e["kind"] == "trades"]
    assert len(earlier) == len(market.files) - 1
    # bars built, the totals row: symbols that traded, then every trade of the day's file
    assert re.search(rf"<td>{day['ticker'].nunique()}</td>\s*<td>{len(day)}</td>", html)
    # events of the day: the planted formations, found by the scan and charted
    assert "HeadAndShoulders" in html and "DoubleBottom" in html
    assert f"{market.symbols[0]}: " in html and f"{market.symbols[1]}: " in html   # chart titles
    # offline and interactive: plotly.js inline, no script from the network, a candlestick drawn
    assert "Plotly.newPlot" in html and "candlestick" in html
    assert not re.search(r"<script[^>]+src=[\"']https?://", html)
    # inputs hidden
    assert "r.context(" not in html


def test_no_password_in_any_output(nightly):
    password = make_url(nightly["url"]).password
    assert password
    for path in Path(nightly["reports"]).rglob("*"):
        if path.is_file():
            assert password not in path.read_text(errors="replace"), path.name
    nb = nbformat.read(nightly["last"].notebook, as_version=4)
    params = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "postgresql" not in params.source


def test_nightly_rerun_is_idempotent(nightly, market):
    url = nightly["url"]
    before = _counts(url)
    again = run_nightly(market.sessions[-1], engine_or_url=url, drop_folder=market.drop_folder,
                        reports_dir=nightly["reports"])
    assert again.status == "ok"
    assert _counts(url) == before
    ingest = next(s for s in again.steps if s.name == "ingest")
    assert ingest.details["loads"] == []                           # every file already loaded
    with get_engine(url).connect() as conn:
        runs = conn.execute(sa.text("SELECT status FROM job_runs WHERE run_date = :d"),
                            {"d": market.sessions[-1]}).scalars().all()
    assert runs == ["ok", "ok"]


def test_second_run_for_the_same_date_exits_with_a_clear_message(nightly, market):
    day = market.sessions[-1]
    with hold_lock(get_engine(nightly["url"]), lock_name(day)):
        with pytest.raises(JobLockedError, match=f"nightly job for {day} is already running"):
            run_nightly(day, engine_or_url=nightly["url"], drop_folder=market.drop_folder,
                        reports_dir=nightly["reports"], report=False)
        # another date is not locked
        other = run_nightly(market.sessions[-3], engine_or_url=nightly["url"], report=False)
        assert other.status == "ok"


def _slow_notebook(tmp_path: Path, seconds: int) -> Path:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('date: str = ""  # session date', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})")])
    path = tmp_path / "slow.ipynb"
    nbformat.write(nb, path)
    return path


def test_two_concurrent_cli_runs_one_runs_the_other_exits(nightly, market, tmp_path, cli_env):
    day = market.sessions[-1].isoformat()
    cmd = [sys.executable, "-m", "tickstock_research.cli.main", "--url", nightly["url"], "nightly", "--date", day,
           "--reports-dir", str(tmp_path / "reports")]
    first = subprocess.Popen(cmd + ["--notebook", str(_slow_notebook(tmp_path, 12))], env=cli_env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:                  # wait until the first run holds the lock
            held = lock_holder(get_engine(nightly["url"]), lock_name(market.sessions[-1]))
            if held or first.poll() is not None:
                break
            time.sleep(0.2)
        second = subprocess.run(cmd + ["--no-report"], env=cli_env, capture_output=True, text=True, timeout=120)
        out1, err1 = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err1[-2000:]
    assert second.returncode == 2, second.stderr
    assert f"the nightly job for {day} is already running" in second.stderr
    assert "Traceback" not in second.stderr


def _failing_notebook(tmp_path: Path) -> Path:
    from tickstock_research.jobs.execute import notebook_path

    nb = nbformat.read(notebook_path("nightly_report"), as_version=4)
    nb.cells.insert(4, nbformat.v4.new_code_cell('raise ValueError("planted failure in the report")'))
    path = tmp_path / "failing.ipynb"
    nbformat.write(nb, path)
    return path


def test_failing_cell_keeps_the_notebook_and_fails_the_run(nightly, market, tmp_path, caplog):
    day = market.sessions[-1]
    reports = tmp_path / "reports"
    with pytest.raises(NotebookCellError, match="planted failure") as info:
        run_nightly(day, engine_or_url=nightly["url"], drop_folder=market.drop_folder, reports_dir=reports,
                    notebook=_failing_notebook(tmp_path))
    kept = reports / day.isoformat() / "nightly.ipynb"
    assert info.value.notebook == kept and kept.is_file()
    assert "planted failure in the report" in kept.read_text()
    assert any("planted failure" in r.getMessage() and "cell" in r.getMessage() for r in caplog.records)
    with get_engine(nightly["url"]).connect() as conn:
        status, error = conn.execute(sa.text("SELECT status, error FROM job_runs WHERE run_date = :d "
                                             "ORDER BY id DESC LIMIT 1"), {"d": day}).one()
    assert status == "failed" and "planted failure" in error


def test_failing_cell_cli_exits_non_zero(nightly, market, tmp_path, cli_env):
    day = market.sessions[-1].isoformat()
    proc = subprocess.run([sys.executable, "-m", "tickstock_research.cli.main", "--url", nightly["url"], "nightly",
                           "--date", day, "--reports-dir", str(tmp_path / "r"), "--notebook",
                           str(_failing_notebook(tmp_path))], env=cli_env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert re.search(r"cell \d+ failed: ValueError: planted failure in the report", proc.stderr), proc.stderr
    assert (tmp_path / "r" / day / "nightly.ipynb").is_file()


def test_non_trading_day_is_skipped(nightly, tmp_path):
    saturday = dt.date(2025, 12, 13)
    result = run_nightly(saturday, engine_or_url=nightly["url"], reports_dir=tmp_path)
    assert result.status == "skipped" and "not an XNYS trading day" in result.message
    assert not any(tmp_path.iterdir())
