"""Ticks to 1-minute bars in the database (``ohlcv_1min``), one set-based statement per chunk.

A bar covers one UTC minute (minutes are the same in every time zone): open and close are the
first and last trade by (timestamp, sequence_number, trade_id), high/low the extremes, volume
the sum of sizes, vwap sum(price*size)/sum(size), trade_count the number of trades. Trades
whose ``correction`` indicator is non-zero are skipped: in Massive (Polygon) trade files 0 is
a regular trade and any other value flags a trade that was corrected, cancelled or is an error
record, so it must not move a bar.

Re-running over the same ticks gives the same rows (upserts); a chunk replaces what it covers,
so a bar whose only trades were flagged since the last build is removed.

>>> report = build_minute_bars("2024-03-11", "2024-03-15", symbols=["AAPL"])   # doctest: +SKIP
>>> print(report)                                                                # doctest: +SKIP
ohlcv_1min 2024-03-11 00:00:00+00:00 .. 2024-03-16 00:00:00+00:00: 4,212 bars ...
"""
from __future__ import annotations

import logging
from typing import Iterable, Sequence

import pandas as pd
from sqlalchemy.engine import Connection

from ..db.engine import get_engine
from ..types import EngineOrURL, TimestampLike
from ..sqlfiles import query
from ._common import (DAY, ChunkResult, FAMILY, MAX_WINDOWS, BuildReport, Timer, symbol_calendars, symbol_list, utc_list,
                      utc_range)

log = logging.getLogger(__name__)

#: work_mem for one build transaction (the window sort of a day of ticks stays in memory).
WORK_MEM = "128MB"


def minute_windows(conn: Connection, symbols: Sequence[str], starts: Sequence, ends: Sequence,
                   work_mem: str | None = WORK_MEM):
    """Rebuild the minutes of each (symbol, [start, end)) window (minute-aligned UTC) in one
    statement; returns (bars, trades, deleted).

    The caller owns the transaction.
    """
    if work_mem:
        conn.execute(query(FAMILY, "work_mem"), {"value": work_mem})
    starts, ends = utc_list(starts), utc_list(ends)
    params = {"symbols": list(symbols), "starts": starts, "ends": ends, "lo": min(starts), "hi": max(ends)}
    row = conn.execute(query(FAMILY, "minute_bars"), params).one()
    deleted = conn.execute(query(FAMILY, "minute_bars_stale"), params).rowcount
    return ChunkResult(int(row.bars), int(row.trades), deleted)


def build_minute_windows(engine, windows: pd.DataFrame, report: BuildReport,
                         work_mem: str | None = WORK_MEM) -> BuildReport:
    """Run :func:`minute_windows` over a frame of (symbol, start, end), one committed
    transaction per time chunk (windows grouped by start), so an interrupted build keeps
    what it finished and a re-run redoes only the rest at no extra count."""
    if windows.empty:
        return report
    for _, group in windows.groupby("start", sort=True):
        for i in range(0, len(group), MAX_WINDOWS):
            part = group.iloc[i:i + MAX_WINDOWS]
            with engine.begin() as conn:
                row = minute_windows(conn, part["symbol"].tolist(), part["start"], part["end"], work_mem)
            report.add(row)
            report.inputs += row.inputs
    return report


def time_chunks(lo: pd.Timestamp, hi: pd.Timestamp, chunk: pd.Timedelta = DAY) -> Iterable[tuple]:
    """[lo, hi) cut at multiples of ``chunk`` since the epoch (whole UTC days by default)."""
    edge = lo.floor(chunk) + chunk if chunk >= pd.Timedelta(minutes=1) else hi
    a = lo
    while a < hi:
        b = min(edge, hi)
        yield a, b
        a, edge = b, edge + chunk


def build_minute_bars(start: TimestampLike, end: TimestampLike, symbols: str | Iterable[str] | None = None,
                      engine_or_url: EngineOrURL = None, *, chunk: str | pd.Timedelta = "1D",
                      work_mem: str | None = WORK_MEM) -> BuildReport:
    """Build ``ohlcv_1min`` from ``ticks`` for [start, end) and the given symbols (all if None).

    ``start``/``end`` are UTC unless they carry a zone; a date-only ``end`` includes that whole
    UTC day. Each chunk (one UTC day by default) is one INSERT .. ON CONFLICT statement in its
    own transaction. Idempotent: a re-run gives the same rows.

    >>> build_minute_bars("2024-11-29", "2024-11-29", ["SPY"], url).bars   # doctest: +SKIP
    210
    """
    timer = Timer()
    lo, hi = utc_range(start, end)
    engine = get_engine(engine_or_url)
    wanted = symbol_list(symbols)
    with engine.connect() as conn:
        names = sorted(symbol_calendars(conn, wanted))
    report = BuildReport("ohlcv_1min", lo, hi)
    step = pd.Timedelta(chunk)
    parts = []
    for a, b in time_chunks(lo, hi, step):
        parts.append(pd.DataFrame({"symbol": names, "start": a, "end": b}))
    if names and parts:
        build_minute_windows(engine, pd.concat(parts, ignore_index=True), report, work_mem)
    report.seconds = timer.seconds
    log.info("%s", report)
    return report
