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
import hashlib
import json
import time
from pathlib import Path
from typing import Iterable, Literal, Sequence, Union

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from ..db.engine import get_engine
from ..errors import ValidationError
from ..sqlfiles import query
from ..types import EngineOrURL, UnknownSymbolPolicy
from .csvread import csv_frame
from .report import LoadReport

Source = Union[pd.DataFrame, str, Path, Sequence[Union[str, Path]]]
Kind = Literal["splits", "dividends"]
_MAX_SYMBOL = 20

_SPEC = {
    "splits": {"required": ["symbol", "execution_date", "split_from", "split_to"],
               "dates": ["execution_date"], "optional": []},
    "dividends": {"required": ["symbol", "ex_dividend_date", "cash_amount"],
                  "dates": ["ex_dividend_date", "pay_date", "declaration_date", "record_date"],
                  "optional": ["currency", "dividend_type", "pay_date", "declaration_date", "record_date",
                               "frequency"]},
}


def _read_one(src, kind: Kind) -> tuple[pd.DataFrame, str, str]:
    """A frame with a ``_line`` column, the source's display name and a content digest."""
    if isinstance(src, pd.DataFrame):
        frame = src.copy()
        digest = hashlib.sha256(pd.util.hash_pandas_object(frame.astype(str), index=False).values.tobytes()).hexdigest()
        frame["_line"] = np.arange(1, len(frame) + 1)
        return frame, "DataFrame", digest
    path = Path(src)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    name = path.name
    if path.suffix.lower() == ".json":
        try:
            payload = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(f"{name}: not a JSON page of {kind}: {exc}") from None
        results = payload.get("results") if isinstance(payload, dict) else payload
        if not isinstance(results, list):
            raise ValidationError(f"{name}: expected a JSON object with a 'results' list of {kind}; got {type(results).__name__}")
        frame = pd.DataFrame(results)
        frame["_line"] = np.arange(1, len(frame) + 1)  # position in the results list
        return frame, name, digest
    return csv_frame(path, kind), name, digest



#: A split whose terms or ratio lie outside these bounds is a typo or a unit error, not a split:
#: adjusted prices would become inf or 0.
_MIN_SPLIT_TERM = 1e-6
_MAX_SPLIT_RATIO = 10_000
#: Widths of the text columns (sql/migrations/0050_corporate_actions.sql).
_TEXT_WIDTH = {"symbol": 10**6, "ticker": 10**6, "currency": 10, "dividend_type": 10}


def _normalise(frame: pd.DataFrame, kind: Kind, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a raw frame into valid rows (typed) and rejected rows (with a reason)."""
    spec = _SPEC[kind]
    original = frame.drop(columns=["_line"])
    raw = original.astype(object).where(original.notna(), None)
    frame = frame.rename(columns={"ticker": "symbol"})
    missing = [c for c in spec["required"] if c not in frame.columns]
    if missing:
        raise ValidationError(f"{name}: missing column(s) {', '.join(missing)} for {kind}; "
                              f"expected {', '.join(spec['required'])}")
    out = pd.DataFrame({"_line": frame["_line"].to_numpy()})
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
    out["_reason"] = reason
    out["_raw"] = [json.dumps({k: (x.replace("\x00", "\\x00") if isinstance(x, str) else x) for k, x in r.items()},
                              default=str) for r in raw.to_dict("records")]
    bad = out[out["_reason"].notna()]
    good = out[out["_reason"].isna()]
    return good, bad


def _load(kind: Kind, source: Source, engine_or_url: EngineOrURL, unknown_symbols: UnknownSymbolPolicy) -> LoadReport:
    if unknown_symbols not in ("register", "reject"):
        raise ValidationError(f"unknown_symbols must be 'register' or 'reject'; got {unknown_symbols!r}")
    started = time.perf_counter()
    sources = [source] if isinstance(source, (pd.DataFrame, str, Path)) else list(source)
    report = LoadReport(target=kind)
    engine = get_engine(engine_or_url)
    for src in sources:
        frame, name, digest = _read_one(src, kind)
        report.sources.append(name)
        invalid = frame.attrs.get("invalid", [])
        report.rows_read += len(frame) + len(invalid)
        good, bad = _normalise(frame, kind, name)
        if invalid:
            bad = pd.concat([bad, pd.DataFrame(invalid, columns=["_line", "_reason", "_raw"])], ignore_index=True)
        with engine.begin() as conn:  # one transaction per source: all of it or nothing
            known = set(conn.execute(query("queries/corporate", "known_symbols"),
                                     {"symbols": sorted(set(good["symbol"]))}).scalars())
            unknown = sorted(set(good["symbol"]) - known)
            if unknown and unknown_symbols == "register":
                conn.execute(query("queries/corporate", "register_symbol"), [{"symbol": s} for s in unknown])
            elif unknown:
                mask = good["symbol"].isin(unknown)
                bad = pd.concat([bad, good[mask].assign(_reason="unknown_symbol")])
                good = good[~mask]
            _quarantine(conn, kind, name, digest, bad)
            counter = query("queries/corporate", f"count_{kind}")
            before = int(conn.execute(counter).scalar_one())
            rows = _records(good, kind)
            if rows:
                conn.execute(query("queries/corporate", "upsert_split" if kind == "splits" else "upsert_dividend"), rows)
            inserted = int(conn.execute(counter).scalar_one()) - before
        report.inserted += inserted
        report.already_present += len(good) - inserted
        for r, n in bad["_reason"].value_counts().items():
            report.reject(str(r), int(n))
    return report.finish(time.perf_counter() - started)


def _records(good: pd.DataFrame, kind: Kind) -> list[dict]:
    cols = ["symbol", "execution_date", "split_from", "split_to"] if kind == "splits" else \
        ["symbol", "ex_dividend_date", "cash_amount", "currency", "dividend_type", "pay_date", "declaration_date",
         "record_date", "frequency"]
    sub = good[cols].astype(object).where(good[cols].notna(), None)
    rows = sub.to_dict("records")
    for r in rows:
        if r.get("frequency") is not None:
            r["frequency"] = int(r["frequency"])
        for k in ("split_from", "split_to", "cash_amount"):
            if r.get(k) is not None:
                r[k] = repr(float(r[k]))  # shortest exact decimal text of the value read
    return rows


def _quarantine(conn: Connection, kind: str, name: str, digest: str, bad: pd.DataFrame) -> None:
    if bad.empty:
        return
    conn.execute(query("queries/corporate", "quarantine_row"),
                 [{"target": kind, "source": name, "source_key": digest, "line": int(line), "reason": str(reason),
                   "raw": raw} for line, reason, raw in zip(bad["_line"], bad["_reason"], bad["_raw"])])


def load_splits(source: Source, *, engine_or_url: EngineOrURL = None,
                unknown_symbols: UnknownSymbolPolicy = "register") -> LoadReport:
    """Load splits from a DataFrame, CSV or Massive ``/v3/reference/splits`` JSON pages.

    >>> load_splits(pd.DataFrame({"ticker": ["AAPL"], "execution_date": ["2020-08-31"],
    ...                           "split_from": [1], "split_to": [4]}), engine)  # doctest: +SKIP
    """
    return _load("splits", source, engine_or_url, unknown_symbols)


def load_dividends(source: Source, *, engine_or_url: EngineOrURL = None,
                   unknown_symbols: UnknownSymbolPolicy = "register") -> LoadReport:
    """Load cash dividends from a DataFrame, CSV or Massive ``/v3/reference/dividends`` JSON pages.

    >>> print(load_dividends("reference/dividends/2024.json"))          # doctest: +SKIP
    """
    return _load("dividends", source, engine_or_url, unknown_symbols)


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
