"""Scanning on Dask: two local worker processes versus in-process, same database, same bars.

Seeds --symbols (1,000) x --days (504, two years) of daily bars, then scans every daily pattern
over the whole range twice: in this process, and on a ``dask.distributed`` LocalCluster with
two single-threaded worker processes (``scan(..., client=...)``). Events are cleared between the
runs so both write the same rows. Prints both times and the ratio (goal: at least 1.6x on this
2-core machine; the database server shares those cores).

    .venv/bin/python benchmarks/dask_scan.py [--symbols 1000 --days 504 --batch 50]

Uses TICKSTOCK_DATABASE_URL (an admin URL allowed to create databases) or starts a private
local cluster in a temporary folder.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, scratch_server  # noqa: E402
from tickstock_research.events import scan  # noqa: E402
from tickstock_research.schema.migrate import init_schema  # noqa: E402


def seed(url: str, symbols: list[str], days: int) -> int:
    rng = np.random.default_rng(7)
    index = pd.bdate_range("2023-01-02", periods=days)
    frames = []
    for sym in symbols:
        close = 50 * np.exp(np.cumsum(rng.normal(0, 0.015, days)))
        open_ = np.r_[close[0], close[:-1]] * (1 + rng.normal(0, 0.003, days))
        high = np.maximum(open_, close) * (1 + rng.exponential(0.006, days))
        low = np.minimum(open_, close) * (1 - rng.exponential(0.006, days))
        frames.append(pd.DataFrame({"symbol": sym, "date": index.date, "open": open_.round(4), "high": high.round(4),
                                    "low": low.round(4), "close": close.round(4),
                                    "volume": rng.integers(1_000, 1_000_000, days)}))
    bars = pd.concat(frames, ignore_index=True)
    bars["low"] = bars[["low", "open", "close"]].min(axis=1)
    bars["high"] = bars[["high", "open", "close"]].max(axis=1)
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.copy_expert("copy symbols(symbol) from stdin", io.StringIO("\n".join(symbols) + "\n"))
        buf = io.StringIO()
        bars.to_csv(buf, index=False, header=False)
        buf.seek(0)
        cur.copy_expert("copy ohlcv_daily(symbol, date, open, high, low, close, volume) from stdin (format csv)", buf)
    conn.close()
    return len(bars)


def clear_events(url: str) -> None:
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute("truncate events")
    conn.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--symbols", type=int, default=1000)
    ap.add_argument("--days", type=int, default=504)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from distributed import Client, LocalCluster as DaskCluster

    with scratch_server() as admin:
        url = fresh_database(admin, "bench_dask_scan")
        init_schema(engine_or_url=url)
        symbols = [f"S{i:04d}" for i in range(args.symbols)]
        t0 = time.perf_counter()
        bars = seed(url, symbols, args.days)
        print(f"seeded {bars:,} daily bars for {len(symbols)} symbols in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        local = scan(symbols, timeframe="1d", engine_or_url=url, batch=args.batch)
        t_local = time.perf_counter() - t0
        print(f"in-process : {t_local:7.1f} s  {bars / t_local:10,.0f} bars/s  ({local.detections:,} detections)")
        clear_events(url)
        with DaskCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                         host="127.0.0.1", silence_logs=40) as dc, Client(dc) as client:
            client.run(lambda: __import__("tickstock_research.events"))  # warm imports, as a standing cluster has
            t0 = time.perf_counter()
            remote = scan(symbols, timeframe="1d", engine_or_url=url, batch=args.batch, client=client)
            t_dask = time.perf_counter() - t0
        print(f"dask x{args.workers}    : {t_dask:7.1f} s  {bars / t_dask:10,.0f} bars/s  ({remote.detections:,} detections)")
        assert remote.detections == local.detections and remote.inserted == local.inserted
        print(f"ratio (in-process time / dask time): {t_local / t_dask:.2f}x  (goal >= 1.6x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
