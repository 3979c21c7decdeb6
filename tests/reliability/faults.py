"""Helpers of the fault tests: a dedicated server, tick data spread over sessions, table digests."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg2
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg2 import sql

from tickstock_research.sessions import sessions

#: Columns compared between a recovered database and a clean run (load times excluded).
DIGEST = {
    "ticks": 'symbol, "timestamp", price, volume, exchange, trade_id, correction',
    "ohlcv_1min": 'symbol, "timestamp", open, high, low, close, volume, vwap, trade_count, source',
    "ohlcv_daily": "symbol, date, open, high, low, close, volume, vwap, trade_count, source",
    "events": 'symbol, "timestamp", pattern, timeframe, direction, price',
    "symbols": "symbol, market, active",
}


def write_session_ticks(path: Path, days: int = 20, symbols: int = 4, every_s: int = 10, seed: int = 3) -> int:
    """Regular-session trades every ``every_s`` seconds for ``symbols`` symbols over ``days`` XNYS
    sessions of January-February 2024 (Parquet, Massive column names). Returns the row count."""
    rng = np.random.default_rng(seed)
    cal = sessions("2024-01-02", "2024-03-01").iloc[:days]
    frames = []
    for s in range(symbols):
        for open_, close in zip(cal["open"], cal["close"]):
            ts = pd.date_range(open_, close, freq=f"{every_s}s", inclusive="left")
            n = len(ts)
            frames.append(pd.DataFrame({
                "ticker": f"F{s}", "sip_timestamp": ts.as_unit("ns").asi8,
                "price": np.round(50 + np.cumsum(rng.normal(0, 0.02, n)), 2).clip(1),
                "size": rng.integers(1, 500, n), "exchange": 4, "id": [f"{s}-{open_.value}-{i}" for i in range(n)]}))
    table = pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)
    pq.write_table(table, path)
    return table.num_rows


def digest(url: str, table: str) -> tuple[int, str]:
    """Row count and an md5 of the table's rows in a fixed order."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cols = DIGEST[table]
            cur.execute(sql.SQL("select count(*), coalesce(md5(string_agg(r::text, '|' order by r::text)), '') "
                                "from (select row({}) as r from {}) t").format(sql.SQL(cols), sql.Identifier(table)))
            n, h = cur.fetchone()
            return n, h
    finally:
        conn.close()


def scalar(url: str, query: str):
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchone()[0]
    finally:
        conn.close()


def cli(args: list[str], url: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tickstock_research.cli.main", "--url", url, *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, proc: subprocess.Popen, timeout: float = 45, every: float = 0.02) -> bool:
    """Poll ``predicate`` until it holds (True) or the process ends first (False)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if predicate():
                return True
        except psycopg2.Error:
            pass
        time.sleep(every)
    raise AssertionError("timed out waiting for the operation to get going")


def stop_immediately(cluster) -> None:
    """``pg_ctl stop -m immediate``: the server dies without a checkpoint, like a crash."""
    cluster.stop(mode="immediate")


def check_failed_cleanly(proc: subprocess.Popen, password: str, timeout: float = 60) -> str:
    """The interrupted command ends non-zero with a short error and no password or traceback."""
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode != 0, (out, err)
    text = out + err
    assert password not in text
    assert "Traceback" not in text, err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(" ")]
    error_lines = [line for line in lines if "error" in line.lower()]
    assert len(error_lines) >= 1 and len(error_lines[-1]) < 400, err
    return err
