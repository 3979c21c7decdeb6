"""Checks that keep a value from being stored approximately: exact int64 parsing of volumes,
exact decimal prices, NUL bytes in text. Vectorised; per-row Python only for the rare rows that
need it (text too long for a double, integers beyond int64).

>>> import pyarrow as pa
>>> from tickstock_research.ingest.validate import Checker, REASONS
>>> chk = Checker(3)
>>> vals, null = exact_int64(pa.array([b"9007199254740993", b"9223372036854775808", b"12"]), chk,
...                          out_of_range="volume_out_of_range")
>>> vals.tolist(), [REASONS[c] for c in chk.code]
([9007199254740993, 0, 12], ['ok', 'volume_out_of_range', 'ok'])
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .copy import decimal_digits, exact_decimal

INT64_MAX = 2**63 - 1
#: Floats at or above this may have been rounded: an integer volume that large must come as an integer.
FLOAT_EXACT = 2.0**53
_INT_TEXT = re.compile(r"[+-]?[0-9]+")
#: A decimal text this short (significant digits) reads back exactly from a double.
SAFE_DIGITS = 15


def _is_text(arr: pa.Array) -> bool:
    return pa.types.is_binary(arr.type) or pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) \
        or pa.types.is_large_binary(arr.type)


def clean_text(batch: pa.RecordBatch, chk) -> pa.RecordBatch:
    """The batch with every field that is not valid UTF-8 (``invalid_utf8``) or holds a NUL byte
    (``nul_byte``) made null, its row flagged: later typing then never meets such bytes. The
    quarantine keeps the raw batch's values."""
    nul = nul_rows(batch)
    chk.flag(nul, "nul_byte")
    cols, changed = [], False
    for col in batch.columns:
        bad = np.zeros(len(col), dtype=bool)
        if pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type):
            try:
                col.cast(pa.string())
            except pa.ArrowInvalid:
                bad = np.array([v is not None and not _utf8(v) for v in col.to_pylist()], dtype=bool)
                chk.flag(bad, "invalid_utf8")
        if _is_text(col) and nul.any():
            bad |= nul & pc.fill_null(pc.match_substring(col, "\x00"), False).to_numpy(zero_copy_only=False)
        if bad.any():
            col = pc.if_else(pa.array(bad), pa.scalar(None, col.type), col)
            changed = True
        cols.append(col)
    return pa.RecordBatch.from_arrays(cols, names=batch.schema.names) if changed else batch


def _utf8(v: bytes) -> bool:
    try:
        v.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def nul_rows(batch: pa.RecordBatch) -> np.ndarray:
    """Rows with a NUL byte in any text field (PostgreSQL text cannot hold one)."""
    bad = np.zeros(batch.num_rows, dtype=bool)
    for col in batch.columns:
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        if not _is_text(col) or not len(col):
            continue
        data = col.buffers()[2]
        if data is None or not (np.frombuffer(data, dtype=np.uint8) == 0).any():
            continue                       # the usual case: one pass over the bytes, no NUL at all
        bad |= pc.fill_null(pc.match_substring(col, "\x00"), False).to_numpy(zero_copy_only=False)
    return bad


def exact_int64(arr: pa.Array, chk, *, out_of_range: str, fractional: str | None = None,
                required: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """int64 values (exactly as written) and a null mask.

    Integers beyond int64 (text, uint64, floats of 2**53 and more) are ``out_of_range``; a
    fractional value is ``fractional`` (or rounded to the nearest integer when None, as vendor
    bar volumes are); text that is not a number is ``unparsable``; blanks are ``missing_value``.
    """
    from .validate import _blank_to_null, number  # circular at import time

    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_integer(arr.type):
        null = arr.is_null().to_numpy(zero_copy_only=False)
        if pa.types.is_unsigned_integer(arr.type) and arr.type.bit_width == 64:
            big = pc.fill_null(pc.greater(arr, pa.scalar(INT64_MAX, pa.uint64())), False).to_numpy(
                zero_copy_only=False)
            chk.flag(big, out_of_range)
            arr = pc.if_else(pa.array(big), pa.scalar(0, arr.type), arr)
        vals = arr.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
    elif _is_text(arr):
        s = pc.utf8_trim_whitespace(_blank_to_null(arr.cast(pa.string(), safe=False)
                                                   if pa.types.is_binary(arr.type) else arr))
        null = s.is_null().to_numpy(zero_copy_only=False)
        try:
            if not plain_integers(s):
                raise pa.ArrowInvalid("not plain decimal integers")
            vals = pc.cast(s, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            vals = _int_texts(s.to_pylist(), chk, out_of_range, fractional)
    else:
        f, null = number(arr, chk, required=False)
        vals = _from_floats(f, null, chk, out_of_range, fractional)
    if required:
        chk.flag(null, "missing_value")
    return vals, null


def plain_integers(s: pa.Array) -> bool:
    """True when every non-null string is a plain decimal integer (Arrow's own cast would also
    take ``0x10`` as 16)."""
    return bool(pc.all(pc.match_substring_regex(s, r"^[+-]?[0-9]+$")).as_py() is not False)


def _from_floats(f: np.ndarray, null: np.ndarray, chk, out_of_range: str, fractional: str | None) -> np.ndarray:
    fin = np.isfinite(f)
    chk.flag(~null & ~fin, "not_finite")
    chk.flag(fin & (np.abs(f) >= FLOAT_EXACT), out_of_range)
    frac = fin & (np.floor(f) != f)
    if fractional is not None:
        chk.flag(frac, fractional)
    ok = fin & (np.abs(f) < FLOAT_EXACT)
    return np.where(ok, np.rint(np.where(ok, f, 0)), 0).astype(np.int64)


def _int_texts(texts: list, chk, out_of_range: str, fractional: str | None) -> np.ndarray:
    """The per-row path (a batch holding some text that is not a plain int64)."""
    vals = np.zeros(len(texts), dtype=np.int64)
    floats = np.full(len(texts), np.nan)
    flt = np.zeros(len(texts), dtype=bool)
    for i, t in enumerate(texts):
        if t is None:
            continue
        if _INT_TEXT.fullmatch(t):
            v = int(t)
            if -INT64_MAX - 1 <= v <= INT64_MAX:
                vals[i] = v
            else:
                chk.flag(_one(len(texts), i), out_of_range)
            continue
        try:
            floats[i] = float(t) if t.isascii() else float("nan")
            flt[i] = t.isascii()
        except ValueError:
            pass
        if not flt[i]:
            chk.flag(_one(len(texts), i), "unparsable")
    if flt.any():
        idx = np.flatnonzero(flt)
        sub = type(chk)(len(idx))
        got = _from_floats(floats[idx], np.zeros(len(idx), bool), sub, out_of_range, fractional)
        vals[idx] = got
        for code in np.unique(sub.code[sub.code != 0]):
            mask = np.zeros(len(texts), dtype=bool)
            mask[idx[sub.code == code]] = True
            chk.code[mask & (chk.code == 0)] = code
    return vals


def _one(n: int, i: int) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    m[i] = True
    return m


def check_price(raw: pa.Array, values: np.ndarray, null: np.ndarray, chk, reason: str = "price_out_of_range") -> None:
    """Flag prices that would not be stored exactly as written: floats outside what the numeric
    encoder stores exactly (1e30, 1e16, 1e-13), and decimal text with more significant digits
    than a double keeps (compared digit by digit, only for text longer than 15 characters)."""
    fin = np.isfinite(values) & ~null
    chk.flag(fin & ~exact_decimal(values), reason)
    if pa.types.is_dictionary(raw.type):
        raw = raw.cast(raw.type.value_type)
    if not _is_text(raw) or not len(raw):
        return
    long = pc.fill_null(pc.greater(pc.binary_length(raw), SAFE_DIGITS), False).to_numpy(zero_copy_only=False)
    long &= fin & (chk.code == 0)
    if not long.any():
        return
    idx = np.flatnonzero(long)
    mant, scale = decimal_digits(values[idx])
    texts = raw.take(pa.array(idx)).to_pylist()
    bad = np.zeros(len(values), dtype=bool)
    for j, (t, m, k, v) in enumerate(zip(texts, mant, scale, values[idx])):
        t = t.decode("utf-8", "replace") if isinstance(t, bytes) else t
        try:
            written = Decimal(t.strip())
        except InvalidOperation:
            bad[idx[j]] = True
            continue
        stored = Decimal(int(m)).scaleb(-int(k)).copy_sign(Decimal(1 if v >= 0 else -1))
        bad[idx[j]] = written != stored
    chk.flag(bad, reason)
