"""Exactly once: re-loads, overlapping files, batch sizes, two processes at once, a killed load."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tickstock_research.ingest import load_ticks

from .conftest import DATA, fetch, scalar

REPO = Path(__file__).resolve().parents[2]


def make_trades(path: Path, rows: int, with_ids: bool = True) -> None:
    """Massive-like trades; every 10th row shares its timestamp with the previous one."""
    n = np.arange(rows, dtype=np.int64)
    ts = 1_704_205_800_000_000_000 + (n - (n % 10 == 9)) * 1_000_000
    table = {"ticker": np.array(["AAA", "BBB", "CCC"])[n % 3], "sip_timestamp": ts,
             "price": np.round(10 + (n % 50) * 0.01, 2), "size": 1 + n % 7, "exchange": (n % 4).astype(np.int16)}
    if with_ids:
        table["id"] = n.astype(str)
    pq.write_table(pa.table(table), path)


def test_same_file_twice_adds_nothing(db):
    first = load_ticks(DATA / "massive_trades_2024-01-02.csv.gz", engine_or_url=db)
    again = load_ticks(DATA / "massive_trades_2024-01-02.csv.gz", engine_or_url=db)
    assert (first.inserted, again.inserted, again.already_present) == (6, 0, 6)
    assert scalar(db, "select count(*) from ticks") == 6
    loads = fetch(db, "select status, rows_read, inserted, already_present from ingest_loads order by id")
    assert loads.values.tolist() == [["done", 6, 6, 0], ["done", 6, 0, 6]]


def test_overlapping_files_store_the_union(db):
    one = load_ticks(DATA / "ticks_part1.csv", engine_or_url=db)
    two = load_ticks(DATA / "ticks_part2.csv", engine_or_url=db)
    assert (one.inserted, two.inserted, two.already_present) == (4, 2, 2)
    # part1 holds two identical trades at 14:31:00: both kept; 14:31:01 and 14:31:02 once each
    got = fetch(db, "select to_char(\"timestamp\", 'HH24:MI:SS') as t, count(*) as n from ticks group by 1 order by 1")
    assert got.values.tolist() == [["14:31:00", 2], ["14:31:01", 1], ["14:31:02", 1], ["14:31:03", 1], ["14:31:04", 1]]
    # both files at once, in the other order: nothing new
    both = load_ticks([DATA / "ticks_part2.csv", DATA / "ticks_part1.csv"], engine_or_url=db)
    assert (both.rows_read, both.inserted, both.already_present) == (8, 0, 8)


def test_batch_size_does_not_change_derived_ids(db, tmp_path):
    path = tmp_path / "noid.parquet"
    make_trades(path, 500, with_ids=False)
    a = load_ticks(path, engine_or_url=db, batch_rows=7)
    assert a.inserted == 500
    b = load_ticks(path, engine_or_url=db, batch_rows=1000)
    assert (b.inserted, b.already_present) == (0, 500)


def test_partial_overlap_inside_a_batch(db, tmp_path):
    path = tmp_path / "t.parquet"
    make_trades(path, 1000)
    table = pq.read_table(path)
    pq.write_table(table.slice(0, 600), tmp_path / "a.parquet")
    pq.write_table(table.slice(400, 600), tmp_path / "b.parquet")
    load_ticks(tmp_path / "a.parquet", engine_or_url=db, batch_rows=256)
    report = load_ticks(tmp_path / "b.parquet", engine_or_url=db, batch_rows=256)
    assert (report.inserted, report.already_present) == (400, 200)
    assert scalar(db, "select count(*) from ticks") == 1000
    assert scalar(db, "select count(distinct trade_id) from ticks") == 1000


def _loader(url: str, path: Path, batch_rows: int) -> subprocess.Popen:
    code = ("import sys, json; from tickstock_research.ingest import load_ticks; "
            "r = load_ticks(sys.argv[1], engine_or_url=sys.argv[2], batch_rows=int(sys.argv[3]), progress=False); "
            "print(json.dumps(r.to_dict()))")
    return subprocess.Popen([sys.executable, "-c", code, str(path), url, str(batch_rows)], cwd=str(REPO),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_load_the_same_file_at_once(db, tmp_path):
    import json

    path = tmp_path / "t.parquet"
    rows = 60_000
    make_trades(path, rows)
    procs = [_loader(db, path, 5_000) for _ in range(2)]
    reports = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        reports.append(json.loads(out))
    assert sum(r["inserted"] for r in reports) == rows
    assert all(r["inserted"] + r["already_present"] == rows for r in reports)
    assert scalar(db, "select count(*) from ticks") == rows
    assert scalar(db, "select count(*) from (select distinct symbol, \"timestamp\", exchange, trade_id from ticks) d") == rows


def test_killed_load_leaves_whole_batches_and_rerun_completes(db, tmp_path):
    path = tmp_path / "t.parquet"
    rows, batch = 400_000, 10_000
    make_trades(path, rows)
    proc = _loader(db, path, batch)
    deadline = time.time() + 240
    while time.time() < deadline:
        done = scalar(db, "select coalesce(max(batches), 0) from ingest_loads")
        if done >= 3 or proc.poll() is not None:
            break
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.fail("the load finished before it could be killed (40 batches; the kill comes after 3)")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = scalar(db, "select count(*) from ticks")
    assert 0 < stored < rows
    assert stored % batch == 0                      # only whole batches
    assert scalar(db, "select status from ingest_loads") == "running"
    report = load_ticks(path, engine_or_url=db, batch_rows=batch)
    assert (report.inserted, report.already_present) == (rows - stored, stored)
    assert scalar(db, "select count(*) from ticks") == rows
