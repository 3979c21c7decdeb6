"""``load_bars``: vendor OHLCV bars into ``ohlcv_1min`` or ``ohlcv_daily`` through the loader of
:mod:`.writers`, with the bar rules: a 1-minute bar on a whole minute, a daily bar on a session of
its symbol's calendar, and the Massive folder (``minute_aggs_v1``, ``day_aggs_v1``) choosing the
table.

>>> load_bars("us_stocks_sip/day_aggs_v1/2024/01/2024-01-02.csv.gz")   # doctest: +SKIP
"""
from __future__ import annotations

from typing import Literal, cast

import numpy as np
import pandas as pd
import pyarrow as pa

from ..db.engine import get_engine
from ..errors import UnknownTimeframeError, ValidationError
from ..sessions import session_date, sessions
from ..sessions.calendar import DEFAULT_CALENDAR
from ..sessions.lookup import symbol_calendars
from ..types import EngineOrURL, UnknownSymbolPolicy
from . import validate as v
from .copy import Column
from .report import LoadReport
from .sources import Source, SourceLike, sources_of
from .writers import DEFAULT_BATCH_ROWS, Target, _Writer, require_schema

Timeframe = Literal["1min", "1d"]


def _bar_columns(c: v.Checked, daily: bool) -> list[Column]:
    first = Column("date", c.cols["date"]) if daily else Column("timestamptz", c.cols["timestamp"])
    return [
        first,
        Column("int8", c.cols["volume"]),
        Column("numeric", c.cols["open"]),
        Column("numeric", c.cols["high"]),
        Column("numeric", c.cols["low"]),
        Column("numeric", c.cols["close"]),
        Column("numeric", c.cols["vwap"], c.nulls["vwap"]),
        Column("int4", c.cols["trade_count"], c.nulls["trade_count"]),
        Column("text", c.cols["symbol"]),
        Column("text", pa.array(np.full(c.n, "vendor", dtype=object), pa.string())),
    ]


def _daily_dates(calendar: str | None, calendars: dict[str, str]):
    """The session date of each daily bar, by the calendar of its symbol (``calendar`` for all
    when given; else the symbol's own, from ``symbols``, XNYS for symbols not known yet); a bar on
    a day that is no session of that calendar (a weekend, a holiday) is flagged ``not_a_session``."""
    def add(c: v.Checked) -> None:
        ns = c.cols["timestamp"] * 1000
        syms = c.cols["symbol"].to_pylist()
        cal = np.array([calendar or calendars.get(sym, DEFAULT_CALENDAR) for sym in syms], dtype=object)
        days = np.zeros(c.n, dtype=np.int64)
        for name in set(cal.tolist()):
            rows = cal == name
            if c.meta.get("date_is_session"):
                days[rows] = ns[rows] // (86_400 * 10**9)
            else:
                dates = session_date(pd.Series(pd.to_datetime(ns[rows], unit="ns", utc=True)), name)
                days[rows] = np.asarray(dates, dtype="datetime64[D]").astype(np.int64)
            live = rows & (c.code == 0)
            if live.any():
                lo, hi = (np.datetime64(int(x), "D") for x in (days[live].min(), days[live].max()))
                open_days = np.asarray([np.datetime64(d, "D") for d in sessions(str(lo), str(hi), name).index],
                                       dtype="datetime64[D]").astype(np.int64)
                c.code[live & ~np.isin(days, open_days)] = v.CODE["not_a_session"]
        c.cols["date"] = days.astype(np.int32)
    return add


#: Massive flat-file folders and the bar timeframe (or loader) their files hold.
MASSIVE_LAYOUT = {"minute_aggs_v1": "1min", "day_aggs_v1": "1d", "trades_v1": "ticks"}


def layout_timeframe(sources: list[Source]) -> str | None:
    """The timeframe the Massive folder names of the sources say (None when they say nothing);
    a trades file or a mix of minute and day aggregates is a one-line error."""
    found: dict[str, str] = {}
    for src in sources:
        parts = set(src.path.parts) if src.path is not None else set()
        for folder, kind in MASSIVE_LAYOUT.items():
            if folder in parts:
                found.setdefault(kind, src.name)
    if "ticks" in found:
        raise ValidationError(f"{found['ticks']}: a Massive trades_v1 file holds trades, not bars; "
                              f"load it with load_ticks (tickstock ingest ticks)")
    if len(found) > 1:
        raise ValidationError(f"{found['1min']} and {found['1d']}: one load mixes minute_aggs_v1 and "
                              f"day_aggs_v1 files; load each timeframe on its own")
    return next(iter(found), None)


def load_bars(source: SourceLike, *, engine_or_url: EngineOrURL = None, timeframe: Timeframe | None = None,
              unknown_symbols: UnknownSymbolPolicy = "register", batch_rows: int = DEFAULT_BATCH_ROWS,
              progress: bool | None = None, calendar: str | None = None, tz: str | None = None) -> LoadReport:
    """Load vendor OHLCV bars: ``timeframe="1min"`` into ``ohlcv_1min`` or ``"1d"`` into
    ``ohlcv_daily`` (keyed by the exchange session date of the bar's start, or a ``date`` column),
    with ``source='vendor'``; bars already present are left as they are.

    ``timeframe=None`` takes it from the Massive folder (``minute_aggs_v1``, ``day_aggs_v1``) and is
    ``1min`` otherwise; a timeframe that contradicts the folder is an error. A 1-minute bar must
    start on a whole minute, a daily bar on a session of ``calendar`` (default: each symbol's own
    calendar, from its ``calendar`` or ``market`` in ``symbols``; XNYS for new symbols); bars need
    ``high >= max(open, close)``, ``min(open, close) >= low`` and vwap in ``[low, high]``; other
    bars are quarantined with the reason.

    Columns: ``symbol``/``ticker``, ``timestamp``/``window_start`` (ns, tz-aware or ISO),
    ``open, high, low, close, volume`` and optionally ``vwap``, ``trade_count``/``transactions``
    (Massive ``minute_aggs_v1`` / ``day_aggs_v1`` files as they come).

    >>> load_bars("minute_aggs_v1/2024-01-02.csv.gz")   # doctest: +SKIP
    """
    if timeframe is not None and timeframe not in ("1min", "1d"):
        raise UnknownTimeframeError(timeframe, ["1min", "1d"])
    srcs = sources_of(source)
    said = layout_timeframe(srcs)
    if timeframe is not None and said is not None and said != timeframe:
        folder = "day_aggs_v1" if said == "1d" else "minute_aggs_v1"
        raise ValidationError(f"{srcs[0].name}: timeframe {timeframe} contradicts the file's folder {folder} "
                              f"(which holds {said} bars)")
    timeframe = cast(Timeframe, timeframe or said or "1min")
    daily = timeframe == "1d"

    def check(batch):
        return v.check_bars(batch, now_ns=writer.now_ns, daily=daily, tz=tz)

    def require(names):
        v.require_columns(names, {**v.BAR_ALIASES, "s": "timestamp"}, v.BAR_REQUIRED)

    calendars: dict[str, str] = {}
    engine = get_engine(engine_or_url)
    if daily and calendar is None:
        require_schema(engine)
        with engine.connect() as conn:
            calendars = symbol_calendars(conn, None)
    target = Target("ohlcv_daily" if daily else "ohlcv_1min", check, lambda c: _bar_columns(c, daily), None,
                    require, _daily_dates(calendar, calendars) if daily else None)
    writer = _Writer(target, engine, unknown_symbols, batch_rows, progress)
    return writer.run(srcs)
