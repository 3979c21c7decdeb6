"""Pattern detection speed (issue 6 figures), synthetic frames in memory, one process.

Measures, on this machine and in this run:
  1. daily scan: --symbols (500) x --days (504, two years) daily bars, every pattern accepting 1d;
  2. intraday scan: --intraday-symbols (100) x --sessions (20) of 1-minute XNYS bars, every pattern
     accepting 1min (the intraday-only ones reported separately);
  3. the live 1-minute Doji check: detect on the newest bar plus 200 bars of history, median of
     --repeats runs, against the 50 ms target (US1).
Baselines, same data, same run: "floor" = one pandas rolling mean over the same bars (the least any
vectorised pass costs), and for the live check a raw numpy test of the single newest bar.

    .venv/bin/python benchmarks/scan.py [--symbols 500 --days 504 --intraday-symbols 100 --sessions 20]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from tickstock_research.patterns import all_patterns, get_pattern
from tickstock_research.sessions import sessions, trading_minutes


def walk(index, rng):
    n = len(index)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.r_[close[0], close[:-1]] * (1 + rng.normal(0, 0.002, n))
    high = np.maximum(open_, close) * (1 + rng.exponential(0.004, n))
    low = np.minimum(open_, close) * (1 - rng.exponential(0.004, n))
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close,
                         "volume": rng.integers(1_000, 100_000, n)}, index=index)


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
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    days = pd.bdate_range("2023-01-02", periods=args.days)
    daily_frames = [walk(days, rng) for _ in range(args.symbols)]
    report("daily", daily_frames, all_patterns("1d"), "1d")

    sess = sessions("2024-03-01", "2024-06-30").index[: args.sessions]
    minutes = trading_minutes(sess[0], sess[-1])
    minute_frames = [walk(minutes, rng) for _ in range(args.intraday_symbols)]
    intraday_only = [p for p in all_patterns("1min") if not p.accepts("1d")]
    report("1-minute, intraday-only patterns", minute_frames, intraday_only, "1min")
    report("1-minute, every pattern accepting 1min", minute_frames, all_patterns("1min"), "1min")

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
