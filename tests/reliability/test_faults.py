"""The server stopped (pg_ctl stop -m immediate) in the middle of a load, an aggregation and the
nightly job, on a dedicated cluster: the command fails with one clear line (no traceback, no
password), the database is consistent after a restart (whole batches, whole chunks), and running
again ends in exactly the state of a clean run.

(kill -9 of the loading process is tests/ingest/test_exactly_once.py.)
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql
from sqlalchemy.engine import make_url

from tickstock_research.db.engine import dispose_engines
from tickstock_research.db.localcluster import LocalCluster
from tickstock_research.schema.migrate import init_schema

from .faults import check_failed_cleanly, cli, digest, scalar, stop_immediately, wait_for, write_session_ticks

BATCH = 5_000


@pytest.fixture(scope="module")
def cluster():
    home = Path(tempfile.mkdtemp(prefix="tickstock-faults-"))
    os.chmod(home, 0o755)
    c = LocalCluster(home)
    c.start()
    try:
        yield c
    finally:
        dispose_engines()
        try:
            c.destroy()
        finally:
            shutil.rmtree(home, ignore_errors=True)


def fresh_db(cluster, name: str) -> str:
    cluster.ensure_running()
    conn = psycopg2.connect(cluster.url(database="postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    conn.close()
    url = make_url(cluster.url(database="postgres")).set(database=name).render_as_string(hide_password=False)
    init_schema(engine_or_url=url)
    return url


@pytest.fixture(scope="module")
def ticks_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    os.chmod(folder, 0o755)
    path = folder / "ticks.parquet"
    rows = write_session_ticks(path)
    return path, rows


@pytest.fixture(scope="module")
def env():
    e = {k: v for k, v in os.environ.items() if not k.startswith("TICKSTOCK_")}
    e["TICKSTOCK_HOME"] = tempfile.mkdtemp(prefix="tickstock-faults-home-")
    e["PATH"] = str(Path(sys.executable).parent) + os.pathsep + e.get("PATH", "")
    return e


def run_ok(args, url, env):
    proc = cli(args, url, env)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out


@pytest.fixture(scope="module")
def clean(cluster, ticks_file, env):
    """A clean, uninterrupted run: load then aggregate."""
    url = fresh_db(cluster, "clean_run")
    run_ok(["ingest", "ticks", "--no-progress", "--batch-rows", str(BATCH), str(ticks_file[0])], url, env)
    run_ok(["aggregate", "--start", "2024-01-02", "--end", "2024-03-01"], url, env)
    return url


@pytest.mark.parametrize("mode", ["immediate", "fast"])
def test_server_stopped_mid_load(cluster, ticks_file, env, clean, mode):
    path, rows = ticks_file
    url = fresh_db(cluster, f"load_fault_{mode}")
    proc = cli(["ingest", "ticks", "--no-progress", "--batch-rows", str(BATCH), str(path)], url, env)
    got_going = wait_for(lambda: scalar(url, "select coalesce(max(batches), 0) from ingest_loads") >= 2, proc)
    if not got_going:
        pytest.fail("the load finished before the server could be stopped: make the file bigger")
    cluster.stop(mode=mode)     # a crash, or an administrator's `tickstock db stop`
    err = check_failed_cleanly(proc, cluster.password())
    assert "ticks" in err
    assert len([line for line in err.splitlines() if line.strip()]) == 1, err   # one line, no driver noise
    cluster.start()
    stored = scalar(url, "select count(*) from ticks")
    batches = scalar(url, "select batches from ingest_loads")
    assert 0 < stored < rows
    assert stored == batches * BATCH          # whole batches only, and the ledger agrees
    assert scalar(url, "select status from ingest_loads") == "running"   # its backend died with the server
    out = run_ok(["ingest", "ticks", "--no-progress", "--json", "--batch-rows", str(BATCH), str(path)], url, env)
    assert f'"already_present": {stored}' in out and f'"inserted": {rows - stored}' in out
    # the next load closed the cut-off one
    assert scalar(url, "select string_agg(status, ',' order by id) from ingest_loads") == "interrupted,done"
    assert digest(url, "ticks") == digest(clean, "ticks")


def test_server_stopped_mid_aggregation(cluster, ticks_file, env, clean):
    path, rows = ticks_file
    url = fresh_db(cluster, "aggregate_fault")
    run_ok(["ingest", "ticks", "--no-progress", str(path)], url, env)
    days = 20
    proc = cli(["aggregate", "--start", "2024-01-02", "--end", "2024-03-01"], url, env)
    got_going = wait_for(lambda: scalar(
        url, "select count(distinct (\"timestamp\" at time zone 'UTC')::date) from ohlcv_1min") >= 2, proc,
        every=0.01)
    if not got_going:
        pytest.fail("the aggregation finished before the server could be stopped")
    stop_immediately(cluster)
    check_failed_cleanly(proc, cluster.password())
    cluster.start()
    built = scalar(url, "select count(distinct (\"timestamp\" at time zone 'UTC')::date) from ohlcv_1min")
    assert 0 < built < days
    # every day that has minutes has all of them, and they agree with the ticks (no partial chunk)
    mismatched = scalar(url, """
        with m as (select symbol, ("timestamp" at time zone 'UTC')::date d, sum(volume) v, count(*) n
                     from ohlcv_1min group by 1, 2),
             t as (select symbol, ("timestamp" at time zone 'UTC')::date d, sum(volume) v,
                          count(distinct date_trunc('minute', "timestamp")) n from ticks group by 1, 2)
        select count(*) from m join t using (symbol, d) where m.v <> t.v or m.n <> t.n""")
    assert mismatched == 0
    assert scalar(url, """select count(*) from (select distinct ("timestamp" at time zone 'UTC')::date d from ohlcv_1min) x
                          where (select count(distinct symbol) from ohlcv_1min o
                                 where (o."timestamp" at time zone 'UTC')::date = x.d) <> 4""") == 0
    status = scalar(url, "select string_agg(status, ',') from aggregate_runs")
    assert status in ("running", "failed"), status
    run_ok(["aggregate", "--start", "2024-01-02", "--end", "2024-03-01"], url, env)
    for table in ("ohlcv_1min", "ohlcv_daily"):
        assert digest(url, table) == digest(clean, table)
    # the interrupted run is not left 'running' once a later run has looked at the log
    run_ok(["aggregate"], url, env)
    assert scalar(url, "select count(*) from aggregate_runs where status = 'running'") == 0


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    from tickstock_research.jobs.synthetic import generate_market

    drop = tmp_path_factory.mktemp("drop")
    os.chmod(drop, 0o755)
    return generate_market(drop, seed=5, symbols=4, days=8, liquidity=0.1)


def test_server_stopped_mid_nightly(cluster, market, env, tmp_path):
    date = str(market.sessions[-1])[:10]
    args = ["nightly", "--date", date, "--drop-folder", str(market.drop_folder), "--no-report",
            "--reports-dir", str(tmp_path / "reports")]
    clean_url = fresh_db(cluster, "nightly_clean")
    run_ok(args, clean_url, env)
    url = fresh_db(cluster, "nightly_fault")
    proc = cli(args, url, env)
    got_going = wait_for(lambda: scalar(url, "select count(*) from ingest_loads where status = 'done'") >= 2, proc)
    if not got_going:
        pytest.fail("the nightly job finished before the server could be stopped")
    stop_immediately(cluster)
    check_failed_cleanly(proc, cluster.password())
    cluster.start()
    # the stopped run could not record its outcome: it is still marked running
    assert scalar(url, "select count(*) from job_runs where status = 'running'") == 1
    run_ok(args, url, env)
    # the next run for the date closed it as interrupted, and recorded its own success
    assert scalar(url, "select count(*) from job_runs where status = 'running'") == 0
    assert scalar(url, "select count(*) from job_runs where status = 'failed' and error like 'interrupted:%'") == 1
    assert scalar(url, "select count(*) from job_runs where status = 'ok'") == 1
    for table in ("ticks", "ohlcv_1min", "ohlcv_daily", "events", "symbols"):
        assert digest(url, table) == digest(clean_url, table), table
    # and once more: nothing changes
    run_ok(args, url, env)
    for table in ("ticks", "ohlcv_1min", "ohlcv_daily", "events"):
        assert digest(url, table) == digest(clean_url, table), table
