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
from typing import cast

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from ..corporate.adjust import Actions, Adjustment, apply_factors, factors_of
from ..ingest.corporate_actions import read_actions
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
        splits, divs = read_actions(conn, symbols, as_of, dividends=mode == "all")
    affected = sorted(set(splits["symbol"]) | (set(divs["symbol"]) if mode == "all" else set()))
    if not affected:
        return frame
    positions = frame.groupby("symbol", sort=False).indices
    if intraday:
        days = np.empty(len(frame), dtype="datetime64[D]")
        for cal in sorted({calendar_of.get(s, "XNYS") for s in affected}):
            rows = np.concatenate([positions[s] for s in affected if calendar_of.get(s, "XNYS") == cal and s in positions]
                                  or [np.array([], dtype=int)])
            days[rows] = np.asarray(session_date(frame.index[rows], cal), dtype="datetime64[D]")
    else:
        idx = pd.DatetimeIndex(frame.index)
        days = (idx.tz_localize(None) if idx.tz is not None else idx).to_numpy(dtype="datetime64[D]")
    split_groups = dict(tuple(splits.groupby("symbol", sort=False))) if len(splits) else {}
    div_groups = dict(tuple(divs.groupby("symbol", sort=False))) if len(divs) else {}
    price_factor = np.ones(len(frame))
    volume_factor = np.ones(len(frame))
    for sym in affected:
        rows = positions.get(sym)
        if rows is None:
            continue
        actions = Actions.from_frames(split_groups.get(sym), div_groups.get(sym), as_of)
        price_factor[rows], volume_factor[rows] = factors_of(days[rows], actions, cast(Adjustment, mode))
    return apply_factors(frame, price_factor, volume_factor)


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
