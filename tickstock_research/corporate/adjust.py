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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Actions:
    """One symbol's corporate actions up to the as-of date, as numpy arrays (session dates)."""

    split_days: np.ndarray
    split_ratios: np.ndarray            # split_to / split_from
    ex_days: np.ndarray
    cash: np.ndarray
    prev_close: np.ndarray              # raw close of the last session before the ex date
    prev_days: np.ndarray

    @classmethod
    def from_frames(cls, splits: pd.DataFrame | None, dividends: pd.DataFrame | None, as_of: dt.date) -> "Actions":
        limit = np.datetime64(as_of, "D")
        if splits is not None and len(splits):
            sd = _as_dates(splits["execution_date"])
            ratio = splits["split_to"].to_numpy(dtype="float64") / splits["split_from"].to_numpy(dtype="float64")
            keep = sd <= limit
            sd, ratio = sd[keep], ratio[keep]
        else:
            sd, ratio = np.array([], dtype="datetime64[D]"), np.array([], dtype="float64")
        if dividends is not None and len(dividends):
            ex = _as_dates(dividends["ex_dividend_date"])
            cash = dividends["cash_amount"].to_numpy(dtype="float64")
            prev = pd.to_numeric(dividends["prev_close"], errors="coerce").to_numpy(dtype="float64") \
                if "prev_close" in dividends else np.full(len(ex), np.nan)
            pdays = _as_dates(dividends["prev_date"].fillna(pd.NaT)) if "prev_date" in dividends else ex - 1
            keep = ex <= limit
            ex, cash, prev, pdays = ex[keep], cash[keep], prev[keep], pdays[keep]
        else:
            ex = pdays = np.array([], dtype="datetime64[D]")
            cash = prev = np.array([], dtype="float64")
        return cls(sd, ratio, ex, cash, prev, pdays)


def factors_of(bar_days: np.ndarray, actions: Actions, mode: Adjustment) -> tuple[np.ndarray, np.ndarray]:
    """Price and volume multipliers of bars on session dates ``bar_days`` (numpy only)."""
    sf = _suffix_product(bar_days, actions.split_days, actions.split_ratios)
    price_factor = 1.0 / sf
    if mode == "all" and len(actions.ex_days):
        prev = actions.prev_close
        if len(actions.split_days):
            # the previous close in the share units in force on the ex date
            prev_days = np.where(np.isnat(actions.prev_days), actions.ex_days - 1, actions.prev_days)
            between = (_suffix_product(prev_days, actions.split_days, actions.split_ratios)
                       / _suffix_product(actions.ex_days, actions.split_days, actions.split_ratios))
            prev = prev / between
        valid = np.isfinite(prev) & (prev > 0)
        mult = np.clip(1.0 - actions.cash[valid] / prev[valid], 0.0, None)
        price_factor = price_factor * _suffix_product(bar_days, actions.ex_days[valid], mult)
    return price_factor, sf


def factors(bar_days: np.ndarray, *, splits: pd.DataFrame | None, dividends: pd.DataFrame | None,
            mode: Adjustment, as_of: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Price and volume multipliers of one symbol's bars (session dates ``bar_days``)."""
    return factors_of(np.asarray(bar_days, dtype="datetime64[D]"), Actions.from_frames(splits, dividends, as_of), mode)


def apply_factors(frame: pd.DataFrame, price_factor: np.ndarray, volume_factor: np.ndarray) -> pd.DataFrame:
    """A copy of ``frame`` with price columns and volume scaled (one vectorised pass)."""
    out = frame.copy()
    for col in PRICE_COLUMNS:
        if col in out:
            out[col] = out[col].to_numpy(dtype="float64") * price_factor
    if "volume" in out:
        out["volume"] = np.rint(out["volume"].to_numpy(dtype="float64") * volume_factor).astype("int64")
    return out


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
    pf, vf = factors(session_days, splits=splits, dividends=dividends, mode=mode, as_of=as_of)
    return apply_factors(bars, pf, vf)
