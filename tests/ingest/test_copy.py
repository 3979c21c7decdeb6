"""The numpy binary COPY encoder against the server's own parsing (and Python's float repr)."""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pyarrow as pa

from tickstock_research.db.engine import get_engine, raw_connection
from tickstock_research.ingest.copy import Column, copy_binary, decimal_digits, encode_rows

PRICES = [0.1, 185.64, 1.08345, 0.00001234, 42000.12345678, 100.0, 1e-8, 0.0, -5.25, 3.0, 9999.9999,
          123456789.5, 0.3333333333, 7e-12, 1234567.891]


def test_decimal_digits_match_python_repr():
    mant, scale = decimal_digits(np.array(PRICES))
    for p, m, k in zip(PRICES, mant, scale):
        assert Decimal(int(m)).scaleb(-int(k)) == abs(Decimal(repr(p))), p


def test_round_trip_through_the_server(db):
    n = len(PRICES)
    conn = raw_connection(get_engine(db))
    try:
        cur = conn.cursor()
        cur.execute("create temp table enc (ts timestamptz, d date, p numeric, s text, c smallint[], i int8, j int4)")
        null = np.zeros(n, bool)
        null[3] = True
        cols = [Column("timestamptz", 1_704_205_800_000_000 + np.arange(n)),   # µs since 1970
                Column("date", 19_724 + np.arange(n, dtype=np.int32)),           # days since 1970
                Column("numeric", np.array(PRICES)),
                Column("text", pa.array(["AAPL", "é", None, ""] + ["X"] * (n - 4))),
                Column("int2[]", pa.array([[12, 37], [], None] + [[n]] * (n - 3), pa.list_(pa.int16()))),
                Column("int8", np.arange(n) * 10**12, null),
                Column("int4", -np.arange(n))]
        assert copy_binary(cur, "copy enc from stdin (format binary)", encode_rows(cols, n)) == n
        cur.execute("select ts::text, d::text, p::text, s, c, i, j from enc")
        rows = cur.fetchall()
    finally:
        conn.rollback()
        conn.close()
    assert rows[0][0] == "2024-01-02 14:30:00+00" and rows[1][0] == "2024-01-02 14:30:00.000001+00"
    assert rows[0][1] == "2024-01-02"
    assert [Decimal(r[2]) for r in rows] == [Decimal(repr(p)) for p in PRICES]
    assert [r[3] for r in rows[:5]] == ["AAPL", "é", None, "", "X"]
    assert [r[4] for r in rows[:4]] == [[12, 37], [], None, [n]]
    assert [r[5] for r in rows[:5]] == [0, 10**12, 2 * 10**12, None, 4 * 10**12]
    assert [r[6] for r in rows[:3]] == [0, -1, -2]
