"""Pattern scanning speed (issue 6 figures), one process, the same synthetic bars throughout.

Measures, on this machine and in this run:
  1. daily detection: --symbols (500) x --days (504, two years) daily bars in memory, every
     pattern accepting 1d;
  2. intraday detection: --intraday-symbols (100) x --sessions (20) of 1-minute XNYS bars, every
     pattern accepting 1min (the intraday-only ones reported separately);
  3. the same two scans end to end with ``scan()``: the bars stored in a scratch database
     (``ohlcv_daily``, ``ohlcv_1min``), read by the loader, detected and recorded in ``events``
     (``--no-db`` skips this part);
  4. the live 1-minute Doji check: detect on the newest bar plus 200 bars of history, median of
     --repeats runs, against the 50 ms target (US1).
Baselines, same data, same run: "floor" = one pandas rolling mean over the same bars (the least any
vectorised pass costs), and for the live check a raw numpy test of the single newest bar; the
end-to-end scans are compared with detection alone on the same bars.

    .venv/bin/python benchmarks/scan.py [--symbols 500 --days 504 --intraday-symbols 100 --sessions 20]
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, scratch_server  # noqa: E402
from tickstock_research.patterns import all_patterns, get_pattern  # noqa: E402
from tickstock_research.sessions import sessions, trading_minutes  # noqa: E402


def walk(index, rng):
    n = len(index)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.r_[close[0], close[:-1]] * (1 + rng.normal(0, 0.002, n))
    high = np.maximum(open_, close) * (1 + rng.exponential(0.004, n))
    low = np.minimum(open_, close) * (1 - rng.exponential(0.004, n))
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close,
                         "volume": rng.integers(1_000, 100_000, n)}, index=index).round(4)


def store(url: str, table: str, frames: list[pd.DataFrame], symbols: list[str]) -> None:
    """COPY the frames into ``table`` (``ohlcv_daily`` by date, ``ohlcv_1min`` by timestamp)."""
    key = "date" if table == "ohlcv_daily" else "timestamp"
    rows = pd.concat([f.rename_axis(key).reset_index().assign(symbol=s) for s, f in zip(symbols, frames)])
    if key == "date":
        rows["date"] = rows["date"].dt.date
    buf = io.StringIO()
    rows[["symbol", key, "open", "high", "low", "close", "volume"]].to_csv(buf, index=False, header=False)
    buf.seek(0)
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.copy_expert(f'copy {table}(symbol, "{key}", open, high, low, close, volume) from stdin (format csv)', buf)
    conn.close()


def end_to_end(frames_daily, minute_frames, intraday_only, detect_seconds) -> None:
    """scan() over the same bars stored in a scratch database: read, detect, write events."""
    from tickstock_research.db.engine import dispose_engines
    from tickstock_research.events import scan
    from tickstock_research.schema.migrate import init_schema

    with scratch_server() as admin:
        url = fresh_database(admin, "bench_scan")
        init_schema(engine_or_url=url)
        daily_syms = [f"S{i:04d}" for i in range(len(frames_daily))]
        minute_syms = daily_syms[:len(minute_frames)]
        conn = psycopg2.connect(url)
        with conn, conn.cursor() as cur:
            cur.copy_expert("copy symbols(symbol) from stdin", io.StringIO("\n".join(daily_syms) + "\n"))
        conn.close()
        store(url, "ohlcv_daily", frames_daily, daily_syms)
        store(url, "ohlcv_1min", minute_frames, minute_syms)
        print("\nend to end (scan(): loader read + detection + events written), same bars in a scratch database:")
        runs = [("daily", daily_syms, None, "1d", frames_daily[0].index, sum(map(len, frames_daily))),
                ("1-minute, intraday-only", minute_syms, intraday_only, "1min", minute_frames[0].index,
                 sum(map(len, minute_frames)))]
        for label, syms, patterns, tf, index, bars in runs:
            t, rep = timed(lambda: scan(syms, patterns, timeframe=tf, start=index[0], end=index[-1], engine_or_url=url))
            print(f"  {label}: {t:.2f} s = {bars / t:,.0f} bars/s; {rep.detections:,} detections, "
                  f"{rep.inserted:,} events written; detection alone {detect_seconds[label]:.2f} s "
                  f"(scan / detection = {t / detect_seconds[label]:.2f}x)")
        dispose_engines()


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def scan_frames(frames, patterns, timeframe):
    per = {p.name: 0.0 for p in patterns}
    found = 0
    for f in frames:
        for p in patterns:
            dt, det = timed(lambda: p.detect(f, timeframe))
            per[p.name] += dt
            found += len(det)
    return per, found


def floor(frames):
    return timed(lambda: [f["close"].rolling(20).mean() for f in frames])[0]


def report(label, frames, patterns, timeframe):
    bars = sum(len(f) for f in frames)
    per, found = scan_frames(frames, patterns, timeframe)
    total = sum(per.values())
    base = floor(frames)
    print(f"\n{label}: {len(frames)} symbols, {bars:,} bars, {len(patterns)} patterns, {found:,} detections")
    print(f"  all patterns: {total:.2f} s = {bars / total:,.0f} bars/s through every pattern "
          f"({bars * len(patterns) / total:,.0f} bar-pattern checks/s)")
    print(f"  floor (one rolling mean per symbol): {base:.3f} s; scan / floor = {total / base:.0f}x")
    for name, sec in sorted(per.items(), key=lambda kv: -kv[1]):
        print(f"    {name:26s} {sec:7.3f} s  {bars / sec:>12,.0f} bars/s")
    return per, bars


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--symbols", type=int, default=500)
    ap.add_argument("--days", type=int, default=504)
    ap.add_argument("--intraday-symbols", type=int, default=100)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--history", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--no-db", action="store_true", help="skip the end-to-end scans through a database")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    days = pd.bdate_range("2023-01-02", periods=args.days)
    daily_frames = [walk(days, rng) for _ in range(args.symbols)]
    detect_seconds = {"daily": sum(report("daily", daily_frames, all_patterns("1d"), "1d")[0].values())}

    sess = sessions("2024-03-01", "2024-06-30").index[: args.sessions]
    minutes = trading_minutes(sess[0], sess[-1])
    minute_frames = [walk(minutes, rng) for _ in range(args.intraday_symbols)]
    intraday_only = [p for p in all_patterns("1min") if not p.accepts("1d")]
    per, _ = report("1-minute, intraday-only patterns", minute_frames, intraday_only, "1min")
    detect_seconds["1-minute, intraday-only"] = sum(per.values())
    report("1-minute, every pattern accepting 1min", minute_frames, all_patterns("1min"), "1min")
    if not args.no_db:
        end_to_end(daily_frames, minute_frames, [p.name for p in intraday_only], detect_seconds)

    # live check: the newest bar arrives; run Doji on it with 200 bars of history
    frame = minute_frames[0].iloc[-(args.history + 1):]
    doji = get_pattern("Doji")
    doji.detect(frame, "1min")  # warm caches
    runs = [timed(lambda: doji.detect(frame, "1min"))[0] for _ in range(args.repeats)]
    last = frame.iloc[-1]
    raw = [timed(lambda: abs(last["close"] - last["open"]) <= 0.01 * (last["high"] - last["low"]))[0]
           for _ in range(args.repeats)]
    med, p95 = statistics.median(runs), sorted(runs)[int(0.95 * len(runs)) - 1]
    print(f"\nlive 1-minute Doji on 1 new bar + {args.history} bars of history: median {med * 1e3:.2f} ms, "
          f"p95 {p95 * 1e3:.2f} ms (target < 50 ms: {'met' if med < 0.05 else 'NOT met'}); "
          f"raw single-bar numpy test {statistics.median(raw) * 1e6:.1f} us, ratio {med / statistics.median(raw):.0f}x")


if __name__ == "__main__":
    main()
