"""The fast read path: ``COPY (SELECT ...) TO STDOUT`` parsed by pyarrow into typed pandas frames.

Why: ``pandas.read_sql`` builds a Python object per value and turns ``numeric`` into
``Decimal``; most of a Python reader's time goes there. Here the server formats CSV, psycopg2
streams the bytes, and pyarrow's multi-threaded CSV parser turns them into typed columns
(float64 prices, int64 volumes, UTC timestamps), which become a DataFrame almost without
copying. The COPY output is streamed through a pipe into pyarrow's parser while it arrives,
so transfer and parsing overlap.

Statements are named ones from ``sql/queries/load.sql``; their values are bound by
``cursor.mogrify`` (psycopg2 quoting), so nothing from the caller is pasted into SQL.

>>> params = {"symbols": ["AAPL"], "start": "2024-03-08", "end": "2024-03-09"}   # doctest: +SKIP
>>> frame = copy_frame(engine, "ticks", params, TICK_COLUMNS)                    # doctest: +SKIP
>>> frame.dtypes["price"], frame.dtypes["timestamp"]                             # doctest: +SKIP
(dtype('float64'), datetime64[us, UTC])
"""
from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy.engine import Engine

from ..db.engine import raw_connection
from ..sqlfiles import raw

FAMILY = "queries/load"

#: Arrow type used to parse each kind of column, and the pandas dtype it ends as.
_ARROW = {
    "str": pa.string(), "float64": pa.float64(), "int64": pa.int64(), "Int64": pa.int64(),
    "int16": pa.int16(), "utc": pa.timestamp("us", tz="UTC"), "date": pa.date32(),
    "int16_list": pa.string(),
}


@dataclass(frozen=True)
class ColumnSpec:
    """The columns a statement returns, in order, each with its kind (a key of ``_ARROW``)."""

    columns: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, pairs) -> "ColumnSpec":
        return cls(tuple(pairs))

    @property
    def names(self) -> list[str]:
        return [n for n, _ in self.columns]

    def arrow_types(self) -> dict[str, pa.DataType]:
        return {n: _ARROW[k] for n, k in self.columns}


TICK_COLUMNS = ColumnSpec.of([
    ("symbol", "str"), ("timestamp", "utc"), ("price", "float64"), ("volume", "int64"), ("exchange", "int16"),
    ("trade_id", "str"), ("sequence_number", "Int64"), ("conditions", "int16_list"), ("correction", "int16"),
])
INTRADAY_BAR_COLUMNS = ColumnSpec.of([
    ("symbol", "str"), ("timestamp", "utc"), ("open", "float64"), ("high", "float64"), ("low", "float64"),
    ("close", "float64"), ("volume", "int64"), ("vwap", "float64"), ("trade_count", "Int64"),
])
DAILY_BAR_COLUMNS = ColumnSpec.of([
    ("symbol", "str"), ("date", "date"), ("open", "float64"), ("high", "float64"), ("low", "float64"),
    ("close", "float64"), ("volume", "int64"), ("vwap", "float64"), ("trade_count", "Int64"),
])

_CONDITIONS_TYPE = pd.ArrowDtype(pa.list_(pa.int16()))


def copy_sql(cursor, name: str, params: dict) -> bytes:
    """``COPY (<named statement with values bound>) TO STDOUT (FORMAT csv)`` as bytes."""
    body = cursor.mogrify(raw(FAMILY, name).strip().rstrip(";"), params)
    return b"COPY (" + body + b") TO STDOUT (FORMAT csv)"


def _parse_options(spec: ColumnSpec):
    read = pcsv.ReadOptions(column_names=spec.names, use_threads=True, block_size=4 << 20)
    parse = pcsv.ParseOptions(newlines_in_values=False)
    convert = pcsv.ConvertOptions(column_types=spec.arrow_types(), strings_can_be_null=True,
                                  quoted_strings_can_be_null=False, null_values=[""])
    return read, parse, convert


def copy_table(engine: Engine, name: str, params: dict, spec: ColumnSpec, *, stream: bool = True) -> pa.Table:
    """Run a named statement through COPY and parse its CSV into an Arrow table of ``spec``'s types.

    With ``stream=True`` psycopg2 writes into a pipe from a helper thread while pyarrow parses
    the other end, so the client parses while the server is still sending and the CSV text is
    never held in memory as a whole.
    """
    conn = raw_connection(engine)
    ok = False
    try:
        with conn.cursor() as cur:
            cur.execute(raw(FAMILY, "reader_settings"))
            sql = copy_sql(cur, name, params)
            read, parse, convert = _parse_options(spec)
            if stream:
                table = _read_streaming(cur, sql, spec, read, parse, convert)
            else:
                buf = io.BytesIO()
                cur.copy_expert(sql, buf, size=1 << 20)
                buf.seek(0)
                table = _read(buf, spec, read, parse, convert)
        conn.rollback()
        ok = True
        return _finish(table, spec)
    finally:
        if ok:
            conn.close()
        else:  # a half-read COPY leaves the connection unusable: drop it from the pool
            try:
                conn.invalidate()
            except Exception:  # pragma: no cover
                conn.close()


def copy_tables(engine: Engine, name: str, params_list: list[dict], spec: ColumnSpec) -> pa.Table:
    """Run one named statement for several parameter sets at once, one connection each, and
    concatenate the results in the order of ``params_list``.

    The reader splits a large read into contiguous parts (groups of symbols, or time slices of
    one symbol) so the server formats rows on several backends while pyarrow parses; on two
    cores this roughly halves the time of one large COPY.
    """
    if len(params_list) == 1:
        return copy_table(engine, name, params_list[0], spec)
    out: list[pa.Table | None] = [None] * len(params_list)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            out[i] = copy_table(engine, name, params_list[i], spec)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), name=f"tickstock-read-{i}", daemon=True)
               for i in range(len(params_list))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return pa.concat_tables(out)


def _read(source, spec, read, parse, convert) -> pa.Table:
    try:
        return pcsv.read_csv(source, read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            return _empty_table(spec)
        raise


def _empty_table(spec: ColumnSpec) -> pa.Table:
    return pa.table({n: pa.array([], type=t) for n, t in spec.arrow_types().items()})


def _read_streaming(cur, sql: bytes, spec, read, parse, convert) -> pa.Table:
    rfd, wfd = os.pipe()
    error: list[BaseException] = []

    # psycopg2 calls write() once per row: a C-level buffered file keeps that cheap.
    writer = os.fdopen(wfd, "wb", buffering=1 << 20)

    def produce():
        try:
            cur.copy_expert(sql, writer, size=1 << 20)
        except BaseException as exc:  # surfaced in the reading thread
            error.append(exc)
        finally:
            try:
                writer.close()
            except OSError:  # reader already gone (EPIPE)
                pass

    worker = threading.Thread(target=produce, name="tickstock-copy", daemon=True)
    worker.start()
    reader = os.fdopen(rfd, "rb", buffering=0)
    try:
        table = _read(pa.PythonFile(reader, mode="r"), spec, read, parse, convert)
    except BaseException:
        reader.close()  # the writer then fails with EPIPE and stops
        worker.join()
        if error:
            raise error[0] from None   # the writer thread's error is the cause
        raise
    reader.close()
    worker.join()
    if error:
        raise error[0]
    return table


_LIST_TYPE = pa.list_(pa.int16())


def _finish(table: pa.Table, spec: ColumnSpec) -> pa.Table:
    """Arrow-side conversions done per part (so parts convert in parallel): PostgreSQL array
    text such as ``{12,37}`` becomes ``list<int16>`` (``{}`` an empty list, NULL stays null)."""
    for name, kind in spec.columns:
        if kind == "int16_list":
            col = table.column(name)
            if len(col):
                empty = pc.fill_null(pc.equal(col, "{}"), False)
                text = pc.if_else(empty, pa.scalar(None, pa.string()), pc.utf8_trim(col, "{}"))
                lists = pc.split_pattern(text, ",").cast(_LIST_TYPE)
                lists = pc.if_else(empty, pa.scalar([], _LIST_TYPE), lists)
            else:
                lists = pa.chunked_array([pa.array([], type=_LIST_TYPE)])
            table = table.set_column(table.schema.get_field_index(name), name, lists)
    return table


def to_frame(table: pa.Table, spec: ColumnSpec) -> pd.DataFrame:
    """An Arrow table of ``spec`` (after :func:`_finish`) as a pandas frame with the kit's dtypes.

    ``str`` columns become pandas' string dtype, ``float64``/``int64``/``int16`` numpy columns,
    ``Int64`` nullable integers, ``utc`` a ``datetime64[us, UTC]`` column, ``date`` a naive
    ``datetime64[s]`` column, and ``int16_list`` an Arrow-backed ``list<int16>`` column.
    """
    data = {}
    for name, kind in spec.columns:
        col = table.column(name)
        if kind == "int16_list":
            data[name] = pd.Series(col, dtype=_CONDITIONS_TYPE)
        elif kind == "Int64":
            data[name] = pd.Series(pd.array(col.to_numpy(), dtype="Int64")) if col.null_count == 0 else \
                col.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        elif kind == "date":
            data[name] = pd.Series(col.cast(pa.timestamp("s")).to_numpy(zero_copy_only=False), dtype="datetime64[s]")
        elif kind == "str":
            data[name] = pd.Series(col, dtype=pd.StringDtype(na_value=np.nan))
        elif kind == "utc":
            data[name] = pd.Series(col.to_numpy(zero_copy_only=False), dtype="datetime64[us]").dt.tz_localize("UTC")
        else:
            data[name] = pd.Series(col.to_numpy(zero_copy_only=False).astype(kind, copy=False))
    return pd.DataFrame(data, copy=False)


def empty_frame(spec: ColumnSpec) -> pd.DataFrame:
    """A frame with no rows and ``spec``'s columns and dtypes."""
    return to_frame(_finish(_empty_table(spec), spec), spec)


def copy_frame(engine: Engine, name: str, params: dict | list[dict], spec: ColumnSpec) -> pd.DataFrame:
    """Run a named statement (for one parameter set, or several parts at once) through COPY and
    return a typed DataFrame (a RangeIndex and the columns of ``spec``)."""
    params_list = params if isinstance(params, list) else [params]
    return to_frame(copy_tables(engine, name, params_list, spec), spec)
