"""1-minute bars to daily bars (``ohlcv_daily``) keyed by the exchange's session date.

Which minutes make a day comes from the symbol's exchange calendar (``symbols.calendar``, else
by ``symbols.market``; XNYS by default, UTC days for 24/7 markets), never from UTC dates or
hours: the calendar's sessions give each session date's [start, end) in UTC, which are passed
to SQL as arrays. ``regular`` is 09:30-16:00 New York (13:00 on early closes), ``extended``
04:00-20:00 (17:00 after an early close), ``all`` the whole exchange-local date. Holidays and
weekends have no session, hence no row; daylight-saving changes are the calendar's business.

>>> build_daily_bars("2024-11-25", "2024-11-29", ["SPY"], engine_or_url=url) # doctest: +SKIP
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Iterable, Mapping

import pandas as pd
from sqlalchemy.engine import Connection

from ..db.engine import get_engine, run_transaction
from ..errors import InvalidRangeError
from ..sessions import session_bounds, sessions, to_date
from ..sessions.calendar import check_session_filter
from ..sqlfiles import query
from ..types import EngineOrURL, SessionFilter, TimestampLike
from ._common import (
    FAMILY,
    MAX_WINDOWS,
    BuildReport,
    ChunkResult,
    Timer,
    claim_daily_session,
    symbol_calendars,
    symbol_list,
    utc_list,
)

log = logging.getLogger(__name__)

_WINDOW_COLUMNS = ["symbol", "day", "start", "end"]


def session_windows(calendars: Mapping[str, str], start: TimestampLike, end: TimestampLike,
                    session: SessionFilter = "regular", days: Iterable[dt.date] | None = None) -> pd.DataFrame:
    """One row per (symbol, session date) in [start, end] with the session's UTC [start, end).

    ``calendars`` maps symbol -> calendar name. ``days`` optionally restricts to these dates.
    """
    check_session_filter(session)
    wanted = None if days is None else set(days)
    frames = []
    by_cal: dict[str, list[str]] = {}
    for sym, cal in calendars.items():
        by_cal.setdefault(cal, []).append(sym)
    for cal, syms in by_cal.items():
        sess = sessions(start, end, cal)
        if wanted is not None:
            sess = sess[[d in wanted for d in sess.index]]
        if sess.empty:
            continue
        b = session_bounds(sess, session, cal)
        one = pd.DataFrame({"day": list(b.index), "start": b["start"].to_numpy(), "end": b["end"].to_numpy()})
        frames.append(one.merge(pd.DataFrame({"symbol": sorted(syms)}), how="cross"))
    if not frames:
        return pd.DataFrame(columns=_WINDOW_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[_WINDOW_COLUMNS]
    return out.sort_values(["day", "symbol"], ignore_index=True)


def daily_windows(conn: Connection, windows: pd.DataFrame):
    """Rebuild the daily bars of the (symbol, day, start, end) windows in one statement;
    returns (bars, volume, deleted). The caller owns the transaction."""
    starts, ends = utc_list(windows["start"]), utc_list(windows["end"])
    params = {"symbols": windows["symbol"].tolist(), "days": list(windows["day"]), "starts": starts,
              "ends": ends, "lo": min(starts), "hi": max(ends)}
    row = conn.execute(query(FAMILY, "daily_bars"), params).one()
    deleted = conn.execute(query(FAMILY, "daily_bars_stale"), {"symbols": params["symbols"],
                                                               "days": params["days"]}).rowcount
    return ChunkResult(int(row.bars), int(row.volume), deleted)


def build_daily_windows(engine, windows: pd.DataFrame, report: BuildReport) -> BuildReport:
    """Run :func:`daily_windows` in committed chunks of at most ``MAX_WINDOWS`` windows."""
    windows = windows.sort_values(["day", "symbol"], ignore_index=True)
    for i in range(0, len(windows), MAX_WINDOWS):
        part = windows.iloc[i:i + MAX_WINDOWS]
        row = run_transaction(engine, lambda conn, part=part: daily_windows(conn, part))
        report.add(row)
        report.inputs += row.inputs
    return report


def build_daily_bars(start: TimestampLike | Iterable[TimestampLike], end: TimestampLike | None = None,
                     symbols: str | Iterable[str] | None = None, session: SessionFilter = "regular",
                     *, engine_or_url: EngineOrURL = None) -> BuildReport:
    """Build ``ohlcv_daily`` from ``ohlcv_1min`` for the session dates in [start, end] (inclusive).

    ``start`` may instead be a list of session dates (``end`` None). Sessions come from each
    symbol's calendar; ``session`` picks regular (default), extended or all hours. Idempotent.
    The table holds one session filter (the first build's, regular by default; the loader reads
    it for that filter and computes the others from the minutes): a build with another filter
    raises ConfigurationError rather than overwrite the stored bars.

    >>> build_daily_bars("2024-11-29", "2024-11-29", ["SPY"], engine_or_url=url).bars   # doctest: +SKIP
    1
    """
    check_session_filter(session)
    timer = Timer()
    days = None
    if end is None:
        if isinstance(start, (str, dt.date, pd.Timestamp)):
            end = start
        else:
            days = sorted({to_date(d) for d in start})
            if not days:
                raise InvalidRangeError("no session dates given")
            start, end = days[0], days[-1]
    d0, d1 = to_date(start), to_date(end)
    if d1 < d0:
        raise InvalidRangeError(f"empty or reversed range: start {d0} is after end {d1}")
    engine = get_engine(engine_or_url)
    with engine.begin() as conn:
        claim_daily_session(conn, session)
        cals = symbol_calendars(conn, symbol_list(symbols))
    windows = session_windows(cals, d0, d1, session, days)
    report = BuildReport("ohlcv_daily", d0, d1, session=session)
    if not windows.empty:
        build_daily_windows(engine, windows, report)
    report.seconds = timer.seconds
    log.info("%s", report)
    return report
