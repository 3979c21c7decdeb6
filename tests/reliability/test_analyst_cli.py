"""Every ``tickstock`` command run with a read-only analyst's URL, as a user runs it: reads exit
0, writes exit non-zero with exactly one line that says the login is read-only and which role
the action needs, nothing changes, and no output anywhere holds a traceback or the password.
The reading notebooks (the nightly report of a date already run included) run as the analyst."""
from __future__ import annotations

import secrets
import subprocess
import sys

import nbformat
import pandas as pd
import psycopg2
import pytest
from sqlalchemy.engine import make_url

from tickstock_research.aggregate import run_rollup
from tickstock_research.db.engine import dispose_engines
from tickstock_research.ingest import load_ticks
from tickstock_research.jobs.execute import execute_notebook, export_html, notebook_path
from tickstock_research.jobs.nightly import run_nightly
from tickstock_research.schema.roles import create_login

DAY = "2024-03-08"


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    rows = [("RDA", day + pd.Timedelta(hours=14, minutes=31 + k), 50 + i + (k % 7) / 10, 10 + k)
            for i, day in enumerate(pd.bdate_range("2024-03-04", periods=5, tz="UTC")) for k in range(60)]
    load_ticks(pd.DataFrame(rows, columns=["symbol", "timestamp", "price", "volume"]), engine_or_url=database_url, progress=False)
    run_rollup(engine_or_url=database_url)
    reports = tmp_path_factory.mktemp("reports")
    assert run_nightly(DAY, engine_or_url=database_url, reports_dir=reports, report=False).ok
    files = tmp_path_factory.mktemp("files")
    (files / "ticks.csv").write_text("symbol,timestamp,price,volume\nRDA,2024-03-11T15:00:00Z,51,1\n")
    (files / "bars.csv").write_text("symbol,timestamp,open,high,low,close,volume\nRDA,2024-03-11T15:00:00Z,1,1,1,1,1\n")
    (files / "symbols.csv").write_text("ticker,name\nNEWS,New\n")
    (files / "splits.csv").write_text("ticker,execution_date,split_from,split_to\nRDA,2024-03-07,1,2\n")
    (files / "dividends.csv").write_text("ticker,ex_dividend_date,cash_amount\nRDA,2024-03-07,0.1\n")
    (files / "events.csv").write_text("symbol,timestamp,pattern,timeframe,direction,price\n"
                                      "RDA,2024-03-08T00:00:00Z,Doji,1d,neutral,51\n")
    name = f"t_cli_{secrets.token_hex(4)}"
    yield {"admin": database_url, "analyst": create_login(name, "analyst", engine_or_url=database_url).url, "files": files,
           "reports": reports}
    dispose_engines()


READS = [["db", "info"], ["db", "info", "--json"], ["db", "url"], ["events", "list"],
         ["events", "audit", "--timeframe", "1d"], ["aggregate", "--runs", "3"]]
WRITES = {
    "writer": [["aggregate"], ["scan", "--timeframe", "1d", "--symbols", "RDA"],
               ["nightly", "--date", DAY, "--no-report"],
               ["ingest", "ticks", "{files}/ticks.csv"], ["ingest", "bars", "{files}/bars.csv"],
               ["ingest", "symbols", "{files}/symbols.csv"], ["ingest", "splits", "{files}/splits.csv"],
               ["ingest", "dividends", "{files}/dividends.csv"], ["ingest", "events", "{files}/events.csv"]],
    "admin": [["db", "init"], ["maintain"], ["db", "login", "t_cli_sneak"], ["demo", "--symbols", "2", "--days", "5"]],
}


def counts(url: str) -> dict:
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = sorted(r[0] for r in cur.fetchall())
        found = {}
        for t in tables:
            cur.execute(f'SELECT count(*) FROM public."{t}"')        # noqa: S608 (catalog names)
            found[t] = cur.fetchone()[0]
    conn.close()
    return found


def run(args, env, timeout=300):
    return subprocess.run([sys.executable, "-m", "tickstock_research.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_reads_work_and_writes_fail_in_one_line(world, cli_env):
    cli_env["TICKSTOCK_DATABASE_URL"] = world["analyst"]
    password = make_url(world["analyst"]).password
    before = counts(world["admin"])
    for args in READS:
        proc = run(args, cli_env)
        assert proc.returncode == 0, (args, proc.stderr)
        assert "Traceback" not in proc.stdout + proc.stderr, args
        if args != ["db", "url"]:                    # the one command that prints the URL on purpose
            assert password not in proc.stdout + proc.stderr, args
    for needs, commands in WRITES.items():
        for args in commands:
            args = [a.format(files=world["files"]) for a in args]
            proc = run(args, cli_env)
            lines = proc.stderr.strip().splitlines()
            assert proc.returncode != 0, args
            assert len(lines) == 1 and "Traceback" not in proc.stdout + proc.stderr, (args, proc.stderr)
            assert password not in proc.stdout + proc.stderr, args
            wanted = "tickstock_writer" if needs == "writer" else "admin"
            assert wanted in lines[0] and ("read-only" in lines[0] or "has neither" in lines[0]), (args, lines[0])
    assert counts(world["admin"]) == before


@pytest.mark.parametrize("notebook", ["nightly_report", "audit_events", "data_quality", "pattern_gallery"])
def test_reading_notebooks_run_as_the_analyst(world, notebook, tmp_path):
    params = {"date": DAY} if notebook in ("nightly_report", "data_quality") else {}
    out = execute_notebook(notebook_path(notebook), tmp_path / f"{notebook}.ipynb", params,
                           database_url=world["analyst"])
    html = export_html(out, database_url=world["analyst"]).read_text()
    nb = nbformat.read(out, as_version=4)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    password = make_url(world["analyst"]).password
    assert password not in out.read_text() and password not in html
    assert "Traceback" not in html
