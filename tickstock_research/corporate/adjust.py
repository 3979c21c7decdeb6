"""Split and dividend adjustment of raw bars, as of the end of the requested range.

Stored bars stay raw (as traded). On read, each bar is scaled by the cumulative factor of the
corporate actions that happen *after* it and *on or before* the as-of date:

- a split executing on date E with ratio ``r = split_to / split_from`` (4-for-1: r = 4;
  1-for-10 reverse: r = 0.1) divides prices and multiplies volumes of every bar whose session
  date is before E by r; price x volume is conserved;
- a cash dividend going ex on date X multiplies prices of every bar before X by
  ``1 - D / C`` where C is the last close before X (in the share units in force at X), the usual
  multiplicative (total-return) adjustment; volumes are not touched.

Actions after the as-of date are ignored, so a range that ends before a split is not adjusted.
Intraday bars use the exchange session date of their timestamp.

>>> bars = pd.DataFrame({"open": [100.0, 26.0], "high": [104.0, 27.0], "low": [96.0, 25.0],
...                      "close": [100.0, 26.0], "volume": [10, 40]},
...                     index=pd.to_datetime(["2024-06-07", "2024-06-10"]))
>>> splits = pd.DataFrame({"execution_date": [dt.date(2024, 6, 10)], "split_from": [1.0], "split_to": [4.0]})
>>> adjust_frame(bars, splits=splits, mode="splits", as_of=dt.date(2024, 6, 30))["close"].tolist()
[25.0, 26.0]
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import ConfigurationError

Adjustment = Literal["splits", "all"]
ADJUSTMENTS = (None, "splits", "all")
PRICE_COLUMNS = ("open", "high", "low", "close", "vwap")


def check_adjustment(mode) -> None:
    if mode not in ADJUSTMENTS:
        raise ConfigurationError(f"unknown adjustment {mode!r}; expected None (raw), 'splits' or 'all'")


def _as_dates(values) -> np.ndarray:
    stamps = pd.to_datetime(pd.Series(values))
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_localize(None)
    return stamps.to_numpy(dtype="datetime64[D]")


def _suffix_product(bar_days: np.ndarray, event_days: np.ndarray, ratios: np.ndarray) -> np.ndarray:
    """For each bar day, the product of ``ratios`` of events with event_day > bar_day."""
    if len(event_days) == 0:
        return np.ones(len(bar_days))
    order = np.argsort(event_days, kind="stable")
    ev, r = event_days[order], ratios[order]
    suffix = np.append(np.cumprod(r[::-1])[::-1], 1.0)  # suffix[i] = prod(r[i:])
    first_after = np.searchsorted(ev, bar_days, side="right")
    return suffix[first_after]


def split_factors(bar_days: np.ndarray, splits: pd.DataFrame | None, as_of: dt.date) -> np.ndarray:
    """Cumulative split ratio after each bar day (1.0 when none)."""
    if splits is None or splits.empty:
        return np.ones(len(bar_days))
    s = splits[pd.to_datetime(splits["execution_date"]).dt.date <= as_of]
    days = _as_dates(s["execution_date"]) if len(s) else np.array([], dtype="datetime64[D]")
    ratios = (s["split_to"].astype(float) / s["split_from"].astype(float)).to_numpy()
    return _suffix_product(bar_days, days, ratios)


def dividend_factors(bar_days: np.ndarray, dividends: pd.DataFrame | None, as_of: dt.date) -> np.ndarray:
    """Cumulative dividend multiplier after each bar day. ``dividends`` needs ``ex_dividend_date``,
    ``cash_amount`` and ``prev_close`` (the last close before the ex date, in ex-date units)."""
    if dividends is None or dividends.empty:
        return np.ones(len(bar_days))
    d = dividends[pd.to_datetime(dividends["ex_dividend_date"]).dt.date <= as_of]
    d = d[d["prev_close"].notna() & (d["prev_close"] > 0)]
    if d.empty:
        return np.ones(len(bar_days))
    mult = (1.0 - d["cash_amount"].astype(float) / d["prev_close"].astype(float)).clip(lower=0.0).to_numpy()
    return _suffix_product(bar_days, _as_dates(d["ex_dividend_date"]), mult)


def adjust_frame(bars: pd.DataFrame, *, splits: pd.DataFrame | None = None, dividends: pd.DataFrame | None = None,
                 mode: Adjustment | None = "splits", as_of: dt.date | None = None,
                 session_days: np.ndarray | None = None) -> pd.DataFrame:
    """Adjusted copy of one symbol's bars (raw stays untouched).

    ``session_days``: the session date of each bar (defaults to the index's dates, right for daily
    bars; pass exchange session dates for intraday bars). ``as_of`` defaults to the last bar's date.
    """
    check_adjustment(mode)
    if mode is None or bars.empty:
        return bars.copy()
    if session_days is None:
        idx = pd.DatetimeIndex(bars.index)
        session_days = (idx.tz_localize(None) if idx.tz is not None else idx).to_numpy(dtype="datetime64[D]")
    session_days = np.asarray(session_days, dtype="datetime64[D]")
    if as_of is None:
        as_of = pd.Timestamp(session_days.max()).date()
    sf = split_factors(session_days, splits, as_of)
    price_factor = 1.0 / sf
    if mode == "all":
        divs = dividends
        if divs is not None and not divs.empty and splits is not None and not splits.empty:
            # express the previous close in the share units in force on the ex date
            ex_days = _as_dates(divs["ex_dividend_date"])
            prev_days = _as_dates(divs["prev_date"]) if "prev_date" in divs else ex_days - 1
            between = split_factors(prev_days, splits, as_of) / split_factors(ex_days, splits, as_of)
            divs = divs.assign(prev_close=divs["prev_close"].astype(float) / between)
        price_factor = price_factor * dividend_factors(session_days, divs, as_of)
    out = bars.copy()
    for col in PRICE_COLUMNS:
        if col in out:
            out[col] = out[col].astype(float) * price_factor
    if "volume" in out:
        out["volume"] = np.rint(out["volume"].astype(float) * sf).astype("int64")
    return out
