"""Space partitioning of ``ticks``: 1 (time only) versus N hash partitions by symbol.

The seed asked for 100 hash partitions; Timescale advises against space partitioning on a
single node. This measures, in one run on the same rows:

- ingest: server-side ``COPY ticks FROM 'file' (FORMAT binary)`` into a fresh database of each
  layout (the server's own limit, no client in the way);
- a one-symbol range query (one symbol, one day), median of repeated runs, plan + execution.

Usage: ``.venv/bin/python benchmarks/partitions.py [--rows 1000000] [--partitions 100]``.
Uses ``TICKSTOCK_DATABASE_URL`` (an admin URL allowed to create databases and read/write
server files) or starts a private local cluster in a temporary folder.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psycopg2
from psycopg2 import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database as fresh_db, scratch_server  # noqa: E402
from tickstock_research.schema.migrate import init_schema  # noqa: E402

SEED_ROWS = """
INSERT INTO symbols (symbol) SELECT 'S' || lpad(i::text, 3, '0') FROM generate_series(0, %(symbols)s - 1) i
ON CONFLICT DO NOTHING;
CREATE UNLOGGED TABLE bench_ticks AS
SELECT 'S' || lpad((n %% %(symbols)s)::text, 3, '0') AS symbol,
       timestamptz '2024-03-04 14:30:00+00' + (n / %(symbols)s) * interval '1 millisecond' * %(step_ms)s AS "timestamp",
       round((100 + (n %% 997) * 0.01)::numeric, 4) AS price,
       (1 + n %% 500)::bigint AS volume,
       (n %% 12)::smallint AS exchange,
       n::text AS trade_id,
       n::bigint AS sequence_number,
       NULL::smallint[] AS conditions,
       0::smallint AS correction,
       1::smallint AS tape,
       NULL::timestamptz AS participant_timestamp
FROM generate_series(0, %(rows)s - 1) n;
"""


QUERIES = [
    ("one symbol, one day", 'select count(*), sum(price) from ticks where symbol = %(symbol)s '
     'and "timestamp" >= %(start)s and "timestamp" < %(end)s', ("2024-03-05 00:00+00", "2024-03-06 00:00+00")),
    ("one symbol, all days", 'select count(*), sum(price) from ticks where symbol = %(symbol)s '
     'and "timestamp" >= %(start)s and "timestamp" < %(end)s', ("2024-03-01 00:00+00", "2024-03-12 00:00+00")),
    ("all symbols, one day, 1-min buckets", "select symbol, date_trunc('minute', \"timestamp\"), max(price), sum(volume) "
     'from ticks where "timestamp" >= %(start)s and "timestamp" < %(end)s group by 1, 2',
     ("2024-03-05 00:00+00", "2024-03-06 00:00+00")),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--symbols", type=int, default=100)
    ap.add_argument("--partitions", type=int, default=100)
    ap.add_argument("--queries", type=int, default=30)
    args = ap.parse_args()
    with scratch_server() as admin:
        run(admin, args)
    return 0


def run(admin: str, args) -> None:
    # 5 sessions' worth of time: spread rows so chunks (1 day) are several
    step_ms = max(1, int(5 * 86_400_000 / max(1, args.rows // args.symbols)))
    results = {}
    src = psycopg2.connect(fresh_db(admin, "bench_part_src"))
    src.autocommit = True
    with src.cursor() as cur:
        cur.execute("create table symbols (symbol varchar(20) primary key)")
        cur.execute(SEED_ROWS, {"rows": args.rows, "symbols": args.symbols, "step_ms": step_ms})
        cur.execute("select current_setting('data_directory')")
        datadir = cur.fetchone()[0]
        path = f"{datadir}/bench_ticks.bin"
        cur.execute("copy bench_ticks to %s (format binary)", (path,))
        # the same rows as a day's flat file delivers them (and the kit's ingest writes them):
        # ordered by symbol then time within each day
        sorted_path = f"{datadir}/bench_ticks_sorted.bin"
        cur.execute("copy (select * from bench_ticks order by \"timestamp\"::date, symbol, \"timestamp\") "
                    "to %s (format binary)", (sorted_path,))
    layouts = [(1, path, "1 partition, time-ordered rows"),
               (1, sorted_path, "1 partition, rows ordered by symbol per day"),
               (args.partitions, path, f"{args.partitions} partitions, time-ordered rows")]
    for parts, src_path, label in layouts:
        url = fresh_db(admin, f"bench_part_{parts}_{len(results)}")
        init_schema(engine_or_url=url, extension="require", space_partitions=parts)
        conn = psycopg2.connect(url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("insert into symbols(symbol) select 'S' || lpad(i::text, 3, '0') "
                        "from generate_series(0, %s - 1) i", (args.symbols,))
            t0 = time.perf_counter()
            cur.execute('copy ticks (symbol, "timestamp", price, volume, exchange, trade_id, sequence_number, '
                        'conditions, correction, tape, participant_timestamp) from %s (format binary)', (src_path,))
            ingest_s = time.perf_counter() - t0
            cur.execute("analyze ticks")
            cur.execute("select count(*) from ticks")
            assert cur.fetchone()[0] == args.rows
            timings = {}
            for qlabel, q, span in QUERIES:
                times = []
                for i in range(args.queries):
                    sym = f"S{(i * 37) % args.symbols:03d}"
                    t0 = time.perf_counter()
                    cur.execute(q, {"symbol": sym, "start": span[0], "end": span[1]})
                    cur.fetchall()
                    times.append(time.perf_counter() - t0)
                timings[qlabel] = statistics.median(times) * 1000
            cur.execute("select count(*) from show_chunks('ticks')")
            chunks = cur.fetchone()[0]
        conn.close()
        results[label] = {"parts": parts, "ingest_rows_s": args.rows / ingest_s, "query_ms": timings, "chunks": chunks}
    src.close()
    print(f"rows={args.rows:,} symbols={args.symbols}")
    labels = list(results)
    base = results[labels[0]]
    for label, r in results.items():
        print(f"  {label}: chunks={r['chunks']}, server COPY binary {r['ingest_rows_s']:,.0f} rows/s "
              f"({r['ingest_rows_s'] / base['ingest_rows_s']:.2f}x of the first layout)")
        for q, ms in r["query_ms"].items():
            print(f"      {q:<38} median {ms:8.2f} ms ({ms / base['query_ms'][q]:.2f}x the time of the first layout)")


if __name__ == "__main__":
    sys.exit(main())
