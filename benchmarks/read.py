"""Reader benchmark: the kit's HistoricalLoader against peer readers, one process, same rows.

1. Ticks into a DataFrame (default 2,000,000 ticks of 100 symbols): ``HistoricalLoader.ticks``
   (COPY ... TO STDOUT parsed by pyarrow, parallel connections) against ``pandas.read_sql``
   over SQLAlchemy+psycopg2, ADBC's PostgreSQL driver and ConnectorX. The peers run the same
   SELECT (same rows, same order) with ``price::float8`` so they also produce float64 prices,
   and their timestamps are made tz-aware UTC where they are not (the conversion is timed).
   ConnectorX runs twice: on one connection, and in its own parallel mode on as many
   connections as the kit (``partition_on="exchange"``, rows then not in one order). The kit is
   also shown on one connection.
   Target: >= 6x pandas.read_sql and >= the fastest peer.
2. 5-minute bars for 100 symbols over a month of 1-minute bars: ``HistoricalLoader.bars``
   (computed in the database) against pulling the 1-minute rows and resampling in pandas, with
   the 1-minute rows pulled by pandas.read_sql and, as a stronger baseline, by the kit's own
   fast reader. Target: >= 3x.

The database: ``--url`` or ``TICKSTOCK_DATABASE_URL`` (a scratch database is created on that
server and dropped afterwards), else a private LocalCluster in a temporary folder. Sizes are
options; every timing is the best of ``--repeat`` runs (medians printed too).

    python benchmarks/read.py --rows 2000000 --symbols 100 --repeat 3
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg2
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa
from psycopg2 import sql as psql
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tickstock_research.db.engine import dispose_engines, get_engine  # noqa: E402
from tickstock_research.load import HistoricalLoader  # noqa: E402
from tickstock_research.schema.migrate import init_schema  # noqa: E402
from tickstock_research.sessions import session_bounds, sessions  # noqa: E402

TICK_START = pd.Timestamp("2024-03-04 09:00", tz="UTC")
TICK_END = pd.Timestamp("2024-03-09 00:00", tz="UTC")
BAR_FIRST, BAR_LAST = "2024-04-01", "2024-04-30"

#: The peers' SELECT: the same rows and order as HistoricalLoader.ticks, prices cast to float8.
PEER_TICKS = """
SELECT t.symbol, t."timestamp", t.price::float8 AS price, t.volume, t.exchange, t.trade_id, t.sequence_number,
       t.conditions{cond_cast} AS conditions, t.correction
FROM unnest(ARRAY[{symbols}]::text[]) AS u (sym)
CROSS JOIN LATERAL (
    SELECT * FROM ticks WHERE symbol = u.sym AND "timestamp" >= '{start}' AND "timestamp" < '{end}'
    ORDER BY "timestamp", exchange, trade_id) AS t
"""
PEER_MINUTES = """
SELECT symbol, "timestamp", open::float8 AS open, high::float8 AS high, low::float8 AS low, close::float8 AS close,
       volume FROM ohlcv_1min WHERE symbol = ANY (ARRAY[{symbols}]::text[])
       AND "timestamp" >= '{start}' AND "timestamp" < '{end}' ORDER BY symbol, "timestamp"
"""


# ---------------------------------------------------------------------------------- database
class Database:
    """A scratch database: on the configured server, or in a private LocalCluster."""

    def __init__(self, url: str | None):
        self.cluster = self.home = None
        url = url or os.environ.get("TICKSTOCK_DATABASE_URL")
        if url is None:
            from tickstock_research.db.localcluster import LocalCluster

            self.home = Path(tempfile.mkdtemp(prefix="tickstock-bench-read-"))
            os.chmod(self.home, 0o755)
            self.cluster = LocalCluster(self.home)
            self.cluster.start()
            url = self.cluster.url(database="postgres")
        self.admin_url = url
        self.name = f"bench_read_{secrets.token_hex(3)}"
        conn = psycopg2.connect(url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(psql.SQL("CREATE DATABASE {}").format(psql.Identifier(self.name)))
        conn.close()
        self.url = make_url(url).set(database=self.name).render_as_string(hide_password=False)
        init_schema(engine_or_url=self.url)

    def close(self) -> None:
        dispose_engines()
        conn = psycopg2.connect(self.admin_url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psql.Identifier(self.name)))
        conn.close()
        if self.cluster is not None:
            self.cluster.destroy()
            shutil.rmtree(self.home, ignore_errors=True)


def copy_in(url: str, table: str, columns: list[str], frame: pa.Table) -> float:
    """COPY an Arrow table into a fixed table through pyarrow's CSV writer; returns seconds."""
    buf = io.BytesIO()
    pacsv.write_csv(frame, buf, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    buf.seek(0)
    t0 = time.perf_counter()
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)", buf, size=1 << 20)
    conn.close()
    return time.perf_counter() - t0


def seed(url: str, rows: int, n_symbols: int) -> list[str]:
    symbols = [f"B{i:03d}" for i in range(n_symbols)]
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO symbols (symbol) VALUES (%s)", [(s,) for s in symbols])
    conn.close()
    rng = np.random.default_rng(7)
    per = rows // n_symbols
    span = int((TICK_END - TICK_START) / pd.Timedelta(microseconds=1))
    offs = np.sort(rng.integers(0, span, (n_symbols, per)), axis=1).ravel()
    ts = pa.array(TICK_START.value // 1000 + offs, type=pa.timestamp("us", tz="UTC"))
    n = per * n_symbols
    cond_choices = np.array(["{12,37}", "{14}", None], dtype=object)
    ticks = pa.table({
        "symbol": pa.array(np.repeat(symbols, per)),
        "timestamp": ts,
        "price": pa.array(np.round(rng.uniform(5, 900, n), 4)),
        "volume": pa.array(rng.integers(1, 10_000, n)),
        "exchange": pa.array(rng.integers(1, 20, n).astype("int16")),
        "trade_id": pa.array(np.char.add("t", np.arange(n).astype(str))),
        "sequence_number": pa.array(np.arange(n)),
        "conditions": pa.array(cond_choices[rng.integers(0, 3, n)]),
        "correction": pa.array(np.zeros(n, dtype="int16")),
    })
    secs = copy_in(url, "ticks", [f'"{c}"' for c in ticks.column_names], ticks)
    print(f"seeded {n:,} ticks with COPY in {secs:.1f} s ({n / secs / 1e3:.0f}k rows/s)")

    bounds = session_bounds(sessions(BAR_FIRST, BAR_LAST), "regular")
    minutes = np.concatenate([pd.date_range(s, e, freq="min", inclusive="left").as_unit("us").asi8
                              for s, e in zip(bounds["start"], bounds["end"])])
    m = len(minutes)
    base = 100 + np.cumsum(rng.normal(0, 0.05, (n_symbols, m)), axis=1).ravel()
    o = np.round(base, 2)
    c = np.round(base + rng.normal(0, 0.05, base.size), 2)
    bars = pa.table({
        "symbol": pa.array(np.repeat(symbols, m)),
        "timestamp": pa.array(np.tile(minutes, n_symbols), type=pa.timestamp("us", tz="UTC")),
        "open": pa.array(o), "high": pa.array(np.round(np.maximum(o, c) + 0.05, 2)),
        "low": pa.array(np.round(np.minimum(o, c) - 0.05, 2)), "close": pa.array(c),
        "volume": pa.array(rng.integers(100, 5000, base.size)),
    })
    secs = copy_in(url, "ohlcv_1min", [f'"{c}"' for c in bars.column_names], bars)
    print(f"seeded {bars.num_rows:,} 1-minute bars ({len(bounds)} sessions) with COPY in {secs:.1f} s")
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE ticks")
        cur.execute("VACUUM ANALYZE ohlcv_1min")
    conn.close()
    return symbols


# ---------------------------------------------------------------------------------- readers
def kit_ticks(loader, symbols):
    return loader.ticks(symbols, TICK_START, TICK_END)


def read_sql_ticks(engine, sql_text):
    with engine.connect() as conn:
        frame = pd.read_sql(sa.text(sql_text), conn)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame


def adbc_ticks(url, sql_text):
    import adbc_driver_postgresql.dbapi as adbc

    with adbc.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql_text)
        return cur.fetch_arrow_table().to_pandas()


def connectorx_ticks(url, sql_text, partitions: int = 1):
    """ConnectorX; with ``partitions`` > 1 it splits the query on ``exchange`` ranges over that
    many connections (its own parallel mode, the peer of the kit's ``parallel``)."""
    import connectorx as cx

    extra = {"partition_on": "exchange", "partition_num": partitions} if partitions > 1 else {}
    frame = cx.read_sql(url, sql_text, return_type="arrow", **extra).to_pandas()
    if frame["timestamp"].dt.tz is None:
        frame["timestamp"] = frame["timestamp"].dt.tz_localize("UTC")
    return frame


def resample_5min(minutes: pd.DataFrame) -> pd.DataFrame:
    """The pandas way: per symbol, 5-minute buckets (09:30 New York is on the 5-minute grid)."""
    frame = minutes.set_index("timestamp")
    out = frame.groupby("symbol").resample("5min").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"})
    return out.dropna(subset=["open"])


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        del result
        result = None
    t0 = time.perf_counter()
    result = fn()
    times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000, help="ticks to seed and read")
    ap.add_argument("--symbols", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per reader (best is reported)")
    ap.add_argument("--parallel", type=int, default=2, help="connections the kit's reader may use")
    ap.add_argument("--url", default=None, help="server to create a scratch database on")
    ap.add_argument("--part", choices=["all", "ticks", "bars"], default="all", help="which comparison to run")
    ap.add_argument("--skip", default="", help="comma list of peers to skip: read_sql,adbc,connectorx")
    args = ap.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    missing = [peer for peer, module in (("adbc", "adbc_driver_postgresql"), ("connectorx", "connectorx"))
               if peer not in skip and importlib.util.find_spec(module) is None]
    if missing and args.part != "bars":
        print(f"peer reader(s) not installed: {', '.join(missing)}; install them with "
              f"`.venv/bin/pip install -e \".[bench]\"` or pass --skip {','.join(missing)}", file=sys.stderr)
        return 2
    db = Database(args.url)
    try:
        symbols = seed(db.url, args.rows, args.symbols)
        engine = get_engine(db.url)
        loader = HistoricalLoader(engine_or_url=engine, parallel=args.parallel)
        loader1 = HistoricalLoader(engine_or_url=engine, parallel=1)
        sym_sql = ", ".join(f"'{s}'" for s in symbols)  # generated names, not user input
        peer = PEER_TICKS.format(symbols=sym_sql, start=TICK_START.isoformat(), end=TICK_END.isoformat(), cond_cast="")
        peer_cx = PEER_TICKS.format(symbols=sym_sql, start=TICK_START.isoformat(), end=TICK_END.isoformat(),
                                    cond_cast="::text")
        cx_url = make_url(db.url).render_as_string(hide_password=False)
        readers = {
            f"kit HistoricalLoader.ticks (parallel={args.parallel})": lambda: kit_ticks(loader, symbols),
            "kit HistoricalLoader.ticks (parallel=1)": lambda: kit_ticks(loader1, symbols),
            "pandas.read_sql (SQLAlchemy+psycopg2)": lambda: read_sql_ticks(engine, peer),
            "ADBC PostgreSQL driver": lambda: adbc_ticks(cx_url, peer),
            "ConnectorX": lambda: connectorx_ticks(cx_url, peer_cx),
            f"ConnectorX (partition_num={args.parallel})": lambda: connectorx_ticks(cx_url, peer_cx, args.parallel),
        }
        names = {"pandas.read_sql (SQLAlchemy+psycopg2)": "read_sql", "ADBC PostgreSQL driver": "adbc",
                 "ConnectorX": "connectorx", f"ConnectorX (partition_num={args.parallel})": "connectorx"}
        results = {}
        if args.part == "bars":
            readers = {}
        print(f"\n== {args.rows:,} ticks / {args.symbols} symbols into a DataFrame (best of {args.repeat + 1}) ==")
        for name, fn in readers.items():
            if names.get(name) in skip:
                continue
            best, median, frame = timed(fn, args.repeat if names.get(name) != "read_sql" else max(1, args.repeat - 1))
            results[name] = best
            dtypes = f"price {frame['price'].dtype}, ts {frame['timestamp'].dtype if 'timestamp' in frame else frame.index.dtype}"
            print(f"{name:48s} {best:7.3f} s (median {median:6.3f})  {len(frame) / best / 1e6:5.2f} M rows/s  "
                  f"[{len(frame):,} rows; {dtypes}]")
            del frame
        kit = results.get(f"kit HistoricalLoader.ticks (parallel={args.parallel})")
        print()
        for name, secs in results.items():
            if not name.startswith("kit"):
                print(f"kit vs {name:40s} {secs / kit:5.2f}x")
        kit1 = results.get("kit HistoricalLoader.ticks (parallel=1)")
        for name, secs in results.items():
            if not name.startswith("kit"):
                print(f"kit (1 connection) vs {name:27s} {secs / kit1:5.2f}x")

        if args.part == "ticks":
            return 0
        print(f"\n== 5-minute bars, {args.symbols} symbols, {BAR_FIRST}..{BAR_LAST} from 1-minute bars ==")
        end = (pd.Timestamp(BAR_LAST) + pd.Timedelta(days=1)).isoformat()
        mins_sql = PEER_MINUTES.format(symbols=sym_sql, start=BAR_FIRST, end=end)

        def pull_read_sql():
            with engine.connect() as conn:
                frame = pd.read_sql(sa.text(mins_sql), conn)
            frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
            return resample_5min(frame)

        def pull_kit():
            return resample_5min(loader.bars(symbols, "1min", BAR_FIRST, BAR_LAST).reset_index())

        b_kit, m_kit, bars = timed(lambda: loader.bars(symbols, "5min", BAR_FIRST, BAR_LAST), args.repeat)
        b_rs, m_rs, via_rs = timed(pull_read_sql, max(1, args.repeat - 1))
        b_fast, m_fast, via_fast = timed(pull_kit, args.repeat)
        same = (len(bars) == len(via_rs) and np.array_equal(bars["close"].to_numpy(), via_rs["close"].to_numpy())
                and np.array_equal(bars["volume"].to_numpy(), via_rs["volume"].to_numpy().astype("int64")))
        print(f"{'kit bars(5min) in the database':48s} {b_kit:7.3f} s (median {m_kit:6.3f})  {len(bars):,} bars")
        print(f"{'pandas.read_sql 1-min rows + resample':48s} {b_rs:7.3f} s (median {m_rs:6.3f})")
        print(f"{'kit fast 1-min read + pandas resample':48s} {b_fast:7.3f} s (median {m_fast:6.3f})")
        print(f"results identical: {same}")
        print(f"in-database vs read_sql+resample:  {b_rs / b_kit:5.2f}x")
        print(f"in-database vs fast read+resample: {b_fast / b_kit:5.2f}x")
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
