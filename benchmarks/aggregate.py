"""Aggregation benchmarks (issue 5), measured in one process on the same data.

1. Building 1-minute bars in the database from N ticks (default 5M): ticks per second of
   ``build_minute_bars`` vs fetching those ticks into pandas and resampling there, with two
   fetchers: ``pandas.read_sql`` (the usual way) and ``COPY ... TO STDOUT`` parsed by pyarrow (the
   fastest client path). Target: in-database >= 3x the fetch-and-resample path.
2. The incremental nightly: one new day on top of D stored days (default 60): ``run_rollup()``
   vs aggregating that day alone (``build_minute_bars`` + ``build_daily_bars`` for the day).
   Target: <= 1.5x (cost grows with new data, not history).

Uses TICKSTOCK_DATABASE_URL (an admin URL that may create databases) or starts its own
LocalCluster in a temporary folder. Sizes are configurable because the machine is shared:

    python benchmarks/aggregate.py --ticks 5000000 --days 60 --day-ticks 100000
"""
from __future__ import annotations

import argparse
import io
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import psycopg2
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tickstock_research.aggregate import build_daily_bars, build_minute_bars, run_rollup  # noqa: E402
from tickstock_research.db.engine import dispose_engines, get_engine  # noqa: E402
from tickstock_research.schema.migrate import init_schema  # noqa: E402
from tickstock_research.sqlfiles import query, raw  # noqa: E402

BENCH = "queries/aggregate_bench"
BENCH_COPY = "queries/aggregate_bench_copy"
SESSION_US = 390 * 60 * 1_000_000     # 6.5 hours of trading per day


def new_db(admin_url: str, label: str) -> str:
    name = f"bench_{label}_{secrets.token_hex(3)}"
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    init_schema(engine_or_url=url)
    return url


def drop_db(admin_url: str, url: str) -> None:
    dispose_engines()
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    conn.close()


def gen_ticks(engine, n: int, nsym: int, day: pd.Timestamp, tag: str) -> None:
    """n trades over one day's regular session (13:30-20:00 UTC in March after the DST change;
    the exact hours do not matter here)."""
    with engine.begin() as conn:
        conn.execute(query(BENCH, "ticks"), {"n": n, "nsym": nsym, "t0": (day + pd.Timedelta(hours=13, minutes=30)).to_pydatetime(),
                                             "span_us": SESSION_US, "tag": tag})
        conn.exec_driver_sql("ANALYZE ticks")


def timed(fn, *a, **k):
    t = time.perf_counter()
    out = fn(*a, **k)
    return time.perf_counter() - t, out


def pandas_resample(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values(["symbol", "timestamp"], kind="stable")
    frame["pv"] = frame["price"] * frame["volume"]
    g = frame.groupby(["symbol", pd.Grouper(key="timestamp", freq="1min")])
    out = g.agg(open=("price", "first"), high=("price", "max"), low=("price", "min"), close=("price", "last"),
                volume=("volume", "sum"), pv=("pv", "sum"), trade_count=("price", "size"))
    out = out[out["trade_count"] > 0]
    out["vwap"] = out["pv"] / out["volume"]
    return out


def fetch_read_sql(url, lo, hi) -> pd.DataFrame:
    conn = psycopg2.connect(url, options="-c timezone=UTC")
    try:
        f = pd.read_sql(raw(BENCH_COPY, "ticks_select"), conn, params={"lo": lo, "hi": hi})
    finally:
        conn.close()
    f["price"] = f["price"].astype("float64")
    f["timestamp"] = pd.to_datetime(f["timestamp"], utc=True)
    return f


def fetch_copy_arrow(url, lo, hi) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    conn = psycopg2.connect(url, options="-c timezone=UTC")
    buf = io.BytesIO()
    try:
        with conn.cursor() as cur:
            cur.copy_expert(conn.cursor().mogrify(raw(BENCH_COPY, "ticks_csv"), {"lo": lo, "hi": hi}).decode(), buf)
    finally:
        conn.close()
    buf.seek(0)
    table = pacsv.read_csv(buf, convert_options=pacsv.ConvertOptions(
        column_types={"price": pa.float64(), "volume": pa.int64(), "timestamp": pa.timestamp("us", tz="UTC")},
        timestamp_parsers=["%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S.%f%z", pacsv.ISO8601]))
    return table.to_pandas()


def bench_minutes(admin_url, ticks, nsym, repeat_baseline) -> dict:
    url = new_db(admin_url, "min")
    engine = get_engine(url)
    try:
        days = max(1, -(-ticks // 1_000_000))
        per_day = ticks // days
        d0 = pd.Timestamp("2024-03-11", tz="UTC")
        with engine.begin() as conn:
            conn.execute(query(BENCH, "symbols"), {"n": nsym})
        t_gen = time.perf_counter()
        bdays = pd.bdate_range(d0, periods=days, tz="UTC")
        for i, d in enumerate(bdays):
            gen_ticks(engine, per_day, nsym, d, f"m{i}_")
        print(f"seeded {per_day * days:,} ticks ({days} day(s), {nsym} symbols) in {time.perf_counter() - t_gen:.1f}s",
              flush=True)
        n = per_day * days
        lo, hi = bdays[0], bdays[-1] + pd.Timedelta(days=1)
        t_db, rep = timed(build_minute_bars, lo, hi, engine_or_url=engine, parallel=1)
        print(f"in-database build_minute_bars, one chunk at a time (first build): {t_db:.2f}s = {n / t_db:,.0f} ticks/s ({rep.bars:,} bars)",
              flush=True)
        t_db2, _ = timed(build_minute_bars, lo, hi, engine_or_url=engine, parallel=1)
        print(f"in-database re-run (upserts over existing bars): {t_db2:.2f}s = {n / t_db2:,.0f} ticks/s", flush=True)
        with engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE ohlcv_1min")
        t_db3, _ = timed(build_minute_bars, lo, hi, engine_or_url=engine, parallel=2)
        print(f"in-database first build, 2 chunks at a time (parallel=2, the default): {t_db3:.2f}s = {n / t_db3:,.0f} ticks/s",
              flush=True)
        t_db4, _ = timed(build_minute_bars, lo, hi, engine_or_url=engine, parallel=2)
        print(f"in-database re-run, parallel=2: {t_db4:.2f}s = {n / t_db4:,.0f} ticks/s", flush=True)
        out = {"ticks": n, "db_s": t_db, "db_rerun_s": t_db2, "db_parallel2_s": t_db3, "db_parallel2_rerun_s": t_db4,
               "bars": rep.bars}
        for name, fetch in (("read_sql", fetch_read_sql), ("copy_pyarrow", fetch_copy_arrow)):
            t_fetch, frame = timed(fetch, url, lo.to_pydatetime(), hi.to_pydatetime())
            t_res, bars = timed(pandas_resample, frame)
            assert len(bars) == rep.bars, (len(bars), rep.bars)
            total = t_fetch + t_res
            out[name] = {"fetch_s": t_fetch, "resample_s": t_res, "total_s": total, "ratio": total / t_db,
                         "ratio_parallel2": total / t_db3}
            print(f"pandas via {name}: fetch {t_fetch:.2f}s + resample {t_res:.2f}s = {total:.2f}s "
                  f"({n / total:,.0f} ticks/s); in-database first build is {total / t_db:.2f}x faster "
                  f"({total / t_db3:.2f}x with parallel=2){'; target >= 3x' if name == 'read_sql' else ''}", flush=True)
            del frame, bars
        return out
    finally:
        drop_db(admin_url, url)


def bench_incremental(admin_url, days, day_ticks, nsym) -> dict:
    url = new_db(admin_url, "inc")
    engine = get_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(query(BENCH, "symbols"), {"n": nsym})
        bdays = pd.bdate_range("2024-01-02", periods=days + 1, tz="UTC")
        t0 = time.perf_counter()
        for i, d in enumerate(bdays[:-1]):
            gen_ticks(engine, day_ticks, nsym, d, f"d{i}_")
        print(f"seeded {days} stored days x {day_ticks:,} ticks in {time.perf_counter() - t0:.1f}s", flush=True)
        t_init, rep0 = timed(run_rollup, engine_or_url=engine)
        print(f"initial rollup of {days} days: {t_init:.1f}s ({rep0.minutes.bars:,} minute bars, {rep0.daily.bars:,} daily)",
              flush=True)
        new = bdays[-1]
        gen_ticks(engine, day_ticks, nsym, new, "new_")
        marks = pd.read_sql("SELECT stage, horizon FROM aggregate_watermarks", engine)

        def reset():
            with engine.begin() as conn:
                for r in marks.itertuples():
                    conn.execute(query(BENCH, "reset_watermarks"), {"stage": r.stage, "horizon": r.horizon.to_pydatetime()})

        def alone():
            a = build_minute_bars(new, new + pd.Timedelta(days=1), engine_or_url=engine)
            b = build_daily_bars(new.date(), new.date(), engine_or_url=engine)
            return a, b

        res = {"inc": [], "inc_nogaps": [], "alone": []}
        t, r = timed(run_rollup, engine_or_url=engine)
        res["inc"].append(t)
        print(f"incremental run (first, inserts): {t:.2f}s, {r.dirty_days} dirty (symbol, day) groups, "
              f"{r.minutes.bars:,} minute bars, {r.daily.bars} daily", flush=True)
        for _ in range(2):
            t, _r = timed(alone)
            res["alone"].append(t)
            reset()
            t, r = timed(run_rollup, engine_or_url=engine)
            res["inc"].append(t)
            reset()
            t, r = timed(run_rollup, engine_or_url=engine, check_gaps=False)
            res["inc_nogaps"].append(t)
        best = {k: min(v) for k, v in res.items()}
        print(f"one day alone (minutes + daily): best {best['alone']:.2f}s; incremental nightly: best {best['inc']:.2f}s "
              f"with gap report, {best['inc_nogaps']:.2f}s without", flush=True)
        print(f"incremental / alone = {best['inc'] / best['alone']:.2f}x (with gaps), "
              f"{best['inc_nogaps'] / best['alone']:.2f}x (without); target <= 1.5x", flush=True)
        return {"runs": res, "ratio": best["inc"] / best["alone"], "ratio_nogaps": best["inc_nogaps"] / best["alone"]}
    finally:
        drop_db(admin_url, url)


def bench_rules(admin_url, ticks, nsym) -> dict:
    """Minute bars with the consolidated rules vs all-trades on the same ticks, in one process:
    one database per rule set (the rule set is recorded per database), the same generated
    ticks with conditions on a share of them (odd lots, Form T, average price, footnoted);
    each timed on a rebuild with two connections. Goal: ratio >= 0.8."""
    d0 = pd.Timestamp("2024-03-11", tz="UTC")
    out = {}
    for rule_set in ("all-trades", "consolidated"):
        url = new_db(admin_url, "rules")
        engine = get_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(query(BENCH, "symbols"), {"n": nsym})
            gen_ticks(engine, ticks, nsym, d0, "r_")
            with engine.begin() as conn:
                conn.execute(query(BENCH, "tick_conditions"))
                conn.exec_driver_sql("ANALYZE ticks")
            lo, hi = d0, d0 + pd.Timedelta(days=1)
            build_minute_bars(lo, hi, engine_or_url=engine, rule_set=rule_set)          # first build
            t, rep = timed(build_minute_bars, lo, hi, engine_or_url=engine, parallel=2, chunk="2h")
            out[rule_set] = ticks / t
            print(f"{rule_set}: rebuild of {ticks:,} ticks in {t:.2f}s = {ticks / t:,.0f} ticks/s ({rep.bars:,} bars)",
                  flush=True)
        finally:
            drop_db(admin_url, url)
    print(f"consolidated / all-trades speed: {out['consolidated'] / out['all-trades']:.2f}x (goal >= 0.8x)", flush=True)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ticks", type=int, default=5_000_000, help="ticks for the minute-bar benchmark")
    p.add_argument("--symbols", type=int, default=100)
    p.add_argument("--days", type=int, default=60, help="stored days for the incremental benchmark")
    p.add_argument("--day-ticks", type=int, default=100_000, help="ticks per day for the incremental benchmark")
    p.add_argument("--only", choices=["minutes", "incremental", "rules"], help="run one part")
    args = p.parse_args(argv)
    admin = os.environ.get("TICKSTOCK_DATABASE_URL")
    cluster = home = None
    if not admin:
        from tickstock_research.db.localcluster import LocalCluster

        home = Path(tempfile.mkdtemp(prefix="tickstock-bench-"))
        os.chmod(home, 0o755)
        cluster = LocalCluster(home)
        cluster.start()
        admin = cluster.url(database="postgres")
    try:
        if args.only in (None, "minutes"):
            bench_minutes(admin, args.ticks, args.symbols, True)
        if args.only in (None, "incremental"):
            bench_incremental(admin, args.days, args.day_ticks, args.symbols)
        if args.only in (None, "rules"):
            bench_rules(admin, args.ticks, args.symbols)
    finally:
        dispose_engines()
        if cluster is not None:
            cluster.destroy()
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
