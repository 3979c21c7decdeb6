"""Ingest speed and memory: ``load_ticks`` against named baselines, one process, same rows.

Measures, on one database and the same generated trades (``--rows``, default 2M, 100 symbols):

1. server: ``COPY ticks FROM 'file' (FORMAT binary)`` of the same rows into the emptied ``ticks``
   hypertable (the file written by the server's own ``COPY (SELECT * FROM ticks) TO 'file'
   (FORMAT binary)``), the server's own limit for one connection; best of two runs, as the kit's
   first load is the best of two;
2. kit: ``load_ticks(parquet_file)`` end to end (read, validate, encode, COPY) into the emptied
   table; target >= 0.75x the server rate;
3. ``pandas.DataFrame.to_sql(method="multi")`` of a subset (``--to-sql-rows``) into the emptied
   table, rate compared; target kit >= 15x;
4. re-load of the same Parquet file: rate vs the first load (target >= 0.5x), rows added (0);
5. peak RSS of a subprocess loading a ``--csv-rows`` (default 20M) CSV file; target < 1 GiB.

Usage: ``.venv/bin/python benchmarks/ingest.py [--rows 2000000] [--csv-rows 20000000]``
(``--csv-rows 0`` skips the memory run). Uses ``TICKSTOCK_DATABASE_URL`` (a superuser URL, for
server-side COPY files) or starts a private local cluster in a temporary folder under /tmp.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tickstock_research.db.engine import get_engine, raw_connection  # noqa: E402
from tickstock_research.db.localcluster import LocalCluster  # noqa: E402
from tickstock_research.ingest import load_symbols, load_ticks  # noqa: E402
from tickstock_research.schema.migrate import init_schema  # noqa: E402

START_NS = 1_704_205_800_000_000_000   # 2024-01-02 14:30 UTC


def make_trades(rows: int, symbols: int = 100, seed: int = 7, offset: int = 0) -> pa.Table:
    """Massive-like trades: ids, sequence numbers, conditions, prices with 2-4 decimals."""
    rng = np.random.default_rng(seed)
    n = np.arange(offset, offset + rows, dtype=np.int64)
    sym = np.array([f"S{i:03d}" for i in range(symbols)])[n % symbols]
    ts = START_NS + (n // symbols) * 9_000_000 + rng.integers(0, 1000, rows) * 1000
    price = np.round(20 + (n % 997) * 0.37 + rng.integers(0, 100, rows) * 0.0001, 4)
    conds = pa.array(np.where(n % 3 == 0, None, np.array([[12, 37], [14], [37]], dtype=object)[n % 3]).tolist(),
                     pa.list_(pa.int16()))
    return pa.table({
        "ticker": sym, "conditions": conds, "correction": np.zeros(rows, np.int16),
        "exchange": (n % 12 + 1).astype(np.int16), "id": n.astype(str),
        "participant_timestamp": ts - 2000, "price": price, "sequence_number": n,
        "sip_timestamp": ts, "size": rng.integers(1, 1000, rows), "tape": np.ones(rows, np.int16)})


def rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds > 0 else float("inf")


def server_copy(url: str, folder: Path, rows: int, repeat: int = 2) -> float:
    """Best rows/s of the server's own binary COPY FROM file of the rows currently in ticks
    (each run into the emptied table); leaves ticks empty."""
    path = folder / "ticks.bin"
    conn = raw_connection(get_engine(url))
    best = 0.0
    try:
        cur = conn.cursor()
        cur.execute(f"COPY (SELECT * FROM ticks) TO '{path}' (FORMAT binary)")  # a hypertable's rows live in chunks
        cur.execute("TRUNCATE ticks")
        conn.commit()
        for _ in range(repeat):
            t = time.perf_counter()
            cur.execute(f"COPY ticks FROM '{path}' (FORMAT binary)")
            conn.commit()
            best = max(best, rate(rows, time.perf_counter() - t))
            cur.execute("SELECT count(*) FROM ticks")
            assert cur.fetchone()[0] == rows
            cur.execute("TRUNCATE ticks")
            conn.commit()
    finally:
        conn.close()
    os.unlink(path)
    return best


def to_sql_rate(url: str, table: pa.Table, rows: int) -> float:
    df = table.slice(0, rows).to_pandas()
    frame = pd.DataFrame({
        "symbol": df["ticker"], "timestamp": pd.to_datetime(df["sip_timestamp"], utc=True),
        "price": df["price"], "volume": df["size"], "exchange": df["exchange"], "trade_id": df["id"],
        "sequence_number": df["sequence_number"],
        "conditions": [None if c is None else list(map(int, c)) for c in df["conditions"]],
        "correction": df["correction"], "tape": df["tape"],
        "participant_timestamp": pd.to_datetime(df["participant_timestamp"], utc=True)})
    engine = get_engine(url)
    t = time.perf_counter()
    frame.to_sql("ticks", engine, if_exists="append", index=False, method="multi", chunksize=1000)
    took = time.perf_counter() - t
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE ticks")
    return rate(rows, took)


def truncate(url: str) -> None:
    with get_engine(url).begin() as conn:
        conn.exec_driver_sql("TRUNCATE ticks")


def memory_run(url: str, folder: Path, rows: int, batch_rows: int | None) -> tuple[float, float, int]:
    """Write a CSV of ``rows`` trades in chunks, load it in a subprocess; (peak MiB, s, rows)."""
    path = folder / "big_trades.csv"
    chunk = 1_000_000
    with pacsv.CSVWriter(str(path), make_trades(1, seed=1).drop_columns(["conditions"]).schema) as w:
        for off in range(0, rows, chunk):
            t = make_trades(min(chunk, rows - off), seed=off, offset=off + 10**9).drop_columns(["conditions"])
            w.write_table(t)
    size = path.stat().st_size
    code = (
        "import resource, sys, time\n"
        "from tickstock_research.ingest import load_ticks\n"
        f"kw = {{'batch_rows': {batch_rows}}} if {batch_rows!r} else {{}}\n"
        f"r = load_ticks({str(path)!r}, engine_or_url={url!r}, progress=False, **kw)\n"
        "print(r.rows_read, r.inserted, r.duration_s, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         cwd=str(Path(__file__).resolve().parents[1]))
    read, inserted, dur, maxrss_kib = out.stdout.split()
    os.unlink(path)
    print(f"  csv file {size / 2**20:,.0f} MiB, rows read {int(read):,}, inserted {int(inserted):,}")
    return int(maxrss_kib) / 1024, float(dur), int(read)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--symbols", type=int, default=100)
    ap.add_argument("--to-sql-rows", type=int, default=40_000)
    ap.add_argument("--csv-rows", type=int, default=20_000_000)
    ap.add_argument("--batch-rows", type=int, default=None)
    args = ap.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="tickstock-bench-ingest-", dir="/tmp"))
    os.chmod(folder, 0o777)
    cluster = None
    url = os.environ.get("TICKSTOCK_DATABASE_URL")
    try:
        if not url:
            cluster = LocalCluster(folder / "cluster")
            cluster.start()
            url = cluster.url()
        init_schema(engine_or_url=url)
        kw = {"batch_rows": args.batch_rows} if args.batch_rows else {}
        table = make_trades(args.rows, args.symbols)
        parquet = folder / "trades.parquet"
        pq.write_table(table, parquet)
        load_symbols(pd.DataFrame({"symbol": [f"S{i:03d}" for i in range(args.symbols)]}), engine_or_url=url)
        truncate(url)
        print(f"ingest benchmark: {args.rows:,} ticks, {args.symbols} symbols, {os.cpu_count()} cores")

        first = load_ticks(parquet, engine_or_url=url, progress=False, **kw)
        assert first.inserted == args.rows, first
        kit_rate = rate(args.rows, first.duration_s)
        again = load_ticks(parquet, engine_or_url=url, progress=False, **kw)
        reload_rate = rate(args.rows, again.duration_s)
        server_rate = server_copy(url, folder, args.rows)          # leaves ticks empty
        second = load_ticks(parquet, engine_or_url=url, progress=False, **kw)      # a second sample of the first load
        kit_rate = max(kit_rate, rate(args.rows, second.duration_s))
        assert second.inserted == args.rows, second
        truncate(url)
        pandas_rate = to_sql_rate(url, table, min(args.to_sql_rows, args.rows))

        print(f"  server COPY FROM file (binary)   {server_rate:>12,.0f} rows/s")
        print(f"  load_ticks(parquet), first load  {kit_rate:>12,.0f} rows/s   "
              f"ratio {kit_rate / server_rate:.2f}x server (target >= 0.75x)")
        print(f"  to_sql(method='multi')           {pandas_rate:>12,.0f} rows/s   "
              f"kit/pandas {kit_rate / pandas_rate:.1f}x (target >= 15x)")
        print(f"  re-load same file                {reload_rate:>12,.0f} rows/s   "
              f"ratio {reload_rate / kit_rate:.2f}x first load (target >= 0.5x), rows added {again.inserted}")
        if args.csv_rows:
            truncate(url)
            peak, dur, read = memory_run(url, folder, args.csv_rows, args.batch_rows)
            print(f"  CSV {read:,} rows: peak RSS {peak:,.0f} MiB (target < 1024), "
                  f"{rate(read, dur):,.0f} rows/s")
    finally:
        if cluster is not None:
            from tickstock_research.db.engine import dispose_engines
            dispose_engines()
            cluster.destroy()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
