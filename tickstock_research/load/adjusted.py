"""Bars adjusted for splits and dividends on read (stored bars stay raw).

Used by :meth:`HistoricalLoader.bars` with ``adjust="splits"`` or ``adjust="all"``: the
corporate actions of the requested symbols up to the range's end date (the *as-of* date) are
read in one query, and only the rows of symbols that have any are rescaled (see
:mod:`tickstock_research.corporate.adjust` for the arithmetic). Intraday bars use their
exchange session date, so the split day's own bars are not adjusted. Weekly and monthly bars
are built from adjusted daily bars, because a split inside a week must not scale the whole week.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from ..corporate.adjust import adjust_frame
from ..corporate.store import read_actions
from ..sessions import session_date


def as_of_date(frame: pd.DataFrame, end_date: dt.date | None, intraday: bool, calendar_of: dict[str, str]) -> dt.date | None:
    """The as-of date: the range's end date, else the last bar's session date."""
    if end_date is not None:
        return end_date
    if frame.empty:
        return None
    if not intraday:
        return pd.Timestamp(frame.index.max()).date()
    last = frame.index.max()
    return session_date(last, next(iter(calendar_of.values()), "XNYS"))


def adjust_bars(engine: Engine, frame: pd.DataFrame, *, mode: str, intraday: bool, as_of: dt.date | None,
                calendar_of: dict[str, str]) -> pd.DataFrame:
    """Adjusted copy of a long bars frame (``symbol`` column, time index)."""
    if frame.empty or as_of is None:
        return frame
    symbols = sorted(frame["symbol"].unique())
    with engine.connect() as conn:
        splits, divs = read_actions(conn, symbols, as_of)
    affected = sorted(set(splits["symbol"]) | (set(divs["symbol"]) if mode == "all" else set()))
    if not affected:
        return frame
    out = frame.copy()
    codes = out["symbol"].to_numpy()
    for sym in affected:
        rows = codes == sym
        if not rows.any():
            continue
        part = out.loc[rows]
        if intraday:
            days = np.asarray(session_date(part.index, calendar_of.get(sym, "XNYS")), dtype="datetime64[D]")
        else:
            days = None
        adjusted = adjust_frame(part.drop(columns=["symbol"]), splits=splits[splits["symbol"] == sym],
                                dividends=divs[divs["symbol"] == sym], mode=mode, as_of=as_of, session_days=days)
        for col in adjusted.columns:
            out.loc[rows, col] = adjusted[col].to_numpy()
    return out


def resample_sessions(daily: pd.DataFrame, timeframe: str) -> pd.DataFrame:
    """Weekly (exchange week, Monday-Sunday) or monthly bars from daily bars, labelled by each
    period's first session date, with the loader's aggregation rules."""
    if daily.empty:
        return daily
    frame = daily.reset_index()
    dates = pd.to_datetime(frame["date"])
    frame["_period"] = (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")) if timeframe == "1w" \
        else dates.dt.to_period("M").dt.start_time
    frame["_pv"] = frame["vwap"] * frame["volume"]
    grouped = frame.groupby(["symbol", "_period"], sort=True)
    out = grouped.agg(date=("date", "first"), open=("open", "first"), high=("high", "max"), low=("low", "min"),
                      close=("close", "last"), volume=("volume", "sum"), _pv=("_pv", "sum"),
                      trade_count=("trade_count", "sum"))
    out["vwap"] = np.where(out["volume"] > 0, out["_pv"] / out["volume"].where(out["volume"] > 0), np.nan)
    out = out.reset_index().drop(columns=["_period", "_pv"])
    out["trade_count"] = out["trade_count"].astype("Int64")
    return out.set_index("date")[daily.columns]
