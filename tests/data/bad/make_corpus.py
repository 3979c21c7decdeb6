"""Write the generated (binary or awkwardly named) bad-input files next to the hand-written ones.

The hand-written cases are committed as they are; this script adds the ones that are easier to
make than to keep in git: a truncated gzip, invalid UTF-8 bytes, Parquet files with a wrong
schema, and files whose *names* hold SQL meta-characters and quotes. ``expected.csv`` lists them
all. Deterministic: the same bytes every run.

    python tests/data/bad/make_corpus.py DEST_DIR
"""
from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HEADER = b"symbol,timestamp,price,volume\n"
#: files whose names are part of the test (quotes, semicolons, shell and SQL meta-characters)
NASTY_NAMES = ["ticks'; DROP TABLE ticks;--.csv", '"q" ticks.csv', "ticks;$(touch pwned)`id`.csv"]


def build(dest: Path) -> list[Path]:
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []

    def write(name: str, data: bytes) -> None:
        (dest / name).write_bytes(data)
        out.append(dest / name)

    rows = HEADER + b"".join(b"GOOD,2024-01-02T15:01:%02dZ,10.5,%d\n" % (i, 100 + i) for i in range(40))
    whole = gzip.compress(rows, mtime=0)
    write("ticks_truncated.csv.gz", whole[: len(whole) // 2])
    bars = b"symbol,timestamp,open,high,low,close,volume\n" + b"".join(
        b"GOOD,2024-01-02T16:%02d:00Z,10,11,9,10,100\n" % i for i in range(40))
    whole = gzip.compress(bars, mtime=0)
    write("bars_truncated.csv.gz", whole[: len(whole) - 12])
    write("ticks_non_utf8.csv", HEADER + b"BAD\xff\xfe,2024-01-02T15:02:00Z,10.5,100\n"
                                         b"GOOD,2024-01-02T15:02:01Z,10.5,100\n")
    write("splits_non_utf8.csv", b"ticker,execution_date,split_from,split_to\n"
                                 b"G\xe9\xff,2024-06-10,1,2\nGOOD,2024-06-13,1,2\n")
    pq.write_table(pa.table({"a": [1, 2], "b": ["x", "y"]}), dest / "ticks_wrong_schema.parquet")
    out.append(dest / "ticks_wrong_schema.parquet")
    pq.write_table(pa.table({"symbol": ["GOOD", "GOOD"],
                             "timestamp": ["2024-01-02T15:03:00Z", "2024-01-02T15:03:01Z"],
                             "price": ["abc", "10.5"], "volume": [True, False]}),
                   dest / "ticks_wrong_types.parquet")
    out.append(dest / "ticks_wrong_types.parquet")
    for k, name in enumerate(NASTY_NAMES):
        write(name, HEADER + b"GOOD,2024-01-02T15:04:%02dZ,10.5,100\nGOOD,2024-01-02T15:04:%02dZ,-2,100\n" % (k, 30 + k))
    return out


if __name__ == "__main__":
    for path in build(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(path)
