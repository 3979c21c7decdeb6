"""Compression on the timescale tier (TimescaleDB community licence), one run, same data.

On a fresh database of ``--symbols`` symbols x ``--sessions`` sessions of ticks (``--rows`` in
all, regular hours), aggregated by the kit's rollup, it measures:

1. compression ratio of ``ticks`` and ``ohlcv_1min`` (hypertable_compression_stats) and the time
   to compress;
2. reads, uncompressed vs compressed: every tick of 10 symbols over all sessions
   (``HistoricalLoader.ticks``), and 5-minute bars of all symbols over all sessions
   (``HistoricalLoader.bars``), best of ``--repeat``;
3. a late trade (load + incremental rollup) into an uncompressed day vs a compressed one, and
   the recompression of that day's chunks afterwards;
4. an incremental rollup with nothing new, uncompressed vs compressed (the rollup finds new
   ticks by ``ingested_at``, which compressed chunks keep no index or metadata for);
5. a continuous aggregate of 5-minute bars (from ``ohlcv_1min``, buckets on the half hour, so
   aligned to the 09:30 open) against the on-read path: refresh time, read time, and whether
   the bars are identical.

Needs a server with the community licence: ``--url`` / ``TICKSTOCK_DATABASE_URL``, else a
private LocalCluster (the installed TimescaleDB must have its community module).

    python benchmarks/compression.py --rows 5000000 --symbols 100 --sessions 20
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, scratch_server  # noqa: E402
from tickstock_research.aggregate import run_rollup  # noqa: E402
from tickstock_research.db.engine import dispose_engines, get_engine  # noqa: E402
from tickstock_research.ingest import load_ticks  # noqa: E402
from tickstock_research.load import HistoricalLoader  # noqa: E402
from tickstock_research.schema.compression import compression_sizes, recompress_partial  # noqa: E402
from tickstock_research.schema.migrate import init_schema  # noqa: E402
from tickstock_research.schema.retention import set_retention  # noqa: E402
from tickstock_research.schema.tiers import detect_tier  # noqa: E402
from tickstock_research.sessions import session_bounds, sessions  # noqa: E402

# Ticks of one session, generated in the server: :n trades spread over the regular session,
# symbols round-robin, prices a deterministic walk.
SEED_DAY = """
INSERT INTO ticks (symbol, "timestamp", price, volume, exchange, trade_id, sequence_number, correction)
SELECT 'S' || lpad((n % :symbols)::text, 3, '0'),
       CAST(:open AS timestamptz) + (n * (CAST(:seconds AS float8) / :n)) * INTERVAL '1 second',
       round((50 + (n % 997) * 0.01 + (n % 13) * 0.1)::numeric, 2),
       1 + n % 300, (n % 12)::smallint, :day || '-' || n, n, 0
FROM generate_series(0, :n - 1) n
"""
CAGG = """
CREATE MATERIALIZED VIEW bench_bars_5min WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
SELECT symbol, time_bucket(INTERVAL '5 minutes', "timestamp") AS bucket,
       first(open, "timestamp") AS open, max(high) AS high, min(low) AS low, last(close, "timestamp") AS close,
       sum(volume)::bigint AS volume
FROM ohlcv_1min GROUP BY symbol, time_bucket(INTERVAL '5 minutes', "timestamp") WITH NO DATA
"""
CAGG_READ = """
SELECT symbol, bucket AS "timestamp", open::float8 AS open, high::float8 AS high, low::float8 AS low,
       close::float8 AS close, volume
FROM bench_bars_5min
WHERE symbol = ANY (CAST(:symbols AS text[])) AND bucket >= :lo AND bucket < :hi
ORDER BY symbol, bucket
"""


def best(fn, repeat: int) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def sizes(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {r.table_name: int(r.total_bytes) for r in conn.execute(sa.text(
            "SELECT hypertable_name AS table_name, hypertable_size(format('%I', hypertable_name)::regclass) AS total_bytes "
            "FROM timescaledb_information.hypertables WHERE hypertable_schema = current_schema()"))}


def compress_all(engine) -> None:
    with engine.begin() as conn:
        for table in ("ticks", "ohlcv_1min"):
            conn.execute(sa.text(f"SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('{table}') c"))


def late_trade(url, symbol: str, at: pd.Timestamp, tag: str) -> tuple[float, float]:
    frame = pd.DataFrame({"symbol": [symbol], "timestamp": [at], "price": ["51.23"], "volume": [7],
                          "trade_id": [f"late-{tag}"], "exchange": [1]})
    t_load, rep = timed(lambda: load_ticks(frame, engine_or_url=url, progress=False))
    assert rep.inserted == 1
    t_roll, _ = timed(lambda: run_rollup(engine_or_url=url, check_gaps=False))
    return t_load, t_roll


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=None)
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--symbols", type=int, default=100)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import os
    if args.url:
        os.environ["TICKSTOCK_DATABASE_URL"] = args.url
    with scratch_server() as admin:
        url = fresh_database(admin, "bench_compression")
        try:
            return run(url, args)
        finally:
            dispose_engines()


def run(url: str, args) -> int:
    init_schema(engine_or_url=url)
    engine = get_engine(url)
    with engine.connect() as conn:
        tier = detect_tier(conn)
    if tier != "timescale":
        print(f"needs the timescale tier (community licence); this server gives {tier}", file=sys.stderr)
        return 2
    set_retention("ticks", "off", engine_or_url=url)
    sess = sessions("2024-03-04", "2024-06-28", "XNYS").index[: args.sessions]
    bounds = session_bounds(sessions(sess[0], sess[-1], "XNYS"), "regular", "XNYS")
    symbols = [f"S{i:03d}" for i in range(args.symbols)]
    per_day = args.rows // len(sess)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO symbols (symbol) SELECT unnest(CAST(:s AS text[])) ON CONFLICT DO NOTHING"),
                     {"s": symbols})
        for day, (start, end) in zip(sess, zip(bounds["start"], bounds["end"])):
            conn.execute(sa.text(SEED_DAY), {"symbols": args.symbols, "open": start.to_pydatetime(), "n": per_day,
                                             "seconds": (end - start).total_seconds(), "day": str(day)})
    seeded = time.perf_counter() - t0
    t_roll, _ = timed(lambda: run_rollup(engine_or_url=url, check_gaps=False))
    with engine.connect() as conn:
        n_ticks = conn.execute(sa.text("SELECT count(*) FROM ticks")).scalar()
        n_min = conn.execute(sa.text("SELECT count(*) FROM ohlcv_1min")).scalar()
    print(f"data: {n_ticks:,} ticks, {n_min:,} minute bars, {args.symbols} symbols x {len(sess)} sessions "
          f"(seeded in {seeded:.1f}s, rolled up in {t_roll:.1f}s)")
    lo, hi = bounds["start"].iloc[0], bounds["end"].iloc[-1]
    loader = HistoricalLoader(engine_or_url=url)
    few = symbols[:10]

    def reads():
        t_ticks = best(lambda: loader.ticks(few, lo, hi), args.repeat)
        t_bars = best(lambda: loader.bars(symbols, "5min", str(sess[0]), str(sess[-1])), args.repeat)
        return t_ticks, t_bars

    idle_u, _ = timed(lambda: run_rollup(engine_or_url=url, check_gaps=False))
    (tk_u, tk_u_med, ticks_u), (bars_u, bars_u_med, frame_u) = reads()
    size_u = sizes(engine)

    t_comp, _ = timed(lambda: compress_all(engine))
    with engine.connect() as conn:
        comp = compression_sizes(conn)
    idle_c, _ = timed(lambda: run_rollup(engine_or_url=url, check_gaps=False))
    (tk_c, tk_c_med, ticks_c), (bars_c, bars_c_med, frame_c) = reads()

    # late trades into one day: first with its chunks decompressed, then compressed again
    mid = len(sess) // 2
    day_lo, day_hi = bounds["start"].iloc[mid].floor("D"), bounds["start"].iloc[mid].floor("D") + pd.Timedelta(days=1)
    late_at = bounds["start"].iloc[mid] + pd.Timedelta(minutes=95, seconds=0.5)
    with engine.begin() as conn:
        for table in ("ticks", "ohlcv_1min"):
            conn.execute(sa.text(f"SELECT decompress_chunk(c) FROM show_chunks('{table}', newer_than => :lo) c "
                                 "WHERE c IN (SELECT show_chunks(:t, older_than => :hi))"),
                         {"lo": day_lo.to_pydatetime(), "hi": day_hi.to_pydatetime(), "t": table})
    late_u = late_trade(url, "S000", late_at, "u")
    compress_all(engine)
    late_c = late_trade(url, "S000", late_at + pd.Timedelta(seconds=1), "c")
    with engine.begin() as conn:
        t_recomp, again = timed(lambda: recompress_partial(conn))

    print("\n1. compression (all chunks compressed; sizes include indexes)")
    print(f"   compress time: {t_comp:.1f}s")
    for table in ("ticks", "ohlcv_1min"):
        c = comp[table]
        print(f"   {table:<11} {size_u[table] / 2**20:8.1f} MiB -> {c['after_bytes'] / 2**20:7.1f} MiB "
              f"({c['before_bytes'] / c['after_bytes']:.1f}x; {c['compressed_chunks']} chunks)")
    print("\n2. reads, best (median) of", args.repeat)
    print(f"   ticks, 10 symbols x {len(sess)} sessions ({len(ticks_u):,} rows): uncompressed {tk_u:.3f}s "
          f"({tk_u_med:.3f}), compressed {tk_c:.3f}s ({tk_c_med:.3f}): {tk_c / tk_u:.2f}x the time")
    print(f"   5-minute bars, {args.symbols} symbols x {len(sess)} sessions ({len(frame_u):,} bars): uncompressed "
          f"{bars_u:.3f}s ({bars_u_med:.3f}), compressed {bars_c:.3f}s ({bars_c_med:.3f}): {bars_c / bars_u:.2f}x the time")
    print(f"   same results: ticks {ticks_u.equals(ticks_c)}, bars {frame_u.equals(frame_c)}")
    print("\n3. a late trade (load / incremental rollup)")
    print(f"   into an uncompressed day: {late_u[0]:.3f}s / {late_u[1]:.3f}s")
    print(f"   into a compressed day:    {late_c[0]:.3f}s / {late_c[1]:.3f}s "
          f"({(late_c[0] + late_c[1]) / (late_u[0] + late_u[1]):.2f}x the time); "
          f"recompressing its {len(again)} chunk(s) afterwards: {t_recomp:.2f}s")
    print("\n4. incremental rollup with nothing new")
    print(f"   uncompressed {idle_u:.3f}s, compressed {idle_c:.3f}s ({idle_c / idle_u:.1f}x)")

    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(sa.text(CAGG))
        t_refresh, _ = timed(lambda: conn.execute(sa.text(
            "CALL refresh_continuous_aggregate('bench_bars_5min', NULL, NULL)")))
    with engine.connect() as conn:
        def cagg_read():
            frames = []
            for day, (start, end) in zip(sess, zip(bounds["start"], bounds["end"])):
                frames.append(pd.read_sql(sa.text(CAGG_READ), conn, params={
                    "symbols": symbols, "lo": start.to_pydatetime(), "hi": end.to_pydatetime()}))
            return pd.concat(frames, ignore_index=True)
        t_cagg, t_cagg_med, cagg = best(cagg_read, args.repeat)
    t_onread, t_onread_med, onread = best(
        lambda: loader.bars(symbols, "5min", str(sess[0]), str(sess[-1])), args.repeat)
    on = onread.reset_index()[["symbol", "timestamp", "open", "high", "low", "close", "volume"]]
    ca = cagg.assign(timestamp=pd.to_datetime(cagg["timestamp"], utc=True)).sort_values(["symbol", "timestamp"],
                                                                                          ignore_index=True)
    on = on.sort_values(["symbol", "timestamp"], ignore_index=True)
    same = len(on) == len(ca) and all((on[c].to_numpy() == ca[c].to_numpy()).all() for c in on.columns)
    print("\n5. 5-minute bars, continuous aggregate vs on-read (compressed minutes)")
    print(f"   refresh of the aggregate (all {n_min:,} minutes): {t_refresh:.2f}s")
    print(f"   read: aggregate {t_cagg:.3f}s ({t_cagg_med:.3f}), on-read {t_onread:.3f}s ({t_onread_med:.3f}): "
          f"on-read takes {t_onread / t_cagg:.2f}x the aggregate's time; identical bars: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
