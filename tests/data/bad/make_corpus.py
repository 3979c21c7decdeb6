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
    massive = [b"ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,"
               b"sip_timestamp,size,tape,trade_id_unused,trf_timestamp\n"]
    for i in range(20):
        line = b'GOOD,"12,37",0,4,m%d,,10.5,%d,%d,100,1,,\n' % (i, i, 1_704_208_500_000_000_000 + i * 10**9)
        massive.append(b"GOOD,,0,4,m%d,\n" % i if i == 17 else line)      # line 19: 6 of 13 fields
    write("ticks_massive_ragged.csv.gz", gzip.compress(b"".join(massive), mtime=0))
    write("ticks_nul_bytes.csv", b"symbol,timestamp,price,volume,trade_id\n"
                                 b"GO\x00OD,2024-01-02T15:10:00Z,10.5,100,n1\n"
                                 b"GOOD,2024-01-02T15:10:01Z,10.5,100,a\x00b\n"
                                 b"GOOD,2024-01-02T15:10:02Z,10\x00.5,100,n3\n"
                                 b"GOOD,2024-01-02T15:10:03Z,10.5,100,n4\n")
    write("ticks_garbage.csv.gz", gzip.compress(b"garbage\n", mtime=0))
    write("ticks_bom_crlf.csv", b"\xef\xbb\xbfsymbol,timestamp,price,volume\r\n"
                                b"GOOD,2024-01-02T15:11:00Z,10.5,100\r\nGOOD,2024-01-02T15:11:01Z,10.5,100\r\n")
    write("ticks_not_csv.csv", bytes(range(256)) * 8)
    write("ticks_quoted_newlines.csv", b"symbol,timestamp,price,volume,trade_id\n"
                                       b'GOOD,2024-01-02T15:12:00Z,10.5,100,"a\nb"\n'
                                       b'GOOD,2024-01-02T15:12:01Z,-1,100,"c"\n'
                                       b'GOOD,2024-01-02T15:12:02Z,10.5,100,"d\r\n\ne"\n'
                                       b'GOOD,2024-01-02T15:12:03Z,0,100,"f"\n')
    pq.write_table(pa.table({"symbol": ["GOOD"] * 3, "timestamp": pa.array([1_704_208_800_000_000_000 + i for i in
                                                                           range(3)], pa.timestamp("ns", "UTC")),
                             "price": [10.5] * 3, "volume": pa.array([2**64 - 1, 2**63, 100], pa.uint64())}),
                   dest / "ticks_uint64_volume.parquet")
    out.append(dest / "ticks_uint64_volume.parquet")
    pq.write_table(pa.table({"symbol": ["GOOD"], "timestamp": pa.array([1_704_208_800_000_000], pa.timestamp("us")),
                             "price": [10.5], "volume": [100]}), dest / "ticks_naive.parquet")
    out.append(dest / "ticks_naive.parquet")
    for k, name in enumerate(NASTY_NAMES):
        write(name, HEADER + b"GOOD,2024-01-02T15:04:%02dZ,10.5,100\nGOOD,2024-01-02T15:04:%02dZ,-2,100\n" % (k, 30 + k))
    return out


if __name__ == "__main__":
    for path in build(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(path)
