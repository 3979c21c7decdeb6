"""A notebook whose step fails makes papermill exit non-zero and keep the failed notebook.

Each notebook is run by the ``papermill`` command itself (as a scheduler would), with the
database URL only in the kernel's environment, on an input that must fail: a trades file holding
garbage, a read-only login asked to build bars or to scan, a session without data when the
data-quality notebook is told to fail on findings, and an unknown symbol."""
from __future__ import annotations

import gzip
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from sqlalchemy.engine import make_url

from tickstock_research.ingest import load_ticks
from tickstock_research.jobs.execute import notebook_path

PAPERMILL = Path(sys.executable).with_name("papermill")


@pytest.fixture(scope="module")
def urls(new_database):
    """An initialised database, its admin URL and a read-only analyst login made by the kit."""
    url = new_database("timescale", label="nbfail")
    name = f"ana_{secrets.token_hex(3)}"
    proc = subprocess.run([sys.executable, "-m", "tickstock_research.cli.main", "--url", url, "db", "login", name],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    analyst = proc.stdout.strip().splitlines()[-1]
    assert make_url(analyst).username == name
    return {"admin": url, "analyst": analyst}


def _papermill(name: str, out: Path, url: str, **params) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKSTOCK_")}
    env["TICKSTOCK_DATABASE_URL"] = url
    cmd = [str(PAPERMILL), str(notebook_path(name)), str(out), "--no-progress-bar", "--cwd", str(out.parent)]
    for k, v in params.items():
        cmd += ["-p", k, str(v)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def _error_of(out: Path) -> dict:
    """The error output kept in the failed notebook."""
    nb = nbformat.read(out, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert len(errors) == 1, errors
    return errors[0]


def _garbage(path: Path, text: str) -> Path:
    with gzip.open(path, "wt") as f:
        f.write(text)
    return path


def test_load_ticks_fails_on_a_file_of_garbage(urls, tmp_path):
    bad = _garbage(tmp_path / "2026-11-02.csv.gz", "garbage\ngarbage\n")
    out = tmp_path / "load_ticks.ipynb"
    proc = _papermill("load_ticks", out, urls["admin"], source=bad)
    assert proc.returncode != 0, proc.stdout[-2000:]
    err = _error_of(out)
    assert err["ename"] == "ValidationError" and "2026-11-02.csv.gz" in err["evalue"], err
    assert make_url(urls["admin"]).password not in out.read_text()


def test_load_ticks_fails_on_a_file_holding_only_the_word_garbage(urls, tmp_path):
    bad = _garbage(tmp_path / "2026-11-03.csv.gz", "garbage")
    try:
        load_ticks(bad, engine_or_url=urls["admin"], progress=False)
    except Exception:  # noqa: BLE001 - the ingest area refuses it: the notebook must fail too
        pass
    else:
        pytest.skip("ingest on this branch loads a header-only file with unknown columns as 0 rows")
    proc = _papermill("load_ticks", tmp_path / "load_ticks.ipynb", urls["admin"], source=bad)
    assert proc.returncode != 0


def test_build_bars_fails_for_a_read_only_login(urls, tmp_path):
    out = tmp_path / "build_bars.ipynb"
    proc = _papermill("build_bars", out, urls["analyst"], start="2026-11-02", end="2026-11-03")
    assert proc.returncode != 0, proc.stdout[-2000:]
    err = _error_of(out)
    assert err["ename"] == "ReadOnlyError" and "tickstock_writer" in err["evalue"], err


def test_audit_scan_first_fails_for_a_read_only_login(urls, tmp_path):
    out = tmp_path / "audit_events.ipynb"
    proc = _papermill("audit_events", out, urls["analyst"], start="2026-11-02", end="2026-11-03", scan_first=True)
    assert proc.returncode != 0
    assert _error_of(out)["ename"] == "ReadOnlyError"
    # without the scan the same login reads and audits: exit 0
    ok = _papermill("audit_events", tmp_path / "audit_read.ipynb", urls["analyst"], start="2026-11-02",
                    end="2026-11-03")
    assert ok.returncode == 0, ok.stderr[-2000:]


def test_data_quality_fails_on_findings_when_told_to(urls, tmp_path):
    import pandas as pd

    from tickstock_research.ingest import load_symbols

    load_symbols(pd.DataFrame({"symbol": ["QQQ1"], "market": ["stocks"], "active": [True]}), engine_or_url=urls["admin"])
    out = tmp_path / "data_quality.ipynb"
    proc = _papermill("data_quality", out, urls["analyst"], date="2026-11-02", fail_on_findings=True)
    assert proc.returncode != 0
    err = _error_of(out)
    assert err["ename"] == "DataQualityError" and "QQQ1" in err["evalue"], err
    shown = _papermill("data_quality", tmp_path / "dq_shown.ipynb", urls["analyst"], date="2026-11-02")
    assert shown.returncode == 0, shown.stderr[-2000:]
    shown_nb = nbformat.read(tmp_path / "dq_shown.ipynb", as_version=4)
    text = json.dumps([c.get("outputs", []) for c in shown_nb.cells])
    assert "symbols with no data for the session" in text and "QQQ1" in text and "failed" in text


def test_corporate_actions_fails_for_an_unknown_symbol(urls, tmp_path):
    out = tmp_path / "corporate_actions.ipynb"
    proc = _papermill("corporate_actions", out, urls["analyst"], symbol="NOSUCH")
    assert proc.returncode != 0
    assert _error_of(out)["ename"] == "UnknownSymbolError"
