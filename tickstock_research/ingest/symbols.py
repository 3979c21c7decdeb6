"""``load_symbols``: reference data into ``symbols`` (insert or update).

One target of the record path (:mod:`.records`): the rows are checked one by one (widths,
integers, flags), each source is written in one statement and one transaction with its
quarantined rows. Fields missing from the input keep their stored values.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from ..sqlfiles import raw
from ..types import EngineOrURL
from .records import RecordTarget, Verdict, load_records, per_row
from .report import LoadReport
from .sources import SourceLike

Q = "queries/ingest"


SYMBOL_FIELDS = ["symbol", "name", "exchange", "market", "locale", "currency_name", "currency_symbol", "type",
                 "active", "cik", "composite_figi", "share_class_figi", "last_updated_utc", "market_cap",
                 "weighted_shares_outstanding"]
_SYMBOL_ALIASES = {"ticker": "symbol", "primary_exchange": "exchange"}
_SYMBOL_WIDTH = {"symbol": 20, "name": 200, "exchange": 20, "market": 20, "locale": 10, "currency_name": 50,
                 "currency_symbol": 5, "type": 20, "cik": 20, "composite_figi": 50, "share_class_figi": 50}


def load_symbols(source: SourceLike, *, engine_or_url: EngineOrURL = None) -> LoadReport:
    """Insert or update ``symbols`` from a DataFrame, CSV or Massive ``/v3/reference/tickers`` JSON
    pages (their ``results`` list). Fields missing from the input keep their stored values.

    >>> load_symbols("reference_tickers_page1.json")   # doctest: +SKIP
    """
    return load_records(SYMBOLS, source, engine_or_url=engine_or_url)


def _check_symbol(rec: dict) -> Verdict:
    rec = {k: v for k, v in rec.items() if k in SYMBOL_FIELDS}
    reason = _symbol_problem(rec)
    if reason:
        return None, reason
    rec["symbol"] = str(rec["symbol"]).strip()
    return rec, None


def _write_symbols(conn: Connection, rows: list[dict], columns: frozenset[str]) -> int:
    flags = conn.exec_driver_sql(raw(Q, "upsert_symbols"), {
        "rows": json.dumps(rows, default=str), "has_market": "market" in columns,
        "has_active": "active" in columns}).scalars().all()
    return sum(bool(f) for f in flags)


def _symbol_problem(rec: dict) -> str | None:
    sym = rec.get("symbol")
    if sym is None:
        return "missing_value"
    if len(str(sym).strip()) > 20:
        return "symbol_too_long"
    for k, width in _SYMBOL_WIDTH.items():
        if k != "symbol" and rec.get(k) is not None and len(str(rec[k])) > width:
            return "value_too_long"
    if any(isinstance(x, str) and "\x00" in x for x in rec.values()):
        return "nul_byte"
    active = rec.get("active")
    if active is not None and not isinstance(active, (bool, np.bool_)):
        word = str(active).strip().lower()
        if word not in _TRUE and word not in _FALSE:
            return "unparsable"
        rec["active"] = word in _TRUE
    for k in ("market_cap", "weighted_shares_outstanding"):
        if rec.get(k) is not None:
            value = _whole(rec[k])
            if value is None:
                return "unparsable"
            if not -2**63 <= value < 2**63:
                return "value_out_of_range"
            rec[k] = value
    if rec.get("last_updated_utc") is not None:
        stamp = pd.to_datetime(rec["last_updated_utc"], utc=True, errors="coerce", format="ISO8601")
        if pd.isna(stamp):
            return "unparsable"
    return None


_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


def _whole(value) -> int | None:
    """An integer from int/float/text, exactly for integer text (rounded for fractions)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        f = float(text)
    except ValueError:
        return None
    if not np.isfinite(f) or abs(f) >= 2.0**53:
        return None if not np.isfinite(f) else 2**63   # too large to be a trusted integer
    return int(round(f))


SYMBOLS = RecordTarget("symbols", ("symbol",), per_row(_check_symbol), _write_symbols,
                       aliases=_SYMBOL_ALIASES, needs_symbols=False)
