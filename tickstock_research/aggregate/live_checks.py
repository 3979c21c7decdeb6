"""Checks of live-feed messages before they reach a bar: one bad message is kept aside with a
reason and never corrupts (NaN), misplaces (1970) or empties a frame.

The reasons are the ingest quarantine's (:mod:`tickstock_research.ingest.validate`) plus
``before_start`` (a live bar before a blender's history starts) and ``unknown_symbol``.

>>> check_trade({"sym": "A", "p": float("nan"), "s": 1, "t": 1710163800000}, now_ns=1_800_000_000 * 10**9)[0]
'not_finite'
>>> check_trade({"sym": "A", "p": 1.0, "s": 1, "t": 1710163800}, now_ns=1_800_000_000 * 10**9)[0]
'timestamp_wrong_unit'
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Mapping

import numpy as np
import pandas as pd

from ..ingest.validate import FUTURE_MARGIN_NS, MIN_NS


@dataclass
class Rejected:
    """Live messages kept aside: each with its reason; ``counts`` by reason."""

    items: list[dict] = field(default_factory=list)

    def add(self, message, reason: str) -> None:
        self.items.append({"reason": reason, "message": dict(message)})

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(i["reason"] for i in self.items))

    def __len__(self) -> int:
        return len(self.items)


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, str) and not v.strip())


def feed_ns(t) -> int | None:
    """Epoch nanoseconds from a live-feed time: an integer in ms, us or ns (by magnitude, as the
    feeds send them) or a timestamp (tz-aware, or naive UTC). None when unreadable."""
    if isinstance(t, (bool, np.bool_)):
        return None
    if isinstance(t, (int, np.integer)):
        v = int(t)
        if v < 10**14:
            return v * 1_000_000          # milliseconds (Massive websocket 't', 's')
        if v < 10**17:
            return v * 1_000              # microseconds
        return v                          # nanoseconds (flat files)
    if isinstance(t, (float, np.floating)):
        return feed_ns(int(t)) if math.isfinite(t) and t == int(t) else None
    try:
        ts = pd.Timestamp(t)
    except (ValueError, TypeError):
        return None
    if ts is pd.NaT:
        return None
    return (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).value


def time_problem(raw, ns: int | None, now_ns: int) -> str | None:
    if _missing(raw):
        return "missing_value"
    if ns is None:
        return "unparsable"
    if MIN_NS <= ns <= now_ns + FUTURE_MARGIN_NS:
        return None
    numeric = isinstance(raw, (int, float, np.integer, np.floating)) and not isinstance(raw, bool)
    scaled = [ns * k for k in (1000, 10**6)]      # seconds read as ms, ms read as us
    if numeric and any(MIN_NS <= s <= now_ns + FUTURE_MARGIN_NS for s in scaled):
        return "timestamp_wrong_unit"
    return "timestamp_out_of_range"


def price_problem(p) -> str | None:
    if _missing(p):
        return "missing_value"
    try:
        d = p if isinstance(p, Decimal) else Decimal(str(p))
    except (InvalidOperation, ValueError, TypeError):
        return "unparsable"
    if not d.is_finite():
        return "not_finite"
    if d <= 0:
        return "non_positive_price"
    return None


def size_problem(s, reason_fraction: str = "fractional_size") -> str | None:
    if _missing(s) or (isinstance(s, float) and math.isnan(s)):
        return "missing_value"
    if isinstance(s, (bool, np.bool_)):
        return "unparsable"
    try:
        d = Decimal(str(s))
    except (InvalidOperation, ValueError):
        return "unparsable"
    if not d.is_finite():
        return "not_finite"
    if d < 0:
        return "negative_size"
    if d != d.to_integral_value():
        return reason_fraction
    if d >= 2**63:
        return "volume_out_of_range"
    return None


def check_trade(tick: Mapping, now_ns: int) -> tuple[str | None, tuple]:
    """(reason, ()) for a bad live trade, else (None, (symbol, ns, price, size))."""
    sym = tick.get("sym", tick.get("symbol"))
    if _missing(sym):
        return "missing_value", ()
    raw_t = tick.get("t", tick.get("timestamp"))
    ns = None if _missing(raw_t) else feed_ns(raw_t)
    reason = time_problem(raw_t, ns, now_ns)
    price = tick.get("p", tick.get("price"))
    size = tick.get("s", tick.get("volume"))
    reason = reason or price_problem(price) or size_problem(size)
    if reason:
        return reason, ()
    return None, (str(sym).strip(), ns, price, int(Decimal(str(size))))


def check_bar(m: Mapping, now_ns: int) -> tuple[str | None, dict]:
    """(reason, {}) for a bad live minute bar (feed ``{sym, o, h, l, c, v, s}`` or ``ohlcv_1min``
    columns), else (None, the bar in ``ohlcv_1min`` columns with ``n`` as ``trade_count``)."""
    sym = m.get("sym", m.get("symbol"))
    if _missing(sym):
        return "missing_value", {}
    raw_t = m.get("s", m.get("timestamp"))
    ns = None if _missing(raw_t) else feed_ns(raw_t)
    reason = time_problem(raw_t, ns, now_ns)
    if reason is None and ns is not None and ns % 60_000_000_000:
        reason = "not_minute_boundary"
    o, h, lo, c = (m.get(k, m.get(name)) for k, name in (("o", "open"), ("h", "high"), ("l", "low"), ("c", "close")))
    for p in (o, h, lo, c):
        reason = reason or price_problem(p)
    v = m.get("v", m.get("volume"))
    reason = reason or size_problem(v, "fractional_size")
    vw = m.get("vw", m.get("vwap"))
    if not reason and not _missing(vw) and not (isinstance(vw, float) and math.isnan(vw)):
        reason = price_problem(vw)
    n = m.get("n", m.get("trade_count"))
    if not reason and not _missing(n) and not (isinstance(n, float) and math.isnan(n)):
        reason = size_problem(n, "unparsable")
    if reason:
        return reason, {}
    fo, fh, fl, fc = (float(x) for x in (o, h, lo, c))
    if fh < fl:
        return "high_below_low", {}
    if not fl <= fo <= fh:
        return "open_outside_range", {}
    if not fl <= fc <= fh:
        return "close_outside_range", {}
    fvw = None if _missing(vw) or (isinstance(vw, float) and math.isnan(vw)) else float(vw)
    if fvw is not None and not fl <= fvw <= fh:
        return "vwap_outside_range", {}
    tc = None if _missing(n) or (isinstance(n, float) and math.isnan(n)) else int(Decimal(str(n)))
    return None, {"symbol": str(sym).strip(), "timestamp": pd.Timestamp(ns, tz="UTC"), "open": fo,
                  "high": fh, "low": fl, "close": fc, "volume": int(Decimal(str(v))), "vwap": fvw,
                  "trade_count": tc}
