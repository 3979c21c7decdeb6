"""Splits and dividends: load them (DataFrame, CSV, Massive reference JSON) and read them back.

Massive's ``/v3/reference/splits`` pages carry ``ticker, execution_date, split_from, split_to``;
``/v3/reference/dividends`` pages carry ``ticker, ex_dividend_date, cash_amount, currency,
dividend_type, pay_date, declaration_date, record_date, frequency``. CSV files and DataFrames use
the same column names (``symbol`` is accepted for ``ticker``). Re-loading adds nothing; a changed
row (a corrected amount) is updated. Invalid rows go to ``quarantine`` with their reason.

>>> load_splits("splits.json", engine)   # doctest: +SKIP
LoadReport(target='splits', sources=['splits.json'], rows_read=3, inserted=3, ...)
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Iterable, Literal

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from ..sqlfiles import query
from ..types import EngineOrURL, UnknownSymbolPolicy
from .records import RecordTarget, Verdict, load_records
from .report import LoadReport
from .sources import SourceLike

Kind = Literal["splits", "dividends"]
_MAX_SYMBOL = 20

_SPEC = {
    "splits": {"required": ("symbol", "execution_date", "split_from", "split_to"),
               "dates": ["execution_date"],
               "columns": ["symbol", "execution_date", "split_from", "split_to"],
               "key": ["symbol", "execution_date"]},
    "dividends": {"required": ("symbol", "ex_dividend_date", "cash_amount"),
                  "dates": ["ex_dividend_date", "pay_date", "declaration_date", "record_date"],
                  "columns": ["symbol", "ex_dividend_date", "cash_amount", "currency", "dividend_type", "pay_date",
                              "declaration_date", "record_date", "frequency"],
                  "key": ["symbol", "ex_dividend_date", "dividend_type"]},
}


#: A split whose terms or ratio lie outside these bounds is a typo or a unit error, not a split:
#: adjusted prices would become inf or 0.
_MIN_SPLIT_TERM = 1e-6
_MAX_SPLIT_RATIO = 10_000
#: Widths of the text columns (sql/migrations/0050_corporate_actions.sql).
_TEXT_WIDTH = {"symbol": 10**6, "ticker": 10**6, "currency": 10, "dividend_type": 10}


def _check(frame: pd.DataFrame, kind: Kind) -> list[Verdict]:
    """One verdict per row: the typed row, or the reason of its first problem (checked by column,
    the whole source at once)."""
    spec = _SPEC[kind]
    out = pd.DataFrame(index=frame.index)
    out["symbol"] = frame["symbol"].astype("string").str.strip()
    reason = pd.Series(pd.NA, index=frame.index, dtype="string")

    def flag(mask, text):
        nonlocal reason
        mask = pd.Series(mask, index=frame.index).fillna(False).astype(bool)
        reason = reason.mask(mask & reason.isna(), text)

    flag(out["symbol"].isna() | (out["symbol"] == ""), "missing_value")
    flag(out["symbol"].str.len() > _MAX_SYMBOL, "symbol_too_long")
    for col in spec["dates"]:
        if col not in frame:
            out[col] = None
            continue
        parsed = pd.to_datetime(frame[col], errors="coerce", format="mixed")
        if col in spec["required"]:
            flag(frame[col].isna(), "missing_value")
            flag(parsed.isna(), "unparsable")
        out[col] = [d.date() if not pd.isna(d) else None for d in parsed]
    if kind == "splits":
        for col in ("split_from", "split_to"):
            out[col] = pd.to_numeric(frame[col], errors="coerce")
            flag(frame[col].isna(), "missing_value")
            flag(out[col].isna(), "unparsable")
            flag(~np.isfinite(out[col].fillna(1.0)) | (out[col] <= 0), "non_positive_ratio")
        ratio = out["split_to"] / out["split_from"]
        flag((out["split_from"] < _MIN_SPLIT_TERM) | (out["split_to"] < _MIN_SPLIT_TERM)
             | ~((ratio >= 1 / _MAX_SPLIT_RATIO) & (ratio <= _MAX_SPLIT_RATIO)), "split_ratio_out_of_range")
    else:
        out["cash_amount"] = pd.to_numeric(frame["cash_amount"], errors="coerce")
        flag(frame["cash_amount"].isna(), "missing_value")
        flag(out["cash_amount"].isna(), "unparsable")
        flag(~np.isfinite(out["cash_amount"].fillna(0.0)), "not_finite")
        flag(out["cash_amount"] < 0, "negative_amount")
        out["currency"] = frame["currency"] if "currency" in frame else None
        out["dividend_type"] = frame["dividend_type"].fillna("CD") if "dividend_type" in frame else "CD"
        out["frequency"] = pd.to_numeric(frame["frequency"], errors="coerce") if "frequency" in frame else None
    for col, width in _TEXT_WIDTH.items():
        if col in frame:
            texts = frame[col].astype("string")
            flag(texts.str.contains("\x00", regex=False), "nul_byte")
            flag(texts.str.len() > width, "text_too_long")
    rows = _records(out, kind)
    return [(None, str(r)) if not pd.isna(r) else (row, None) for row, r in zip(rows, reason)]


def _records(out: pd.DataFrame, kind: Kind) -> list[dict]:
    cols = _SPEC[kind]["columns"]
    sub = out[cols].astype(object).where(out[cols].notna(), None)
    rows = sub.to_dict("records")
    for r in rows:
        if r.get("frequency") is not None:
            r["frequency"] = int(r["frequency"])
        for k in ("split_from", "split_to", "cash_amount"):
            if r.get(k) is not None:
                r[k] = repr(float(r[k]))  # shortest exact decimal text of the value read
    return rows


def _write(kind: Kind):
    def write(conn: Connection, rows: list[dict], columns: frozenset[str]) -> int:
        """Upsert the rows (the last of rows with the same key wins); returns rows inserted."""
        key = _SPEC[kind]["key"]
        last = {tuple(r[k] for k in key): r for r in rows}
        flags = conn.execute(query("queries/corporate", f"upsert_{kind}"),
                             {"rows": json.dumps(list(last.values()), default=str)}).scalars().all()
        return sum(bool(f) for f in flags)
    return write


def load_splits(source: SourceLike, *, engine_or_url: EngineOrURL = None,
                unknown_symbols: UnknownSymbolPolicy = "register") -> LoadReport:
    """Load splits from a DataFrame, CSV or Massive ``/v3/reference/splits`` JSON pages.

    >>> load_splits(pd.DataFrame({"ticker": ["AAPL"], "execution_date": ["2020-08-31"],
    ...                           "split_from": [1], "split_to": [4]}), engine)   # doctest: +SKIP
    """
    return load_records(SPLITS, source, engine_or_url=engine_or_url, unknown_symbols=unknown_symbols)


def load_dividends(source: SourceLike, *, engine_or_url: EngineOrURL = None,
                   unknown_symbols: UnknownSymbolPolicy = "register") -> LoadReport:
    """Load cash dividends from a DataFrame, CSV or Massive ``/v3/reference/dividends`` JSON pages.

    >>> print(load_dividends("reference/dividends/2024.json"))   # doctest: +SKIP
    """
    return load_records(DIVIDENDS, source, engine_or_url=engine_or_url, unknown_symbols=unknown_symbols)


def read_actions(conn: Connection, symbols: Iterable[str], as_of: dt.date, *,
                 dividends: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Splits and dividends (with each ex date's previous raw close) of ``symbols`` up to ``as_of``;
    ``dividends=False`` skips reading them (split-only adjustment)."""
    syms = sorted(set(symbols))
    splits = pd.DataFrame(conn.execute(query("queries/corporate", "splits_for"),
                                       {"symbols": syms, "as_of": as_of}).mappings().all(),
                          columns=["symbol", "execution_date", "split_from", "split_to"])
    cols = ["symbol", "ex_dividend_date", "cash_amount", "prev_close", "prev_date"]
    if not dividends:
        return splits, pd.DataFrame(columns=cols)
    divs = pd.DataFrame(conn.execute(query("queries/corporate", "dividends_for"),
                                     {"symbols": syms, "as_of": as_of}).mappings().all(), columns=cols)
    return splits, divs


SPLITS = RecordTarget("splits", tuple(_SPEC["splits"]["required"]), lambda f: _check(f, "splits"), _write("splits"),
                      aliases={"ticker": "symbol"})
DIVIDENDS = RecordTarget("dividends", tuple(_SPEC["dividends"]["required"]), lambda f: _check(f, "dividends"),
                         _write("dividends"), aliases={"ticker": "symbol"})
