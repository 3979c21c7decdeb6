"""Vectorised typing and validation of raw batches, with a reason per rejected row.

A raw batch (CSV bytes, Parquet or DataFrame values) becomes typed numpy/Arrow columns plus a
per-row reason code (0 = valid). Each row is rejected for the first rule it breaks; rejected rows
keep their raw values for the ``quarantine`` table. Column aliases cover Massive flat files
(``ticker``, ``size``, ``id``, ``sip_timestamp``, ``window_start``, ``transactions``) and the
live feed (trades ``{sym, p, s, t}``, minute aggregates ``{sym, o, h, l, c, v, s}``, times in ms).

>>> import pyarrow as pa
>>> b = pa.record_batch({"symbol": ["A", "A"], "timestamp": [1_700_000_000_000_000_000] * 2,
...                      "price": [1.5, -1.0], "volume": [10, 10]})
>>> t = check_ticks(b, now_ns=1_800_000_000_000_000_000)
>>> [REASONS[c] for c in t.code]
['ok', 'non_positive_price']
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ValidationError
from .exact import check_price, clean_text, exact_int64, plain_integers

#: Reason codes; the text is what the quarantine table stores.
REASONS = [
    "ok",
    "missing_value",
    "unparsable",
    "invalid_utf8",
    "symbol_too_long",
    "not_finite",
    "non_positive_price",
    "negative_size",
    "timestamp_out_of_range",
    "timestamp_wrong_unit",
    "high_below_low",
    "open_outside_range",
    "close_outside_range",
    "trade_id_too_long",
    "unknown_symbol",
    "fractional_size",      # volumes are whole units (bigint); a fractional trade size cannot be stored
    "price_out_of_range",   # a price that would not be stored exactly (1e30, 1e16, 1e-13, 17 digits)
    "volume_out_of_range",  # beyond int64, or a float too large to be a trusted integer
    "nul_byte",             # a NUL byte in a field (PostgreSQL text cannot hold it)
    "timestamp_without_zone",   # naive date-time text and no tz= given
    "not_minute_boundary",  # a 1-minute bar that does not start on a whole minute
    "not_a_session",        # a daily bar on a day that is not a session of the calendar
    "vwap_outside_range",   # vwap outside [low, high]
]
CODE = {r: i for i, r in enumerate(REASONS)}

TICK_ALIASES = {"ticker": "symbol", "sym": "symbol", "size": "volume", "s": "volume", "p": "price",
                "id": "trade_id", "sip_timestamp": "timestamp", "time": "timestamp",
                "x": "exchange", "i": "trade_id", "c": "conditions", "z": "tape", "q": "sequence_number"}
BAR_ALIASES = {"ticker": "symbol", "sym": "symbol", "window_start": "timestamp", "transactions": "trade_count",
               "o": "open", "h": "high", "l": "low", "c": "close", "v": "volume", "vw": "vwap", "n": "trade_count",
               "time": "timestamp"}

#: Earliest accepted timestamp (ns since the epoch): 1990-01-01.
MIN_NS = 631_152_000_000_000_000
#: How far in the future a timestamp may be (clock skew between vendor and loader).
FUTURE_MARGIN_NS = 2 * 86_400 * 10**9
SYMBOL_MAX = 20
TRADE_ID_MAX = 64


def is_missing(value) -> bool:
    """True for None, NaN and blank text: a field of a reference or event row with no value."""
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


class Checker:
    """Holds the per-row first-failure reason codes of one batch."""

    def __init__(self, n: int):
        self.code = np.zeros(n, dtype=np.int8)

    def flag(self, mask, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.code[mask & (self.code == 0)] = CODE[reason]

    @property
    def ok(self) -> np.ndarray:
        return self.code == 0


def renamed(batch: pa.RecordBatch, aliases: dict[str, str]) -> dict[str, pa.Array]:
    """Columns by canonical name (an alias never overrides a column already present)."""
    cols: dict[str, pa.Array] = {}
    for name, col in zip(batch.schema.names, batch.columns):
        cols.setdefault(name, col)
    for alias, canon in aliases.items():
        if alias in cols and canon not in cols:
            cols[canon] = cols[alias]
    return cols


def _live_ms(cols: dict, key: str) -> None:
    """Live-feed messages carry Unix milliseconds (trades ``t``, minute aggregates ``s``)."""
    if "timestamp" not in cols and key in cols:
        ms, _ = integer(cols[key], Checker(len(cols[key])), required=False)
        cols["timestamp"] = pa.array(ms * 1_000_000, mask=cols[key].is_null().to_numpy(zero_copy_only=False))


def _blank_to_null(arr: pa.Array) -> pa.Array:
    if pa.types.is_binary(arr.type) or pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        trimmed = pc.utf8_trim_whitespace(arr.cast(pa.string())) if not pa.types.is_binary(arr.type) else arr
        empty = pc.equal(pc.binary_length(trimmed), 0)
        return pc.if_else(empty, pa.scalar(None, arr.type), arr)
    return arr


def text(arr: pa.Array, chk: Checker) -> pa.Array:
    """UTF-8 strings; invalid UTF-8 is flagged ``invalid_utf8`` and becomes null."""
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return arr
    if pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type):
        try:
            return arr.cast(pa.string())
        except pa.ArrowInvalid:
            bad = np.array([v is not None and not _utf8(v) for v in arr.to_pylist()])
            chk.flag(bad, "invalid_utf8")
            return pc.if_else(pa.array(bad), pa.scalar(None, arr.type), arr).cast(pa.string(), safe=False)
    if pa.types.is_null(arr.type):
        return arr.cast(pa.string())
    return pc.cast(arr, pa.string())


def _utf8(v: bytes) -> bool:
    try:
        v.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _strings(arr: pa.Array) -> pa.Array:
    return arr.cast(pa.string(), safe=False) if pa.types.is_binary(arr.type) else arr


def number(arr: pa.Array, chk: Checker, *, required: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """float64 values and a null mask; blanks are ``missing_value``, junk is ``unparsable``."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_decimal(arr.type) or pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) \
            or pa.types.is_boolean(arr.type) or pa.types.is_null(arr.type):
        vals = arr.cast(pa.float64())
    else:
        arr = _blank_to_null(_strings(arr))
        try:
            vals = pc.cast(pc.utf8_trim_whitespace(arr), pa.float64())
        except pa.ArrowInvalid:
            texts = pd.Series(arr.to_numpy(zero_copy_only=False), dtype=object)
            parsed = pd.to_numeric(texts, errors="coerce")
            spelled_nan = texts.str.strip().str.lower().isin(["nan", "+nan", "-nan"]).to_numpy()
            bad = parsed.isna().to_numpy() & ~arr.is_null().to_numpy(zero_copy_only=False) & ~spelled_nan
            chk.flag(bad, "unparsable")
            vals = pa.array(parsed.to_numpy(dtype=np.float64, na_value=np.nan),
                            mask=arr.is_null().to_numpy(zero_copy_only=False) | bad)
    null = vals.is_null().to_numpy(zero_copy_only=False)
    if required:
        chk.flag(null, "missing_value")
    return vals.to_numpy(zero_copy_only=False).astype(np.float64, copy=False), null


def integer(arr: pa.Array, chk: Checker, *, required: bool = True, lo=None, hi=None) -> tuple[np.ndarray, np.ndarray]:
    """int64 values and a null mask (floats must be whole; values outside [lo, hi] are unparsable)."""
    if pa.types.is_integer(arr.type):      # exact, uint64 beyond int64 included
        vals, null = exact_int64(arr, chk, out_of_range="unparsable", required=required)
    else:
        f, null = number(arr, chk, required=required)
        fin = np.isfinite(f)
        chk.flag(~null & ~fin, "not_finite")
        chk.flag(fin & (np.floor(f) != f), "unparsable")
        big = fin & (np.abs(f) >= 2.0**63)
        chk.flag(big, "unparsable")
        vals = np.where(fin & ~big, f, 0).astype(np.int64)
        null = null | ~fin | big
    if lo is not None:
        chk.flag(~null & ((vals < lo) | (vals > hi)), "unparsable")
    return vals, null


#: Date-time text that names its zone: ``Z``, ``UTC``/``GMT`` or a numeric offset after the time.
ZONED = r"(?i)\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s*(?:z|utc|gmt|[+-]\d\d(?::?\d\d)?)$"


def timestamps_ns(arr: pa.Array, chk: Checker, now_ns: int, *, required: bool = True, tz: str | None = None,
                  zone_required: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Nanoseconds since the epoch (UTC) from Arrow timestamps, integers (ns) or ISO-8601 text.

    Integers that look like seconds, milliseconds or microseconds are ``timestamp_wrong_unit``;
    anything before 1990 or more than two days in the future (or beyond int64) is
    ``timestamp_out_of_range``. Naive date-times (text without an offset, tz-naive columns) are
    read in ``tz``; without it naive text is ``timestamp_without_zone`` and a naive column is a
    defect of the file. ``zone_required=False`` (session dates) reads naive values as UTC dates.
    """
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    null_unparsable = None
    numeric = np.full(len(arr), not (pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type)))
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is None and zone_required:
            if tz is None:
                raise ValidationError("the timestamp column has no time zone (timestamp_without_zone); "
                                      "name the zone of its values with tz= (--tz on the command line)")
            arr = _localize(arr, tz, chk)
        vals = arr.cast(pa.timestamp("ns", arr.type.tz)).cast(pa.int64())
    elif pa.types.is_date(arr.type):
        vals = arr.cast(pa.timestamp("ns")).cast(pa.int64()) if pa.types.is_date32(arr.type) else arr.cast(pa.int64())
    elif pa.types.is_unsigned_integer(arr.type) and arr.type.bit_width == 64:
        big = pc.fill_null(pc.greater(arr, pa.scalar(2**63 - 1, pa.uint64())), False).to_numpy(zero_copy_only=False)
        chk.flag(big, "timestamp_out_of_range")
        vals = pc.if_else(pa.array(big), pa.scalar(0, arr.type), arr).cast(pa.int64())
        null_unparsable = big
    elif pa.types.is_integer(arr.type):
        vals = arr.cast(pa.int64())
    elif pa.types.is_floating(arr.type):
        vals, _ = integer(arr, chk, required=False)
        vals = pa.array(vals, mask=arr.is_null().to_numpy(zero_copy_only=False))
    else:
        s = _blank_to_null(_strings(arr))
        s = pc.utf8_trim_whitespace(s)
        try:
            if not plain_integers(s):
                raise pa.ArrowInvalid("not plain decimal integers")
            vals = pc.cast(s, pa.int64())
        except pa.ArrowInvalid:
            vals, numeric, null_unparsable = _text_timestamps(s, chk, tz, zone_required)
    null = vals.is_null().to_numpy(zero_copy_only=False)
    ns = vals.fill_null(0).to_numpy().astype(np.int64, copy=False)
    if required:
        chk.flag(null, "missing_value")
    if null_unparsable is not None:
        null = null | null_unparsable
    live = ~null
    in_range = (ns >= MIN_NS) & (ns <= now_ns + FUTURE_MARGIN_NS)
    wrong_unit = np.zeros(len(ns), dtype=bool)
    for scale in (10**9, 10**6, 10**3):   # seconds, milliseconds, microseconds
        scaled = ns.astype(np.float64) * scale
        wrong_unit |= (scaled >= MIN_NS) & (scaled <= now_ns + FUTURE_MARGIN_NS)
    chk.flag(live & ~in_range & wrong_unit & numeric, "timestamp_wrong_unit")
    chk.flag(live & ~in_range, "timestamp_out_of_range")
    return ns, null


def _localize(arr: pa.Array, tz: str, chk: Checker) -> pa.Array:
    """Naive timestamps read as wall-clock time in ``tz``; times the zone skips or repeats (DST
    changes) are ``unparsable``."""
    idx = pd.DatetimeIndex(arr.to_pandas())
    try:
        local = idx.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    except Exception as exc:   # an unknown zone name
        raise ValidationError(f"unknown time zone {tz!r} ({exc})") from None
    chk.flag(local.isna() & ~idx.isna(), "unparsable")
    return pa.array(local.tz_convert("UTC"), pa.timestamp("ns", "UTC"))


def _text_timestamps(s: pa.Array, chk: Checker, tz: str | None, zone_required: bool):
    """The slow path of text timestamps: integer digits (ns) mixed with ISO-8601 text."""
    texts = pd.Series(s.to_numpy(zero_copy_only=False), dtype=object)
    digits = texts.str.fullmatch(r"[+-]?[0-9]+").fillna(False).astype(bool).to_numpy()
    out = np.zeros(len(texts), dtype=np.int64)
    bad = np.zeros(len(texts), dtype=bool)
    for i in np.flatnonzero(digits):
        v = int(texts.iat[i])
        if -2**63 <= v < 2**63:
            out[i] = v
        else:
            bad[i] = True
    chk.flag(bad, "timestamp_out_of_range")
    rest = ~digits & texts.notna().to_numpy()
    if rest.any():
        sub = texts[rest]
        zoned = sub.str.contains(ZONED, regex=True).fillna(False).astype(bool).to_numpy()
        parsed = pd.Series(pd.NaT, index=sub.index, dtype="datetime64[ns, UTC]")
        if zoned.any():
            parsed[zoned] = pd.to_datetime(sub[zoned], utc=True, format="ISO8601", errors="coerce")
        naive = ~zoned
        unzoned = np.zeros(len(sub), dtype=bool)
        if naive.any():
            local = pd.to_datetime(sub[naive], format="ISO8601", errors="coerce")
            if getattr(local.dt, "tz", None) is not None:      # an offset the pattern missed
                parsed[naive] = local.dt.tz_convert("UTC")
            elif tz is not None:
                try:
                    parsed[naive] = local.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
                except Exception as exc:
                    raise ValidationError(f"unknown time zone {tz!r} ({exc})") from None
            elif not zone_required:
                parsed[naive] = local.dt.tz_localize("UTC")
            else:
                unzoned[naive] = local.notna().to_numpy()
        ok = parsed.notna().to_numpy()
        vals_rest = np.zeros(len(parsed), dtype=np.int64)
        vals_rest[ok] = parsed[ok].dt.as_unit("ns").dt.tz_localize(None).astype(np.int64).to_numpy()
        out[rest] = vals_rest
        where = np.flatnonzero(rest)
        no_zone = np.zeros(len(texts), dtype=bool)
        no_zone[where[unzoned]] = True
        chk.flag(no_zone, "timestamp_without_zone")
        unparsable = np.zeros(len(texts), dtype=bool)
        unparsable[where[~ok & ~unzoned]] = True
        chk.flag(unparsable, "unparsable")
        bad |= no_zone | unparsable
    # ISO text is never in the wrong unit, only out of range
    return pa.array(out, mask=texts.isna().to_numpy()), digits, bad


def symbols(arr: pa.Array | None, chk: Checker) -> pa.Array:
    if arr is None:
        raise ValidationError("input has no symbol column (expected `symbol` or `ticker`)")
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    s = text(arr, chk)
    s = pc.utf8_trim_whitespace(s)
    length = pc.utf8_length(s).fill_null(0).to_numpy(zero_copy_only=False)
    chk.flag(s.is_null().to_numpy(zero_copy_only=False) | (length == 0), "missing_value")
    chk.flag(length > SYMBOL_MAX, "symbol_too_long")
    return s


def conditions(arr: pa.Array | None, chk: Checker, n: int) -> pa.Array:
    """Trade conditions as list<int16>: a Massive quoted comma list ("12,37") or a list column."""
    if arr is None:
        return pa.nulls(n, pa.large_list(pa.int16()))
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        try:
            return arr.cast(pa.large_list(pa.int16()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            chk.flag(np.ones(n, bool), "unparsable")
            return pa.nulls(n, pa.large_list(pa.int16()))
    if pa.types.is_integer(arr.type) or pa.types.is_null(arr.type):
        vals = arr.cast(pa.int16())
        offsets = np.arange(n + 1, dtype=np.int64)
        lists = pa.LargeListArray.from_arrays(pa.array(offsets), vals.fill_null(0))
        return pc.if_else(arr.is_null(), pa.scalar(None, lists.type), lists)
    s = _blank_to_null(_strings(arr))
    s = pc.replace_substring_regex(s, r"[\[\]{}\s]", "")
    s = _blank_to_null(s)
    parts = pc.split_pattern(s, ",")
    try:
        return parts.cast(pa.large_list(pa.int16()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        fits = []
        for v in parts.to_pylist():
            try:
                fits.append(v is None or all(-32768 <= int(x) <= 32767 for x in v))
            except ValueError:
                fits.append(False)
        good = np.array(fits, dtype=bool)
        chk.flag(~good, "unparsable")
        parts = pc.if_else(pa.array(good), parts, pa.scalar(None, parts.type))
        return parts.cast(pa.large_list(pa.int16()))


@dataclass
class Checked:
    """A typed batch: ``cols`` by name (numpy or Arrow), ``nulls`` masks, ``code`` per row."""

    n: int
    cols: dict = field(default_factory=dict)
    nulls: dict = field(default_factory=dict)
    code: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.code) != self.n:           # every row valid until a check says otherwise
            self.code = np.zeros(self.n, dtype=np.int8)

    def keep(self, mask: np.ndarray) -> "Checked":
        return self.take(np.flatnonzero(mask))

    def take(self, idx: np.ndarray) -> "Checked":
        """The rows at positions ``idx``, in that order."""
        take = pa.array(idx)
        out = Checked(len(idx))
        for k, v in self.cols.items():
            out.cols[k] = v.take(take) if isinstance(v, (pa.Array, pa.ChunkedArray)) else v[idx]
        for k, v in self.nulls.items():
            out.nulls[k] = v[idx]
        out.code = self.code[idx]
        out.meta = dict(self.meta)
        return out


#: Columns a loader needs (canonical names, after aliases).
TICK_REQUIRED = ("symbol", "timestamp", "price", "volume")
BAR_REQUIRED = ("symbol", "timestamp", "open", "high", "low", "close", "volume")


def require_columns(names: list[str], aliases: dict[str, str], required: tuple[str, ...]) -> None:
    """Raise a one-line ValidationError unless the header has every required column (or an alias)."""
    have = set(names) | {canon for alias, canon in aliases.items() if alias in names}
    if "date" in have and "timestamp" not in have and "timestamp" in required and "open" in required:
        have.add("timestamp")     # daily bars may be keyed by a session date
    missing = [c for c in required if c not in have]
    if missing:
        raise ValidationError(f"input has no {missing[0]} column (columns: {', '.join(names) or 'none'})")


def check_ticks(batch: pa.RecordBatch, *, now_ns: int, tz: str | None = None) -> Checked:
    """Type and validate a batch of trades (canonical columns, Massive trades_v1 or live-feed names)."""
    n = batch.num_rows
    chk = Checker(n)
    out = Checked(n)
    batch = clean_text(batch, chk)
    cols = renamed(batch, TICK_ALIASES)
    _live_ms(cols, "t")
    out.cols["symbol"] = symbols(cols.get("symbol"), chk)
    for name in ("timestamp", "price", "volume"):
        if name not in cols:
            raise ValidationError(f"input has no {name} column (columns: {', '.join(batch.schema.names)})")
    ts, _ = timestamps_ns(cols["timestamp"], chk, now_ns, tz=tz)
    out.cols["timestamp"] = ts // 1000          # microseconds: PostgreSQL's resolution
    price, pnull = number(cols["price"], chk)
    chk.flag(~np.isfinite(price), "not_finite")
    chk.flag(price <= 0, "non_positive_price")
    check_price(cols["price"], price, pnull, chk)
    out.cols["price"] = price
    vol, _ = exact_int64(cols["volume"], chk, out_of_range="volume_out_of_range", fractional="fractional_size")
    chk.flag(vol < 0, "negative_size")
    out.cols["volume"] = vol
    for name, lo, hi in (("exchange", -32768, 32767), ("correction", -32768, 32767), ("tape", -32768, 32767)):
        if name in cols:
            vals, null = integer(cols[name], chk, required=False, lo=lo, hi=hi)
        else:
            vals, null = np.zeros(n, np.int64), np.ones(n, bool)
        out.cols[name], out.nulls[name] = vals, null
    if "sequence_number" in cols:
        out.cols["sequence_number"], out.nulls["sequence_number"] = exact_int64(
            cols["sequence_number"], chk, out_of_range="unparsable", fractional="unparsable", required=False)
    else:
        out.cols["sequence_number"], out.nulls["sequence_number"] = np.zeros(n, np.int64), np.ones(n, bool)
    for name in ("exchange", "correction"):      # NOT NULL DEFAULT 0 in the table
        out.cols[name] = np.where(out.nulls.pop(name), 0, out.cols[name])
    if "participant_timestamp" in cols:
        pts, pnull = timestamps_ns(cols["participant_timestamp"], chk, now_ns, required=False, tz=tz)
        out.cols["participant_timestamp"], out.nulls["participant_timestamp"] = pts // 1000, pnull
    else:
        out.cols["participant_timestamp"], out.nulls["participant_timestamp"] = np.zeros(n, np.int64), np.ones(n, bool)
    if "trade_id" in cols:
        tid = _blank_to_null(pc.utf8_trim_whitespace(text(cols["trade_id"], chk)))
        chk.flag(pc.utf8_length(tid).fill_null(0).to_numpy(zero_copy_only=False) > TRADE_ID_MAX, "trade_id_too_long")
        out.cols["trade_id"] = tid
    else:
        out.cols["trade_id"] = pa.nulls(n, pa.string())
    out.cols["conditions"] = conditions(cols.get("conditions"), chk, n)
    out.code = chk.code
    return out


def check_bars(batch: pa.RecordBatch, *, now_ns: int, daily: bool, tz: str | None = None) -> Checked:
    """Type and validate OHLCV bars (canonical columns or Massive minute/day aggregates)."""
    n = batch.num_rows
    chk = Checker(n)
    out = Checked(n)
    batch = clean_text(batch, chk)
    cols = renamed(batch, BAR_ALIASES)
    _live_ms(cols, "s")
    out.cols["symbol"] = symbols(cols.get("symbol"), chk)
    if daily and "date" in cols and "timestamp" not in cols:
        d = cols["date"]
        if not pa.types.is_date(d.type) and not pa.types.is_timestamp(d.type):
            d = _blank_to_null(_strings(d))
        ns, _ = timestamps_ns(d, chk, now_ns, zone_required=False)
        out.cols["date_ns"] = ns
        out.meta["date_is_session"] = True
    else:
        if "timestamp" not in cols:
            raise ValidationError(f"input has no timestamp column (columns: {', '.join(batch.schema.names)})")
        ns, _ = timestamps_ns(cols["timestamp"], chk, now_ns, tz=tz)
        out.meta["date_is_session"] = False
        if not daily:
            chk.flag(ns % 60_000_000_000 != 0, "not_minute_boundary")
    out.cols["timestamp"] = ns // 1000
    ohlc: dict[str, np.ndarray] = {}
    for name in ("open", "high", "low", "close"):
        if name not in cols:
            raise ValidationError(f"input has no {name} column (columns: {', '.join(batch.schema.names)})")
        ohlc[name], null = number(cols[name], chk)
        chk.flag(~null & ~np.isfinite(ohlc[name]), "not_finite")
    if "volume" not in cols:
        raise ValidationError(f"input has no volume column (columns: {', '.join(batch.schema.names)})")
    vol, _ = exact_int64(cols["volume"], chk, out_of_range="volume_out_of_range")
    o, h, lo, c = (ohlc[k] for k in ("open", "high", "low", "close"))
    chk.flag((o <= 0) | (h <= 0) | (lo <= 0) | (c <= 0), "non_positive_price")
    chk.flag(vol < 0, "negative_size")
    for name in ("open", "high", "low", "close"):
        check_price(cols[name], ohlc[name], np.zeros(n, bool), chk)
    chk.flag(h < lo, "high_below_low")
    chk.flag((o < lo) | (o > h), "open_outside_range")
    chk.flag((c < lo) | (c > h), "close_outside_range")
    out.cols.update(open=o, high=h, low=lo, close=c, volume=vol)
    if "vwap" in cols:
        vw, vnull = number(cols["vwap"], chk, required=False)
        chk.flag(~vnull & ~np.isfinite(vw), "not_finite")
        chk.flag(~vnull & (vw <= 0), "non_positive_price")
        check_price(cols["vwap"], vw, vnull, chk)
        chk.flag(~vnull & ((vw < lo) | (vw > h)), "vwap_outside_range")
    else:
        vw, vnull = np.zeros(n), np.ones(n, bool)
    out.cols["vwap"], out.nulls["vwap"] = vw, vnull
    if "trade_count" in cols:
        tc, tnull = integer(cols["trade_count"], chk, required=False, lo=0, hi=2**31 - 1)
    else:
        tc, tnull = np.zeros(n, np.int64), np.ones(n, bool)
    out.cols["trade_count"], out.nulls["trade_count"] = tc, tnull
    out.code = chk.code
    return out


def raw_rows(batch: pa.RecordBatch, idx: np.ndarray) -> list[str]:
    """The raw values of rows ``idx`` as JSON objects (bytes decoded leniently)."""
    rows = batch.take(pa.array(idx)).to_pylist()
    out = []
    for row in rows:
        out.append(json.dumps({k: _jsonable(v) for k, v in row.items()}, default=str))
    return out


def _jsonable(v):
    """A JSON value for the quarantine's jsonb ``raw`` (which cannot hold NUL: written ``\\x00``)."""
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")
    if isinstance(v, str):
        return v.replace("\x00", "\\x00")
    if isinstance(v, float) and not np.isfinite(v):
        return str(v)
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    return v
