"""Bars for the scanner and the audit: one symbol, one timeframe, a range plus warm-up history.

Daily bars come from ``ohlcv_daily`` indexed by session date (naive midnight Timestamps);
intraday bars from ``ohlcv_1min`` (tz-aware UTC), resampled in exchange time for sizes above
one minute with bucket edges anchored on the 09:30 open. This module is the one place to switch
to ``tickstock_research.load.HistoricalLoader`` once it is available.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from ..patterns.base import timeframe_kind
from ..sessions import DEFAULT_CALENDAR, exchange_tz, to_date, to_utc
from ..sqlfiles import query
from ..types import TimestampLike

FAMILY = "queries/events"
COLUMNS = ["open", "high", "low", "close", "volume"]


def _frame(result, daily: bool) -> pd.DataFrame:
    frame = pd.DataFrame(result.fetchall(), columns=["ts"] + COLUMNS)
    if daily:
        index = pd.DatetimeIndex(pd.to_datetime(frame["ts"]), name="date")
    else:
        index = pd.DatetimeIndex(pd.to_datetime(frame["ts"], utc=True), name="timestamp")
    out = frame[COLUMNS].set_axis(index).astype({c: "float64" for c in COLUMNS[:4]} | {"volume": "int64"})
    return out


def intraday_bounds(start: TimestampLike | None, end: TimestampLike | None,
                    calendar: str = DEFAULT_CALENDAR) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """[start, end) in UTC for intraday reads: bare dates are exchange-local days, and an end
    date includes its whole day."""
    tz = exchange_tz(calendar)

    def bare(v) -> bool:
        return isinstance(v, str) and len(v.strip()) <= 10 or (hasattr(v, "year") and not hasattr(v, "hour"))

    lo = hi = None
    if start is not None:
        lo = to_utc(pd.Timestamp(to_date(start)), tz=tz) if bare(start) else to_utc(start)
    if end is not None:
        hi = to_utc(pd.Timestamp(to_date(end)) + pd.Timedelta(days=1), tz=tz) if bare(end) else to_utc(end)
    return lo, hi


def read_bars(engine: Engine, symbol: str, timeframe: str = "1d", start: TimestampLike | None = None,
              end: TimestampLike | None = None, *, warmup: int = 0, calendar: str = DEFAULT_CALENDAR) -> pd.DataFrame:
    """One symbol's bars in [start, end] plus up to ``warmup`` bars before ``start``.

    ``frame.attrs["timeframe"]`` is set; ``frame.attrs["first_in_range"]`` is the first index
    value inside the requested range (detections before it belong to the warm-up).
    """
    name, kind = timeframe_kind(timeframe)
    daily = kind == "daily"
    if daily and name != "1d":
        from ..errors import UnknownTimeframeError
        raise UnknownTimeframeError(name, ["1d", "1min", "5min", "15min", "30min", "1h"])
    minutes = 1 if daily else int(pd.Timedelta(name).total_seconds() // 60)
    with engine.connect() as conn:
        if daily:
            lo = to_date(start) if start is not None else None
            hi = to_date(end) if end is not None else None
            frame = _frame(conn.execute(query(FAMILY, "daily_bars"), {"symbol": symbol, "start": lo, "end": hi}), True)
            before = (_frame(conn.execute(query(FAMILY, "daily_bars_before"), {"symbol": symbol, "start": lo, "n": warmup}), True)
                      if warmup and lo is not None else frame.iloc[:0])
        else:
            lo, hi = intraday_bounds(start, end, calendar)
            args = {"symbol": symbol, "start": lo.to_pydatetime() if lo is not None else None,
                    "end": hi.to_pydatetime() if hi is not None else None}
            frame = _frame(conn.execute(query(FAMILY, "minute_bars"), args), False)
            before = (_frame(conn.execute(query(FAMILY, "minute_bars_before"),
                                          {"symbol": symbol, "start": args["start"], "n": warmup * minutes}), False)
                      if warmup and lo is not None else frame.iloc[:0])
    first = frame.index[0] if len(frame) else None
    bars = pd.concat([before, frame]) if len(before) else frame
    if not daily and minutes > 1:
        bars = resample_minutes(bars, minutes, calendar)
        if first is not None:
            first = bars.index[bars.index.searchsorted(first)] if bars.index.searchsorted(first) < len(bars) else None
    bars.attrs = {"timeframe": name, "first_in_range": first, "symbol": symbol}
    return bars


def resample_minutes(bars: pd.DataFrame, minutes: int, calendar: str = DEFAULT_CALENDAR) -> pd.DataFrame:
    """1-minute bars to ``minutes``-minute bars in exchange time, bucket edges on the 09:30 open
    (e.g. 1h buckets 09:30-10:30), labelled by their start, empty buckets dropped."""
    if bars.empty:
        return bars
    tz = exchange_tz(calendar)
    local = bars.tz_convert(tz) if bars.index.tz is not None else bars
    offset = pd.Timedelta(minutes=(9 * 60 + 30) % minutes)
    out = local.resample(f"{minutes}min", origin="start_day", offset=offset, label="left", closed="left").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}).dropna(subset=["open"])
    out.index = out.index.tz_convert("UTC")
    out.index.name = "timestamp"
    return out.astype({"volume": "int64"})
