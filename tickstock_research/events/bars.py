"""Bars for the scanner and the audit, read with :class:`tickstock_research.load.HistoricalLoader`.

Adds what a scan needs on top of the loader: *warm-up* history before ``start`` (so a pattern
that needs N earlier bars can fire on the first bar of the range) and the first index value
inside the range, kept in ``frame.attrs["first_in_range"]``.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Iterable, cast

if TYPE_CHECKING:
    from ..corporate.adjust import Adjustment

import pandas as pd
from sqlalchemy.engine import Engine

from ..patterns.base import timeframe_kind
from ..sessions import DEFAULT_CALENDAR, exchange_tz, sessions, to_date, to_utc
from ..sessions.ranges import is_bare_date, resolve_range
from ..types import SessionFilter, TimestampLike

COLUMNS = ["open", "high", "low", "close", "volume"]
#: Minutes of the shortest regular session, used to turn warm-up bars into sessions to read.
_MIN_SESSION_MINUTES = 210


def intraday_bounds(start: TimestampLike | None, end: TimestampLike | None,
                    calendar: str = DEFAULT_CALENDAR) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """[start, end) in UTC for intraday ranges: bare dates are exchange-local days, and an end
    date includes its whole day (:func:`..sessions.ranges.resolve_range`)."""
    return resolve_range(start, end, exchange_tz(calendar))


def warmup_start(start: TimestampLike, timeframe: str, warmup: int, calendar: str = DEFAULT_CALENDAR):
    """The session date from which to read so that about ``warmup`` bars precede ``start``."""
    name, kind = timeframe_kind(timeframe)
    day = to_date(start) if kind == "daily" or is_bare_date(start) else to_utc(start).tz_convert(exchange_tz(calendar)).date()
    if kind == "daily":
        back = warmup
    else:
        minutes = int(pd.Timedelta(name).total_seconds() // 60)
        back = math.ceil(warmup / max(1, _MIN_SESSION_MINUTES // minutes)) + 1
    span = sessions(day - pd.Timedelta(days=int(back * 1.6) + 10), day, calendar)
    dates = [d for d in span.index if d < day]
    if not dates:
        return day
    return dates[-back] if len(dates) >= back else dates[0]


def read_bars_many(engine: Engine, symbols: Iterable[str], timeframe: str = "1d", start: TimestampLike | None = None,
                   end: TimestampLike | None = None, *, warmup: int = 0, session: SessionFilter | None = None,
                   adjust: str | None = None) -> dict[str, pd.DataFrame]:
    """Each symbol's OHLCV bars in [start, end] plus ~``warmup`` bars before (one loader call).

    ``session`` defaults to ``"regular"`` for daily bars and ``"extended"`` for intraday bars
    (so opening-hour patterns such as Day1Breakout see the 09:00-09:30 pre-market minutes;
    HighOfDay/LowOfDay restrict themselves to the regular session). ``adjust``: as in
    :meth:`HistoricalLoader.bars` (None raw, "splits", "all"), as of ``end``.
    """
    from ..load import HistoricalLoader

    name, kind = timeframe_kind(timeframe)
    daily = kind == "daily"
    session = session or ("regular" if daily else "extended")
    symbols = list(symbols)
    read_from = warmup_start(start, name, warmup) if (start is not None and warmup) else start
    if read_from is not None and start is not None and not daily and read_from == to_date(start) and not is_bare_date(start):
        read_from = start
    loaded = HistoricalLoader(engine_or_url=engine, parallel=1).bars(symbols, name, read_from, end, session=session, by_symbol=True,
                                                            adjust=cast("Adjustment | None", adjust))
    if daily:
        first_bound = pd.Timestamp(to_date(start)) if start is not None else None
    else:
        first_bound = intraday_bounds(start, None)[0] if start is not None else None
    out = {}
    for sym in symbols:
        frame = loaded.get(sym)
        frame = frame[COLUMNS] if frame is not None else pd.DataFrame(columns=COLUMNS)
        if daily and len(frame) and not isinstance(frame.index, pd.DatetimeIndex):
            frame = frame.set_axis(pd.DatetimeIndex(pd.to_datetime(list(frame.index)), name="date"))
        frame = frame.astype({c: "float64" for c in COLUMNS[:4]})
        inside = frame.index >= first_bound if first_bound is not None else slice(None)
        in_range = frame.index[inside] if len(frame) else frame.index
        frame.attrs = {"timeframe": name, "symbol": sym, "first_in_range": in_range[0] if len(in_range) else None}
        out[sym] = frame
    return out


def read_bars(engine: Engine, symbol: str, timeframe: str = "1d", start: TimestampLike | None = None,
              end: TimestampLike | None = None, *, warmup: int = 0, session: SessionFilter | None = None,
              adjust: str | None = None) -> pd.DataFrame:
    """One symbol's bars (see :func:`read_bars_many`)."""
    return read_bars_many(engine, [symbol], timeframe, start, end, warmup=warmup, session=session,
                          adjust=adjust)[symbol]
