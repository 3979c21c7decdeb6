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

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence, Union

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ValidationError
from .csvread import RawBatch, csv_batches, csv_header

SourceLike = Union[pd.DataFrame, str, os.PathLike, Sequence[Union[str, os.PathLike, pd.DataFrame]]]

@dataclass
class Source:
    """One input: a file path or a DataFrame."""

    name: str
    kind: str                      # dataframe | csv | parquet | json
    path: Path | None = None
    frame: pd.DataFrame | None = None
    _key: str | None = None

    @property
    def file(self) -> Path:
        """The input's path (a file source)."""
        if self.path is None:
            raise TypeError(f"{self.name} is a DataFrame, not a file")
        return self.path

    @property
    def data(self) -> pd.DataFrame:
        """The input's frame (a DataFrame source)."""
        if self.frame is None:
            raise TypeError(f"{self.name} is a file, not a DataFrame")
        return self.frame

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
                h.update(",".join(map(str, self.data.columns)).encode())
                h.update(pd.util.hash_pandas_object(self.data, index=False).to_numpy().tobytes())
            self._key = h.hexdigest()
        return self._key

    def row_count(self) -> int | None:
        """Rows in the input when cheap to know (DataFrame, Parquet metadata), else None."""
        if self.frame is not None:
            return len(self.frame)
        if self.kind == "parquet":
            return pq.ParquetFile(self.path).metadata.num_rows
        return None

    def columns(self) -> list[str]:
        """The input's column names (lower-cased), read without reading its rows."""
        if self.kind == "dataframe":
            frame = self.data
            names = [str(n) for n in frame.columns]
            if not isinstance(frame.index, pd.RangeIndex):
                names += [str(n) for n in frame.index.names if n is not None]
                if isinstance(frame.index, pd.DatetimeIndex) and frame.index.name is None:
                    names.append("timestamp")
        elif self.kind == "parquet":
            names = list(pq.ParquetFile(self.file).schema_arrow.names)
        elif self.kind == "csv":
            return csv_header(self.file)
        else:
            names = [str(n) for n in read_json_records(self.file).columns]
        names = [n.strip().lower() for n in names]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValidationError(f"{self.name}: column {dup[0]!r} appears twice")
        return names

    def batches(self, batch_rows: int) -> Iterator[RawBatch]:
        if self.kind == "dataframe":
            yield from _frame_batches(self.data, batch_rows)
        elif self.kind == "parquet":
            yield from _parquet_batches(self.file, batch_rows)
        elif self.kind == "csv":
            yield from csv_batches(self.file, batch_rows)
        elif self.kind == "json":
            yield from _frame_batches(read_json_records(self.file), batch_rows)
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
    if isinstance(source, Source):
        return [source]
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


#: Keys of a Massive REST response envelope: such an object without ``results`` holds no rows.
_ENVELOPE = {"status", "request_id", "next_url", "count"}


def read_json_records(path: Path, *, what: str = "records") -> pd.DataFrame:
    """Rows of a JSON file: a Massive reference page (``{"results": [...]}``), a list of objects,
    or JSON lines. A response envelope without ``results`` is an error, not a row."""
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
        elif _ENVELOPE & set(doc):
            raise ValidationError(f"{path.name}: expected a JSON object with a 'results' list of {what}; "
                                  f"got one with keys {', '.join(sorted(doc))}")
        else:
            doc = [doc]
    if not isinstance(doc, list):
        raise ValidationError(f"{path.name}: expected a list of records or a `results` list")
    return pd.DataFrame.from_records(doc)
