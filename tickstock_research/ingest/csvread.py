"""Streaming CSV (optionally compressed) into raw Arrow batches, with the exact line of every row.

The file is read block by block and each block is cut after the last line end that is *outside*
quotes (an even number of ``"`` before it), so a valid quoted field holding newlines is never
split, whatever the block size. Each cut chunk is parsed by Arrow's CSV parser (single-threaded:
only then does Arrow number the records it cannot parse); fields stay bytes, so a bad field keeps
its raw text for the quarantine. Records with the wrong number of fields (ragged or
whitespace-only lines) are not fatal: they come back beside the batch with their line and text.

The line of a row is the physical line of the file where the row starts (the header is line 1),
counted across quoted newlines and CRLF line ends. A UTF-8 byte-order mark before the header is
skipped; a header with a duplicated (or blank) column name is a defect of the file.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = p.write_bytes(b'a,b\\n1,"x\\ny"\\n2\\n3,z\\n')
>>> [(b.batch.num_rows, b.lines.tolist(), [i[:2] for i in b.invalid]) for b in csv_batches(p, 10)]
[(2, [2, 5], [(4, 'wrong_field_count')])]
"""
from __future__ import annotations

import csv
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import ValidationError

#: CSV bytes read per block; about ``batch_rows`` rows of a trades file.
BYTES_PER_ROW = 96
#: A header line longer than this (no line end found) is not a CSV header.
MAX_HEADER = 1 << 20
#: A record may span at most this many blocks (an unbalanced quote would otherwise swallow the file).
MAX_RECORD_BLOCKS = 4


@dataclass
class RawBatch:
    """Raw rows of one source: the Arrow batch, the 1-based line (or row) of each row, and the
    records that could not be split into the header's fields: ``(line, reason, raw JSON)``."""

    batch: pa.RecordBatch
    first_line: int
    lines: np.ndarray | None = None
    invalid: list = field(default_factory=list)

    def line_of(self, idx: np.ndarray) -> np.ndarray:
        if self.lines is not None:
            return self.lines[idx]
        return idx + self.first_line


def parse_header(head: bytes, name: str) -> list[str]:
    """Lower-cased column names of a header line (BOM and CR stripped); one-line errors."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    head = head.rstrip(b"\r\n")
    if not head.strip():
        raise ValidationError(f"{name}: empty file (no header line)")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{name}: not a CSV file (the header line is not UTF-8 text)") from None
    if "\x00" in text:
        raise ValidationError(f"{name}: not a CSV file (the header line holds NUL bytes)")
    names = [n.strip().lower() for n in next(csv.reader([text]))]
    seen: set[str] = set()
    for n in names:
        if not n:
            raise ValidationError(f"{name}: the header has a blank column name")
        if n in seen:
            raise ValidationError(f"{name}: the header names column {n!r} twice")
        seen.add(n)
    return names


def csv_header(path: Path) -> list[str]:
    """The header of a (compressed) CSV file, read without reading the rest."""
    with pa.input_stream(str(path), compression="detect") as stream:
        head, _ = _first_line(stream, path.name)
    return parse_header(head, path.name)


def _first_line(stream, name: str) -> tuple[bytes, bytes]:
    buf = b""
    while b"\n" not in buf:
        more = stream.read(1 << 16)
        if not more:
            break
        buf += more
        if len(buf) > MAX_HEADER and b"\n" not in buf:
            raise ValidationError(f"{name}: not a CSV file (no line end in the first {MAX_HEADER} bytes)")
    head, _, rest = buf.partition(b"\n")
    return head, rest


def _record_end(buf: bytes) -> int:
    """Offset just after the last line end outside quotes (0 if none). ``buf`` starts at a record."""
    pos = buf.rfind(b"\n")
    if pos < 0:
        return 0
    if buf.count(b'"', 0, pos) % 2 == 0:   # the usual case: one count over the block
        return pos + 1
    arr = np.frombuffer(buf, dtype=np.uint8)
    quotes = np.flatnonzero(arr == 34)
    ends = np.flatnonzero(arr == 10)
    even = np.searchsorted(quotes, ends) % 2 == 0
    return int(ends[even][-1]) + 1 if even.any() else 0


def _line_count(chunk: bytes) -> int:
    return chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)


def _parse(chunk: bytes, names: list[str], first_line: int, unclosed: bool = False
           ) -> tuple[pa.Table, np.ndarray, list]:
    """Parse one chunk of whole records: (table, line of each row, invalid records). ``unclosed``:
    the chunk ends the file inside a quoted field, so its last record is cut off."""
    # (record number, its text, its field count); the unclosed last record: (number, None, its fields as JSON)
    bad: list[tuple[int, str | None, int | str]] = []

    def invalid(row) -> str:
        bad.append((row.number, row.text, row.actual_columns))
        return "skip"

    read = pacsv.ReadOptions(column_names=names, block_size=len(chunk) + 1024, use_threads=False)
    parse = pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=invalid)
    convert = pacsv.ConvertOptions(column_types={n: pa.binary() for n in names}, strings_can_be_null=False,
                                   quoted_strings_can_be_null=False)
    table = pacsv.read_csv(pa.BufferReader(chunk), read_options=read, parse_options=parse,
                           convert_options=convert)
    records = table.num_rows + len(bad)
    if _line_count(chunk) == records:           # one line per record: nothing to count
        starts = first_line + np.arange(records, dtype=np.int64)
    else:                                       # quoted newlines: spans from the fields' own text
        spans = np.ones(records, dtype=np.int64)
        valid = np.ones(records, dtype=bool)
        for number, text, _ in bad:
            valid[number - 1] = False
            spans[number - 1] += text.count("\n") if text is not None else 0
        extra = np.zeros(table.num_rows, dtype=np.int64)
        for col in table.columns:
            extra += pc.count_substring(col, "\n").fill_null(0).to_numpy(zero_copy_only=False)
        spans[valid] += extra
        starts = first_line + np.concatenate([[0], np.cumsum(spans)[:-1]])
    if unclosed and records and (not bad or bad[-1][0] != records):
        last = table.num_rows - 1             # Arrow closed the quote at the end of the file
        text = json.dumps({k: v.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")
                           for k, v in table.slice(last).to_pylist()[0].items()})
        table = table.slice(0, last)
        bad.append((records, None, text))
    mask = np.ones(records, dtype=bool)
    out = []
    for number, text, fields in bad:
        mask[number - 1] = False
        if text is None:                      # the unclosed record: its fields as parsed
            out.append((int(starts[number - 1]), "unclosed_quote", fields))
            continue
        reason = "blank_line" if not text.strip() else "wrong_field_count"
        raw = json.dumps({"text": text.replace("\x00", "\\x00"), "fields": fields, "expected": len(names)})
        out.append((int(starts[number - 1]), reason, raw))
    return table, starts[mask], out


def csv_batches(path: Path, batch_rows: int) -> Iterator[RawBatch]:
    """The rows of a CSV file in batches of ``batch_rows`` (the last one shorter); at most a few
    blocks of raw text are in memory at once."""
    block = max(1 << 16, min(batch_rows * BYTES_PER_ROW, 1 << 28))
    with pa.input_stream(str(path), compression="detect") as stream:
        head, carry = _first_line(stream, path.name)
        names = parse_header(head, path.name)
        line = 2
        pending: list[tuple[pa.Table, np.ndarray]] = []
        invalid: list = []
        eof = False
        while not eof:
            data = stream.read(block)
            eof = not data
            buf = carry + data
            cut = len(buf) if eof else _record_end(buf)
            if cut == 0:
                carry = buf
                if len(carry) > MAX_RECORD_BLOCKS * block:
                    raise ValidationError(f"{path.name}: a quoted field opened near line {line} never closes "
                                          f"(unbalanced quote)")
                continue
            chunk, carry = buf[:cut], buf[cut:]
            del buf
            if not chunk:
                continue
            try:
                table, lines, bad = _parse(chunk, names, line, unclosed=eof and chunk.count(b'"') % 2 == 1)
            except pa.ArrowInvalid as exc:
                first = (str(exc).strip().splitlines() or ["parse error"])[0]
                raise ValidationError(f"{path.name}: not a readable CSV file near line {line} ({first})") from None
            line += _line_count(chunk)
            del chunk
            invalid.extend(bad)
            if table.num_rows:
                pending.append((table, lines))
            rows = sum(t.num_rows for t, _ in pending)
            if pending and (rows >= batch_rows or eof):
                merged = pa.concat_tables([t for t, _ in pending]).combine_chunks()
                all_lines = np.concatenate([ls for _, ls in pending])
                whole = rows if eof else rows // batch_rows * batch_rows
                for start in range(0, whole, batch_rows):
                    size = min(batch_rows, whole - start)
                    batch = _one_batch(merged.slice(start, size), names)
                    yield RawBatch(batch, int(all_lines[start]), all_lines[start:start + size], invalid)
                    invalid = []
                pending = [(merged.slice(whole), all_lines[whole:])] if whole < rows else []
        if pending or invalid:
            tables = [t for t, _ in pending]
            merged = pa.concat_tables(tables).combine_chunks() if tables else _empty(names)
            all_lines = np.concatenate([ls for _, ls in pending]) if pending else np.zeros(0, np.int64)
            yield RawBatch(_one_batch(merged, names), int(all_lines[0]) if len(all_lines) else line,
                           all_lines, invalid)


def _empty(names: list[str]) -> pa.Table:
    return pa.table({n: pa.array([], pa.binary()) for n in names})


def _one_batch(table: pa.Table, names: list[str]) -> pa.RecordBatch:
    batches = table.combine_chunks().to_batches()
    if not batches:
        return pa.RecordBatch.from_arrays([pa.array([], pa.binary()) for _ in names], names=names)
    return batches[0]


def csv_frame(path: Path, kind: str) -> pd.DataFrame:
    """The rows of a CSV file as text (blank fields missing) with their exact lines; records that
    do not split into the header's fields are kept in ``frame.attrs["invalid"]``."""
    parts, invalid = [], []
    try:
        for rb in csv_batches(path, 100_000):
            cols = {}
            for col_name, col in zip(rb.batch.schema.names, rb.batch.columns):
                try:
                    text = col.cast(pa.string())
                except pa.ArrowInvalid:
                    raise ValidationError(f"{path.name}: cannot read CSV of {kind}: a field of column "
                                          f"{col_name} is not UTF-8 text") from None
                cols[col_name] = pd.Series(text.to_pylist(), dtype=object)
            part = pd.DataFrame(cols)
            part = part.where(part.map(lambda x: isinstance(x, str) and x != ""), None)
            part["_line"] = rb.line_of(np.arange(rb.batch.num_rows))
            parts.append(part)
            invalid.extend(rb.invalid)
    except (OSError, EOFError, zlib.error, pa.ArrowInvalid) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValidationError(f"{path.name}: cannot read CSV of {kind}: {first}") from None
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {n: [] for n in csv_header(path)} | {"_line": []})
    frame.attrs["invalid"] = invalid
    return frame
