"""``load_symbols``: reference data into ``symbols`` (insert or update).

Reference files are small (tens of thousands of rows), so this loader goes row by row where it
must (checking widths) and writes each source in one statement and one transaction.
"""
from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import psycopg2

from ..db.engine import get_engine, raw_connection
from ..errors import LoadError, ValidationError
from ..sqlfiles import raw
from ..types import EngineOrURL
from .csvread import csv_frame
from .report import LoadReport
from .sources import SourceLike, read_json_records, sources_of
from .validate import is_missing
from .writers import require_schema

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
    started = time.perf_counter()
    srcs = sources_of(source)
    report = LoadReport("symbols", [s.name for s in srcs])
    engine = get_engine(engine_or_url)
    require_schema(engine)
    conn = raw_connection(engine)
    try:
        cur = conn.cursor()
        for src in srcs:
            if src.kind == "dataframe":
                frame = src.data
            elif src.kind == "json":
                frame = read_json_records(src.file)
            elif src.kind == "parquet":
                frame = pd.read_parquet(src.file)
            else:
                frame = csv_frame(src.file, "symbols")
            frame = frame.rename(columns=lambda c: str(c).strip().lower())
            frame = frame.rename(columns={k: t for k, t in _SYMBOL_ALIASES.items() if t not in frame.columns})
            if "symbol" not in frame.columns:
                raise ValidationError(f"{src.name}: no symbol/ticker column")
            invalid = frame.attrs.get("invalid", [])
            line_of = frame["_line"].tolist() if "_line" in frame.columns else list(range(1, len(frame) + 1))
            frame = frame[[c for c in SYMBOL_FIELDS if c in frame.columns]]
            good = []
            lines = [r[0] for r in invalid]
            reasons = [r[1] for r in invalid]
            raws = [r[2] for r in invalid]
            for reason in reasons:
                report.reject(reason, 1)
            report.rows_read += len(invalid)
            for i, rec in enumerate(frame.to_dict("records")):   # reference data: small
                rec = {k: (None if is_missing(x) else x) for k, x in rec.items()}
                reason = _symbol_problem(rec)
                report.rows_read += 1
                if reason:
                    lines.append(int(line_of[i]))
                    reasons.append(reason)
                    raws.append(json.dumps({k: (x.replace("\x00", "\\x00") if isinstance(x, str) else x)
                                            for k, x in rec.items()}, default=str))
                    report.reject(reason, 1)
                else:
                    rec["symbol"] = str(rec["symbol"]).strip()
                    good.append(rec)
            try:
                if good:
                    cur.execute(raw(Q, "upsert_symbols"), {"rows": json.dumps(good, default=str),
                                                           "has_market": "market" in frame.columns,
                                                           "has_active": "active" in frame.columns})
                    flags = [r[0] for r in cur.fetchall()]
                    report.inserted += sum(flags)
                    report.already_present += len(flags) - sum(flags)
                if lines:
                    cur.execute(raw(Q, "quarantine_rows"), {
                        "target": "symbols", "source": src.name, "source_key": src.key,
                        "lines": lines, "reasons": reasons, "raws": raws})
                conn.commit()
            except psycopg2.Error as exc:
                conn.rollback()
                raise LoadError(f"{src.name}: loading symbols failed: {str(exc).strip().splitlines()[0]}") from exc
    finally:
        conn.close()
    return report.finish(time.perf_counter() - started)


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
