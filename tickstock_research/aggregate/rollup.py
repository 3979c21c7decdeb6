"""The nightly rollup (US12): incremental, idempotent, resumable, logged, checked for gaps.

``run_rollup()`` with no range processes everything new since the last successful run:

1. **Ticks -> minutes.** Ticks carry ``ingested_at`` (their loading transaction's start time,
   BRIN-indexed). The groups (symbol, UTC day) holding ticks loaded at or after the ``ticks``
   watermark are rebuilt whole, so a late or corrected trade of an old day is picked up.
2. **Minutes -> days.** Minutes carry ``built_at`` (set by step 1 and by vendor loads). The
   (symbol, session date) pairs whose minutes changed since the ``minutes`` watermark are
   rebuilt from the calendar's session bounds.
3. **Checks.** For the sessions rebuilt: sessions where a symbol that traded has missing
   regular-session minutes, and days whose volume differs from the sum of their minutes.
4. The new watermarks (taken *before* each stage, and never later than the start of any
   transaction still open, so rows committed later are not skipped) and the run's outcome are
   committed together. A failed or killed run moves nothing: the next run redoes its work, and
   since every build replaces what it covers (upserts), nothing is counted twice.

The cost is proportional to what changed, not to history. With ``start``/``end`` the rollup
instead rebuilds those session dates (and their minutes) whatever changed, leaving the
watermarks alone. Each run is a row in ``aggregate_runs``; the kit's rollup lock keeps two
rollups from running at once (the second gets :class:`~tickstock_research.errors.JobLockedError`).

>>> report = run_rollup(engine_or_url=url)        # doctest: +SKIP
>>> print(report); report.gaps        # doctest: +SKIP
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import pandas as pd
from sqlalchemy.engine import Connection

from ..db.access import require
from ..db.engine import get_engine
from ..db.locks import hold_lock
from ..db.url import redact
from ..errors import InvalidRangeError, JobError, TickstockError
from ..sessions import ALWAYS_OPEN, exchange_tz, session_bounds, sessions, to_date
from ..sessions.calendar import check_session_filter
from ..sqlfiles import query
from ..types import EngineOrURL, SessionFilter, TimestampLike
from ._common import (
    DAY,
    FAMILY,
    MAX_WINDOWS,
    BuildReport,
    Timer,
    claim_daily_session,
    stored_bar_rules,
    symbol_calendars,
    symbol_list,
    utc_list,
)
from .daily import build_daily_windows
from .minutes import WORK_MEM, build_minute_windows

log = logging.getLogger(__name__)

#: Name of the rollup's lock (see :mod:`..db.locks`).
ROLLUP_LOCK = "rollup"
#: Taken off the watermark when the role cannot see other sessions' transaction starts.
HORIZON_MARGIN = "15 minutes"
GAP_COLUMNS = ["symbol", "session", "kind", "expected_minutes", "present_minutes", "missing_minutes",
               "daily_volume", "minute_volume"]


@dataclass
class RollupReport:
    """The outcome of one rollup run (also stored in ``aggregate_runs``)."""

    run_id: int | None
    mode: str
    session: str
    status: str = "running"
    symbols: list[str] | None = None
    ticks_since: pd.Timestamp | None = None
    minutes_since: pd.Timestamp | None = None
    range_start: pd.Timestamp | None = None
    range_end: pd.Timestamp | None = None
    dirty_days: int = 0
    dirty_sessions: int = 0
    minutes: BuildReport = field(default_factory=lambda: BuildReport("ohlcv_1min"))
    daily: BuildReport = field(default_factory=lambda: BuildReport("ohlcv_daily"))
    gaps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=GAP_COLUMNS))
    seconds: float = 0.0
    error: str | None = None

    def to_dict(self) -> dict:
        def ts(x):
            return None if x is None else str(x)
        return {
            "run_id": self.run_id, "mode": self.mode, "session": self.session, "status": self.status,
            "symbols": self.symbols, "ticks_since": ts(self.ticks_since), "minutes_since": ts(self.minutes_since),
            "range_start": ts(self.range_start), "range_end": ts(self.range_end),
            "dirty_days": self.dirty_days, "dirty_sessions": self.dirty_sessions,
            "minutes": self.minutes.to_dict(), "daily": self.daily.to_dict(),
            "gaps": [{k: (None if pd.isna(v) else (str(v) if k == "session" else v)) for k, v in r.items()}
                     for r in self.gaps.to_dict("records")],
            "seconds": round(self.seconds, 3), "error": self.error,
        }

    def __str__(self) -> str:
        since = f" since {self.ticks_since}" if self.mode == "incremental" else ""
        lines = [
            f"aggregate run {self.run_id} ({self.mode}{since}, {self.session} session): {self.status} "
            f"in {self.seconds:.2f}s",
            f"  minutes: {self.dirty_days} (symbol, day) group(s) rebuilt; {self.minutes.bars} bars from "
            f"{self.minutes.inputs} trades, {self.minutes.deleted} stale deleted",
            f"  daily:   {self.dirty_sessions} (symbol, session) pair(s) rebuilt; {self.daily.bars} bars, "
            f"{self.daily.deleted} stale deleted",
        ]
        if self.range_start is not None:
            lines.append(f"  data range: {self.range_start} .. {self.range_end}")
        if self.gaps.empty:
            lines.append("  gaps: none")
        else:
            counts = self.gaps["kind"].value_counts()
            lines.append("  gaps: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
            for r in self.gaps.head(20).itertuples():
                if r.kind == "missing_minutes":
                    lines.append(f"    {r.session} {r.symbol}: {r.missing_minutes} of {r.expected_minutes} "
                                 f"regular minutes missing")
                else:
                    lines.append(f"    {r.session} {r.symbol}: {r.kind} (daily volume {r.daily_volume}, "
                                 f"minutes {r.minute_volume})")
            if len(self.gaps) > 20:
                lines.append(f"    ... {len(self.gaps) - 20} more")
        if self.error:
            lines.append(f"  error: {self.error}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# windows from the calendar

def _bounds(calendar: str, d0: dt.date, d1: dt.date, session: SessionFilter) -> pd.DataFrame:
    """Per session date: [start, end) for ``session`` and the regular [reg_start, reg_end)."""
    sess = sessions(d0, d1, calendar)
    b = session_bounds(sess, session, calendar)
    r = session_bounds(sess, "regular", calendar)
    return pd.DataFrame({"day": list(sess.index), "start": b["start"].to_numpy(), "end": b["end"].to_numpy(),
                         "reg_start": r["start"].to_numpy(), "reg_end": r["end"].to_numpy()})


def pair_windows(pairs: pd.DataFrame, calendars: Mapping[str, str], session: SessionFilter) -> pd.DataFrame:
    """Windows for (symbol, day) pairs; pairs whose day is not a session of the symbol's
    calendar are dropped."""
    out = []
    pairs = pairs.assign(cal=pairs["symbol"].map(calendars))
    for cal, group in pairs.dropna(subset=["cal"]).groupby("cal"):
        d0, d1 = min(group["day"]), max(group["day"])
        b = _bounds(cal, d0, d1, session)
        out.append(group[["symbol", "day"]].merge(b, on="day"))
    if not out:
        return pd.DataFrame(columns=["symbol", "day", "start", "end", "reg_start", "reg_end"])
    return pd.concat(out, ignore_index=True).sort_values(["day", "symbol"], ignore_index=True)


def touched_sessions(days: pd.DataFrame, calendars: Mapping[str, str]) -> pd.DataFrame:
    """(symbol, session date) pairs a (symbol, UTC day) group can belong to: the exchange-local
    dates of the day's first and last instant (two at most); non-sessions drop out later."""
    rows = []
    for cal, group in days.assign(cal=days["symbol"].map(calendars)).dropna(subset=["cal"]).groupby("cal"):
        tz = "UTC" if cal == ALWAYS_OPEN else exchange_tz(cal)
        starts = pd.DatetimeIndex(group["day"])
        if starts.tz is None:
            starts = starts.tz_localize("UTC")
        first = starts.tz_convert(tz).date
        last = (starts + DAY - pd.Timedelta(microseconds=1)).tz_convert(tz).date
        syms = group["symbol"].to_numpy()
        rows.append(pd.DataFrame({"symbol": syms, "day": first}))
        rows.append(pd.DataFrame({"symbol": syms, "day": last}))
    if not rows:
        return pd.DataFrame(columns=["symbol", "day"])
    return pd.concat(rows, ignore_index=True).drop_duplicates(ignore_index=True)


# ---------------------------------------------------------------------------------------------
# checks

def _gaps(conn: Connection, windows: pd.DataFrame) -> pd.DataFrame:
    from .eligibility import rules
    corrections = list(rules(stored_bar_rules(conn)).corrections)
    frames = []
    for i in range(0, len(windows), MAX_WINDOWS):
        w = windows.iloc[i:i + MAX_WINDOWS]
        rows = conn.execute(query(FAMILY, "gaps"), {
            "symbols": w["symbol"].tolist(), "days": list(w["day"]),
            "starts": utc_list(w["reg_start"]), "ends": utc_list(w["reg_end"]),
            "dstarts": utc_list(w["start"]), "dends": utc_list(w["end"]), "corrections": corrections,
        }).all()
        frames.append(pd.DataFrame(rows, columns=GAP_COLUMNS))
    if not frames:
        return pd.DataFrame(columns=GAP_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    for col in ("expected_minutes", "present_minutes", "missing_minutes", "minute_volume"):
        out[col] = out[col].astype("int64")
    out["daily_volume"] = out["daily_volume"].astype("Int64")
    return out


def gap_report(start: TimestampLike, end: TimestampLike, symbols: str | Iterable[str] | None = None,
               session: SessionFilter = "regular", *, engine_or_url: EngineOrURL = None) -> pd.DataFrame:
    """Gaps and reconciliation problems for the session dates in [start, end].

    One row per problem: ``missing_minutes`` (a symbol with at least one regular-session
    minute lacks others: minutes with neither a bar nor a trade that counts; a minute of odd
    lots alone has no bar under the consolidated rules and is not missing), ``volume_mismatch`` (the daily bar's volume differs from the sum of
    its minutes over the ``session`` window), ``missing_daily`` (minutes but no daily bar).
    Columns: symbol, session, kind, expected_minutes, present_minutes, missing_minutes,
    daily_volume, minute_volume.
    """
    check_session_filter(session)
    engine = get_engine(engine_or_url)
    with engine.connect() as conn:
        cals = symbol_calendars(conn, symbol_list(symbols))
        windows = _range_windows(cals, to_date(start), to_date(end), session)
        return _gaps(conn, windows)


def _range_windows(cals: Mapping[str, str], d0: dt.date, d1: dt.date, session: SessionFilter) -> pd.DataFrame:
    frames = []
    by_cal: dict[str, list[str]] = {}
    for sym, cal in cals.items():
        by_cal.setdefault(cal, []).append(sym)
    for cal, syms in by_cal.items():
        b = _bounds(cal, d0, d1, session)
        if not b.empty:
            frames.append(b.merge(pd.DataFrame({"symbol": sorted(syms)}), how="cross"))
    if not frames:
        return pd.DataFrame(columns=["symbol", "day", "start", "end", "reg_start", "reg_end"])
    return pd.concat(frames, ignore_index=True).sort_values(["day", "symbol"], ignore_index=True)


def rollup_runs(limit: int = 20, *, engine_or_url: EngineOrURL = None) -> pd.DataFrame:
    """The latest rollup runs from ``aggregate_runs`` (newest first)."""
    with get_engine(engine_or_url).connect() as conn:
        res = conn.execute(query(FAMILY, "runs"), {"limit": int(limit)})
        return pd.DataFrame(res.all(), columns=list(res.keys()))


# ---------------------------------------------------------------------------------------------
# the run

def _horizon(engine) -> pd.Timestamp:
    with engine.connect() as conn:
        return pd.Timestamp(conn.execute(query(FAMILY, "horizon"), {"margin": HORIZON_MARGIN}).scalar())


def _minute_windows_for_days(days: pd.DataFrame) -> pd.DataFrame:
    starts = pd.DatetimeIndex(days["day"])
    if starts.tz is None:
        starts = starts.tz_localize("UTC")
    return pd.DataFrame({"symbol": days["symbol"].to_numpy(), "start": starts, "end": starts + DAY})


def run_rollup(*, engine_or_url: EngineOrURL = None, start: TimestampLike | None = None,
               end: TimestampLike | None = None, symbols: str | Iterable[str] | None = None,
               session: SessionFilter = "regular", check_gaps: bool = True,
               work_mem: str | None = WORK_MEM, wait: float = 0.0) -> RollupReport:
    """Run the rollup: incremental with no ``start``/``end``, else rebuild those session dates.

    ``symbols`` restricts the work (an incremental run restricted to symbols leaves the
    watermarks where they were, so the next full run still covers the others). ``session``
    is the session filter the daily bars are built with (regular by default).

    >>> print(run_rollup(engine_or_url=url))                                   # doctest: +SKIP
    aggregate run 7 (incremental since 2024-11-28 01:10:02+00:00, regular session): ok in 1.84s
    >>> run_rollup(engine_or_url=url, start="2024-11-25", end="2024-11-29").gaps  # doctest: +SKIP
    """
    check_session_filter(session)
    timer = Timer()
    engine = get_engine(engine_or_url)
    wanted = symbol_list(symbols)
    mode = "incremental" if start is None and end is None else "range"
    require(engine, "the rollup (run_rollup)", "writer")
    busy = "another aggregate run holds the rollup lock{who}; try again when it has finished"
    with hold_lock(engine, ROLLUP_LOCK, wait=max(0.0, float(wait)), busy=busy):
        return _run(engine, mode, start, end, wanted, session, check_gaps, work_mem, timer)


def _run(engine, mode, start, end, wanted, session, check_gaps, work_mem, timer) -> RollupReport:
    with engine.begin() as conn:
        claim_daily_session(conn, session)
        conn.execute(query(FAMILY, "close_stale_runs"))
        marks = {r.stage: pd.Timestamp(r.horizon) for r in conn.execute(query(FAMILY, "watermarks"))}
        cals = symbol_calendars(conn, wanted)
        report = RollupReport(None, mode, session, symbols=wanted,
                              ticks_since=marks.get("ticks"), minutes_since=marks.get("minutes"))
        report.run_id = conn.execute(query(FAMILY, "run_start"), {
            "mode": mode, "session": session, "range_start": None, "range_end": None, "symbols": wanted,
            "ticks_since": report.ticks_since, "minutes_since": report.minutes_since}).scalar()
    report.minutes.session = None
    report.daily.session = session
    new_marks: dict[str, pd.Timestamp] = {}
    try:
        if mode == "incremental":
            windows = _incremental(engine, report, cals, wanted, session, work_mem, new_marks)
        else:
            windows = _ranged(engine, report, cals, wanted, start, end, session, work_mem)
        if check_gaps and not windows.empty:
            with engine.connect() as conn:
                report.gaps = _gaps(conn, windows)
        report.status = "ok"
    except BaseException as exc:
        report.status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        report.error = redact(f"{type(exc).__name__}: {exc}")[:2000]
        report.seconds = timer.seconds
        _finish(engine, report, {})
        if isinstance(exc, (TickstockError, KeyboardInterrupt)) or not isinstance(exc, Exception):
            raise
        raise JobError(f"aggregate run {report.run_id} failed: {report.error}") from exc
    report.seconds = timer.seconds
    _finish(engine, report, new_marks if not wanted else {})
    log.info("%s", report)
    return report


def _finish(engine, report: RollupReport, marks: dict) -> None:
    with engine.begin() as conn:
        for stage, horizon in marks.items():
            conn.execute(query(FAMILY, "set_watermark"),
                         {"stage": stage, "horizon": horizon.to_pydatetime(), "run_id": report.run_id})
        conn.execute(query(FAMILY, "run_finish"), {
            "id": report.run_id, "status": report.status, "error": report.error,
            "range_start": None if report.range_start is None else report.range_start.to_pydatetime(),
            "range_end": None if report.range_end is None else report.range_end.to_pydatetime(),
            "minute_rows": report.minutes.bars + report.minutes.deleted,
            "daily_rows": report.daily.bars + report.daily.deleted,
            "dirty_days": report.dirty_days, "dirty_sessions": report.dirty_sessions,
            "gap_rows": len(report.gaps) if report.status == "ok" else None,
        })


def _since(mark: pd.Timestamp | None):
    return "-infinity" if mark is None else mark.to_pydatetime()


def _incremental(engine, report, cals, wanted, session, work_mem, new_marks) -> pd.DataFrame:
    # stage 1: ticks -> minutes
    new_marks["ticks"] = _horizon(engine)
    with engine.connect() as conn:
        rows = conn.execute(query(FAMILY, "dirty_tick_days"), {"since": _since(report.ticks_since)}).all()
    days = pd.DataFrame(rows, columns=["symbol", "day", "ticks"])
    if wanted:
        days = days[days["symbol"].isin(wanted)]
    report.dirty_days = len(days)
    if not days.empty:
        report.range_start = pd.Timestamp(days["day"].min())
        report.range_end = pd.Timestamp(days["day"].max()) + DAY
        build_minute_windows(engine, _minute_windows_for_days(days), report.minutes, work_mem)
    # stage 2: minutes -> days
    new_marks["minutes"] = _horizon(engine)
    with engine.connect() as conn:
        rows = conn.execute(query(FAMILY, "dirty_minute_days"), {"since": _since(report.minutes_since)}).all()
    mdays = pd.DataFrame(rows, columns=["symbol", "day", "minutes"])[["symbol", "day"]]
    # plus the days stage 1 rebuilt: where it deleted every minute (all trades flagged as
    # corrected) no minute is left to carry a new built_at, and the daily bar must still go
    mdays = pd.concat([mdays, days[["symbol", "day"]]], ignore_index=True).drop_duplicates()
    if wanted:
        mdays = mdays[mdays["symbol"].isin(wanted)]
    windows = pair_windows(touched_sessions(mdays, cals), cals, session)
    report.dirty_sessions = len(windows)
    if not windows.empty:
        build_daily_windows(engine, windows, report.daily)
        lo, hi = pd.Timestamp(windows["start"].min()), pd.Timestamp(windows["end"].max())
        report.range_start = lo if report.range_start is None else min(lo, report.range_start)
        report.range_end = hi if report.range_end is None else max(hi, report.range_end)
    return windows


def _ranged(engine, report, cals, wanted, start, end, session, work_mem) -> pd.DataFrame:
    d0 = to_date(start if start is not None else end)
    d1 = to_date(end if end is not None else dt.datetime.now(dt.timezone.utc).date())
    if d1 < d0:
        raise InvalidRangeError(f"empty or reversed range: start {d0} is after end {d1}")
    # minutes: every UTC day that overlaps the session dates' exchange-local days
    by_cal: dict[str, list[str]] = {}
    for sym, cal in cals.items():
        by_cal.setdefault(cal, []).append(sym)
    parts = []
    for cal, syms in by_cal.items():
        tz = "UTC" if cal == ALWAYS_OPEN else exchange_tz(cal)
        lo = pd.Timestamp(d0).tz_localize(tz).tz_convert("UTC").floor(DAY)
        hi = (pd.Timestamp(d1) + DAY).tz_localize(tz).tz_convert("UTC").ceil(DAY)
        starts = pd.date_range(lo, hi, freq="D", inclusive="left")
        parts.append(pd.DataFrame({"start": starts}).merge(pd.DataFrame({"symbol": sorted(syms)}), how="cross"))
    if parts:
        mw = pd.concat(parts, ignore_index=True)
        if wanted is None:                        # every symbol: one statement per day, no list
            mw = mw[["start"]].drop_duplicates().assign(symbol=None)
        mw["end"] = mw["start"] + DAY
        report.dirty_days = len(mw)
        report.range_start, report.range_end = mw["start"].min(), mw["end"].max()
        build_minute_windows(engine, mw[["symbol", "start", "end"]], report.minutes, work_mem)
    windows = _range_windows(cals, d0, d1, session)
    report.dirty_sessions = len(windows)
    if not windows.empty:
        build_daily_windows(engine, windows, report.daily)
    return windows
