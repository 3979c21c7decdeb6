"""Reading adjusted daily bars versus raw ones: same rows, same process, best of --repeats.

Seeds --symbols (500) x --days (504) daily bars; a tenth of the symbols get a split and two
dividends. Reads every symbol's bars with ``HistoricalLoader.bars(..., "1d")`` raw, with
``adjust="splits"`` and with ``adjust="all"``, and prints the time ratios (goal: adjusted at
most 1.3x raw).

    .venv/bin/python benchmarks/adjusted_read.py [--symbols 500 --days 504 --repeats 5]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, scratch_server  # noqa: E402
from dask_scan import seed  # noqa: E402
from tickstock_research.corporate import load_dividends, load_splits  # noqa: E402
from tickstock_research.load import HistoricalLoader  # noqa: E402
from tickstock_research.schema.migrate import init_schema  # noqa: E402


def best(fn, repeats: int) -> tuple[float, pd.DataFrame]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--symbols", type=int, default=500)
    ap.add_argument("--days", type=int, default=504)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with scratch_server() as admin:
        url = fresh_database(admin, "bench_adjusted_read")
        init_schema(engine_or_url=url)
        symbols = [f"S{i:04d}" for i in range(args.symbols)]
        rows = seed(url, symbols, args.days)
        days = pd.bdate_range("2023-01-02", periods=args.days)
        with_actions = symbols[::10]
        load_splits(pd.DataFrame({"ticker": with_actions, "execution_date": days[args.days // 2].date(),
                                  "split_from": 1, "split_to": 4}), engine_or_url=url)
        load_dividends(pd.DataFrame({"ticker": with_actions * 2,
                                     "ex_dividend_date": [days[args.days // 4].date()] * len(with_actions)
                                     + [days[3 * args.days // 4].date()] * len(with_actions),
                                     "cash_amount": 0.25}), engine_or_url=url)
        loader = HistoricalLoader(engine_or_url=url)
        raw_t, raw = best(lambda: loader.bars(symbols, "1d"), args.repeats)
        spl_t, spl = best(lambda: loader.bars(symbols, "1d", adjust="splits"), args.repeats)
        all_t, alla = best(lambda: loader.bars(symbols, "1d", adjust="all"), args.repeats)
        assert len(raw) == len(spl) == len(alla) == rows
        changed = int((raw["close"].to_numpy() != spl["close"].to_numpy()).sum())
        print(f"{rows:,} daily bars, {len(with_actions)} symbols with a split and two dividends "
              f"({changed:,} bars changed by the split adjustment)")
        print(f"raw            {raw_t * 1000:8.1f} ms")
        print(f"adjust=splits  {spl_t * 1000:8.1f} ms   {spl_t / raw_t:.2f}x raw (goal <= 1.3x)")
        print(f"adjust=all     {all_t * 1000:8.1f} ms   {all_t / raw_t:.2f}x raw (goal <= 1.3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
