"""Two loaders of overlapping (not identical) files at the same time store the union exactly once.

(Two processes loading the *same* file is tests/ingest/test_exactly_once.py; two nightly jobs for
the same date is tests/jobs/test_nightly.py.)
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tickstock_research.db.engine import get_engine

ROWS = 90_000


def write_slice(path, lo: int, hi: int) -> None:
    n = np.arange(lo, hi, dtype=np.int64)
    pq.write_table(pa.table({
        "ticker": np.array(["CA", "CB", "CC"])[n % 3],
        "sip_timestamp": 1_704_205_800_000_000_000 + (n // 3) * 1_000_000,   # three symbols share a time
        "price": np.round(10 + (n % 37) * 0.01, 2), "size": 1 + n % 11, "exchange": np.full(len(n), 4, np.int16), "id": n.astype(str)}), path)


def test_two_loaders_of_overlapping_files_at_once(database_url, tmp_path, cli_env):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    write_slice(a, 0, 60_000)
    write_slice(b, 30_000, ROWS)
    procs = [subprocess.Popen([sys.executable, "-m", "tickstock_research.cli.main", "--url", database_url,
                               "ingest", "ticks", "--no-progress", "--json", "--batch-rows", "4000", str(p)],
                              env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for p in (a, b)]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        reports.append(json.loads(out))
    with get_engine(database_url).connect() as conn:
        stored = conn.exec_driver_sql("select count(*), count(distinct (symbol, trade_id)) from ticks "
                                      "where symbol in ('CA', 'CB', 'CC')").one()
        volume = conn.exec_driver_sql("select sum(volume) from ticks where symbol in ('CA', 'CB', 'CC')").scalar()
    assert tuple(stored) == (ROWS, ROWS)
    assert int(volume) == int((1 + np.arange(ROWS) % 11).sum())
    assert sum(r["inserted"] for r in reports) == ROWS
    assert sum(r["already_present"] for r in reports) == 30_000
