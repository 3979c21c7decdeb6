"""Reading inputs as a stream of Arrow batches: DataFrames, CSV / CSV.gz, Parquet, JSON pages.

Every input becomes a :class:`Source` (a name for reports and quarantine rows, a content digest
so re-loading the same content is recognised, and a way to iterate batches). Batches keep the
input's values as they were (CSV fields stay bytes, so a bad field can be quarantined with its
raw text); :mod:`.validate` does the typing. Column names are lower-cased.

>>> src = sources_of(pd.DataFrame({"symbol": ["AAPL"], "price": [1.0]}))[0]
>>> src.name, next(iter(src.batches(1000))).batch.num_rows
('DataFrame', 1)
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence, Union

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..errors import ValidationError

SourceLike = Union[pd.DataFrame, str, os.PathLike, Sequence[Union[str, os.PathLike, pd.DataFrame]]]

#: CSV bytes read per block; about ``batch_rows`` rows of a trades file.
BYTES_PER_ROW = 96


@dataclass
class RawBatch:
    """Raw rows of one source: the Arrow batch and the 1-based line (or row) of its first row."""

    batch: pa.RecordBatch
    first_line: int


@dataclass
class Source:
    """One input: a file path or a DataFrame."""

    name: str
    kind: str                      # dataframe | csv | parquet | json
    path: Path | None = None
    frame: pd.DataFrame | None = None
    _key: str | None = None

    @property
    def key(self) -> str:
        """A content digest (sha256) of the input: the identity re-loads are recognised by."""
        if self._key is None:
            h = hashlib.sha256()
            if self.path is not None:
                with open(self.path, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 22), b""):
                        h.update(block)
            else:
                h.update(",".join(map(str, self.frame.columns)).encode())
                h.update(pd.util.hash_pandas_object(self.frame, index=False).to_numpy().tobytes())
            self._key = h.hexdigest()
        return self._key

    def row_count(self) -> int | None:
        """Rows in the input when cheap to know (DataFrame, Parquet metadata), else None."""
        if self.frame is not None:
            return len(self.frame)
        if self.kind == "parquet":
            return pq.ParquetFile(self.path).metadata.num_rows
        return None

    def batches(self, batch_rows: int) -> Iterator[RawBatch]:
        if self.kind == "dataframe":
            yield from _frame_batches(self.frame, batch_rows)
        elif self.kind == "parquet":
            yield from _parquet_batches(self.path, batch_rows)
        elif self.kind == "csv":
            yield from _csv_batches(self.path, batch_rows)
        elif self.kind == "json":
            yield from _frame_batches(read_json_records(self.path), batch_rows)
        else:  # pragma: no cover
            raise ValidationError(f"unsupported source kind {self.kind}")


def _kind_of(path: Path) -> str:
    name = path.name.lower()
    for suffix in (".gz", ".bz2", ".zst", ".lz4"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".csv", ".txt", ".tsv")):
        return "csv"
    if name.endswith(".json"):
        return "json"
    raise ValidationError(f"{path.name}: unknown file format (expected .csv, .csv.gz, .parquet or .json)")


def sources_of(source: SourceLike) -> list[Source]:
    """The inputs named by ``source``: a DataFrame, a path, or a list of them."""
    if isinstance(source, pd.DataFrame):
        return [Source("DataFrame", "dataframe", frame=source)]
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            return [s for p in files for s in sources_of(p)]
        if not path.is_file():
            raise ValidationError(f"{path}: no such file")
        return [Source(path.name, _kind_of(path), path=path)]
    if isinstance(source, (list, tuple)):
        out: list[Source] = []
        for item in source:
            out.extend(sources_of(item))
        return out
    raise ValidationError(f"cannot load from {type(source).__name__}; give a DataFrame, a path or a list of paths")


def _lower(batch: pa.RecordBatch) -> pa.RecordBatch:
    names = [str(n).strip().lower() for n in batch.schema.names]
    if names != batch.schema.names:
        batch = pa.RecordBatch.from_arrays(batch.columns, names=names)
    return batch


def _frame_batches(frame: pd.DataFrame, batch_rows: int) -> Iterator[RawBatch]:
    if not isinstance(frame.index, pd.RangeIndex):
        # a time index (or any named index) is data, e.g. ticks indexed by timestamp
        if isinstance(frame.index, pd.DatetimeIndex) and frame.index.name is None:
            frame = frame.rename_axis("timestamp")
        named = any(n is not None for n in frame.index.names)
        frame = frame.reset_index(drop=not named)
    for start in range(0, len(frame), batch_rows):
        part = frame.iloc[start:start + batch_rows]
        table = pa.Table.from_pandas(part, preserve_index=False)
        yield RawBatch(_lower(table.combine_chunks().to_batches()[0]) if table.num_rows else
                       _lower(pa.RecordBatch.from_pylist([], schema=table.schema)), start + 1)


def _parquet_batches(path: Path, batch_rows: int) -> Iterator[RawBatch]:
    pf = pq.ParquetFile(path)
    line = 1
    for batch in pf.iter_batches(batch_size=batch_rows):
        yield RawBatch(_lower(batch), line)
        line += batch.num_rows


def _csv_batches(path: Path, batch_rows: int) -> Iterator[RawBatch]:
    """Parse the file block by block (each block cut at a line end), so at most one block of raw
    text is in memory: Arrow's own streaming CSV reader reads far ahead of its consumer."""
    block = max(1 << 16, min(batch_rows * BYTES_PER_ROW, 1 << 28))
    stream = pa.input_stream(str(path), compression="detect")
    try:
        first = stream.read(block)
        while b"\n" not in first:
            more = stream.read(block)
            if not more:
                break
            first += more
        head, _, carry = first.partition(b"\n")
        if not head.strip():
            raise ValidationError(f"{path.name}: empty file (no header line)")
        names = [n.strip().lower() for n in next(csv.reader([head.decode("utf-8", errors="replace")]))]
        read = pacsv.ReadOptions(column_names=names, block_size=block + 1024)
        convert = pacsv.ConvertOptions(column_types={n: pa.binary() for n in names}, strings_can_be_null=False,
                                       quoted_strings_can_be_null=False)
        parse = pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False)
        line = 2
        eof = False
        pending: list[pa.Table] = []
        while not eof:
            data = stream.read(block)
            eof = not data
            buf = carry + data
            cut = len(buf) if eof else buf.rfind(b"\n") + 1
            if cut == 0:          # no line end yet: keep reading
                carry = buf
                continue
            chunk, carry = buf[:cut], buf[cut:]
            if not chunk.strip():
                continue
            try:
                table = pacsv.read_csv(pa.BufferReader(chunk), read_options=read, convert_options=convert,
                                       parse_options=parse)
            except pa.ArrowInvalid as exc:
                raise ValidationError(f"{path.name}: not a readable CSV file near line {line} ({exc})") from None
            del chunk
            pending.append(table)
            rows = sum(t.num_rows for t in pending)
            if rows >= batch_rows or eof:
                merged = pa.concat_tables(pending).combine_chunks()
                whole = rows if eof else rows // batch_rows * batch_rows
                for batch in merged.slice(0, whole).to_batches(max_chunksize=batch_rows):
                    yield RawBatch(batch, line)
                    line += batch.num_rows
                pending = [merged.slice(whole)] if whole < rows else []
                del merged
        for table in pending:             # the tail (only when the last block had no data rows)
            for batch in table.combine_chunks().to_batches(max_chunksize=batch_rows):
                yield RawBatch(batch, line)
                line += batch.num_rows
    finally:
        stream.close()


def read_json_records(path: Path) -> pd.DataFrame:
    """Rows of a JSON file: a Massive reference page (``{"results": [...]}``), a list of objects,
    or JSON lines."""
    with pa.input_stream(str(path), compression="detect") as stream:
        text = stream.read().decode("utf-8")
    text = text.strip()
    if not text:
        return pd.DataFrame()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        try:
            doc = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise ValidationError(f"{path.name}: not valid JSON (nor JSON lines): {exc}") from None
    if isinstance(doc, dict):
        if "results" in doc:
            doc = doc["results"]
            if isinstance(doc, dict):   # a ticker-detail page holds one object
                doc = [doc]
        else:
            doc = [doc]
    if not isinstance(doc, list):
        raise ValidationError(f"{path.name}: expected a list of records or a `results` list")
    return pd.DataFrame.from_records(doc)
