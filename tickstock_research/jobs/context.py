"""The context every report and data-quality table is computed in: the session date, its
bounds from the exchange calendar, the engine and the nightly job's summary.

Why a module of its own: the report (:mod:`.report`) and the data-quality checks
(:mod:`.quality`) share it, and the date's calendar facts (a session or not, closed yet or not)
are decided here once, so no table falls back to a UTC day.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence, cast

import pandas as pd
import sqlalchemy as sa

from ..db.engine import get_engine
from ..sessions import session_bounds, sessions, to_date
from ..sqlfiles import query
from ..symbols import parse_symbols
from ..types import SessionFilter


@dataclass
class ReportContext:
    """The date reported on, its session bounds, the engine and the job's summary (if any)."""

    date: dt.date
    engine: sa.Engine
    summary: dict = field(default_factory=dict)
    symbols: list[str] | None = None
    calendar: str = "XNYS"

    @property
    def session(self) -> pd.Series | None:
        """The calendar's row for the date (open, close, early_close, ...), None when the date
        is not a trading day."""
        s = sessions(self.date, self.date, self.calendar)
        return None if s.empty else s.iloc[0]

    @property
    def is_session(self) -> bool:
        return self.session is not None

    def closed(self, now: pd.Timestamp | None = None) -> bool:
        """Whether the session's extended hours are over (its data can be complete)."""
        s = self.session
        now = now if now is not None else pd.Timestamp.now(tz="UTC")
        return s is not None and s["extended_close"] <= now

    @property
    def regular_minutes(self) -> int:
        """Minutes of the regular session: 390, 210 on an early close, 0 on a non-trading day."""
        if not self.is_session:
            return 0
        r0, r1 = self.bounds("regular")
        return int((r1 - r0) / pd.Timedelta(minutes=1))

    def bounds(self, which: SessionFilter = "extended") -> tuple[pd.Timestamp, pd.Timestamp]:
        """The session's [start, end) in UTC. A non-trading day has no bounds: an empty
        interval at its UTC midnight, so nothing (not the eve's evening trades) falls in it."""
        s = sessions(self.date, self.date, self.calendar)
        if s.empty:
            start = pd.Timestamp(self.date, tz="UTC")
            return start, start
        b = session_bounds(s, which, self.calendar).iloc[0]
        return b["start"], b["end"]

    def step(self, name: str) -> dict:
        for s in self.summary.get("steps", []):
            if s.get("name") == name:
                return s
        return {}


def context(date: str | dt.date | None = None, summary_path: str | None = None, symbols: Sequence[str] | str | None = None,
            *, engine_or_url=None) -> ReportContext:
    """Open the report's context: engine from ``TICKSTOCK_DATABASE_URL`` (or the embedded
    database), and the nightly job's summary JSON when given."""
    if not date:
        from .nightly import default_date

        date = default_date()
    day = to_date(date)
    summary: dict = {}
    if summary_path and Path(summary_path).is_file():
        summary = json.loads(Path(summary_path).read_text(encoding="utf-8"))
    return ReportContext(day, get_engine(engine_or_url), summary, parse_symbols(symbols or None))


def frame(sql_name: str, ctx: ReportContext, params: dict, family: str = "queries/jobs_report") -> pd.DataFrame:
    """A named query of ``sql/queries/jobs_report.sql`` as a frame (columns kept when empty)."""
    with ctx.engine.connect() as conn:
        result = conn.execute(query(family, sql_name), params)
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


DAILY_COLUMNS = ["symbol", "date", "open", "high", "low", "close", "volume", "vwap", "trade_count"]


def stored_daily_bars(ctx: ReportContext) -> pd.DataFrame:
    """The stored daily bars of the context's date (its symbols, else every symbol), read by
    :class:`HistoricalLoader` for the session filter they were built for."""
    from ..load import HistoricalLoader
    from ..schema.settings import daily_session

    loader = HistoricalLoader(engine_or_url=ctx.engine)
    known = set(loader.symbols()["symbol"])
    wanted = [s for s in (ctx.symbols or sorted(known)) if s in known]
    if not wanted:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    with ctx.engine.connect() as conn:
        session = daily_session(conn)
    bars = loader.bars(wanted, "1d", ctx.date, ctx.date, session=cast(SessionFilter, session)).reset_index()
    bars["date"] = [t.date() for t in pd.to_datetime(bars["date"])]
    return bars[DAILY_COLUMNS]


def only(table: pd.DataFrame, ctx: ReportContext) -> pd.DataFrame:
    """The rows of the context's symbols (all when it names none)."""
    if ctx.symbols and "symbol" in table.columns:
        table = table[table["symbol"].isin(ctx.symbols)]
    return table.reset_index(drop=True)
