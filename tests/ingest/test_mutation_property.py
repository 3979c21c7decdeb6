"""Property (issue 16): one field of one row of a valid file mutated into arbitrary bytes. The
other rows load unchanged; the mutated row is stored exactly as written or quarantined (at its
line, with a reason), never stored changed. Expected values come from Python's own parsers
(Decimal, int, pandas.Timestamp), not from the kit."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tickstock_research.ingest import load_ticks

from .conftest import fetch, wipe

COLUMNS = ["symbol", "timestamp", "price", "volume", "trade_id", "exchange"]
BASE = [[b"AAA", b"2024-01-02T15:00:0%dZ" % i, b"10.25", b"%d" % (100 + i), b"t%d" % i, b"4"] for i in range(5)]


def field_bytes(value: bytes) -> bytes:
    """A CSV field holding ``value`` exactly (quoted when it must be)."""
    if any(c in value for c in (b",", b'"', b"\n", b"\r")) or value != value.strip() or not value:
        return b'"' + value.replace(b'"', b'""') + b'"'
    return value


def expected(column: str, raw: bytes, row: list[bytes]):
    """What the database must hold for a field written as ``raw`` (in ``row``), or None if no
    exact reading exists (then the row must be quarantined)."""
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    if not text:    # optional fields have their documented defaults; required ones are missing
        if column == "exchange":
            return 0
        if column == "trade_id":     # the derived identity of docs/ingest.md
            return f"~{int(row[3])}@{Decimal(row[2].decode()).normalize():f}#0"
        return None
    try:
        if column == "symbol":
            return text if len(text) <= 20 else None
        if column == "trade_id":
            return text if len(text) <= 64 else None
        if column == "price":
            d = Decimal(text)
            return d if d.is_finite() and d > 0 else None
        if column in ("volume", "exchange"):
            d = Decimal(text)
            return int(d) if d.is_finite() and d == d.to_integral_value() else None
        if column == "timestamp":
            if text.lstrip("-").isdigit():
                return pd.Timestamp(int(text), unit="ns", tz="UTC").floor("us")
            ts = pd.Timestamp(text)
            return ts.tz_convert("UTC").floor("us") if ts.tzinfo is not None else None
    except (InvalidOperation, ValueError, OverflowError, TypeError):
        return None
    return None


def stored_value(column: str, value):
    if column == "timestamp":
        return pd.Timestamp(value).tz_convert("UTC")
    if column == "price":
        return Decimal(value)
    return value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=st.integers(0, 4), column=st.sampled_from(COLUMNS),
       value=st.one_of(st.binary(max_size=24), st.text(max_size=24).map(lambda s: s.encode("utf-8")),
                       st.sampled_from([b"1e30", b"1e-13", b"9223372036854775808", b"notatime", b"  7 ", b"-0",
                                        b"2024-01-02 15:00:00", b"1704207600", b"0x10", b"1_000", b"\x00",
                                        b"10.123456789012345678", b"NaN", b"2024-01-02T15:00:00+05:00"])))
def test_one_mutated_field_is_stored_as_written_or_quarantined(database_url, tmp_path, row, column, value):
    wipe(database_url)
    rows = [list(r) for r in BASE]
    rows[row][COLUMNS.index(column)] = value
    path = tmp_path / "mutated.csv"
    path.write_bytes(b",".join(c.encode() for c in COLUMNS) + b"\n"
                     + b"".join(b",".join(field_bytes(f) for f in r) + b"\n" for r in rows))
    report = load_ticks(path, engine_or_url=database_url, progress=False)
    got = fetch(database_url, 'select symbol, "timestamp", price::text as price, volume, trade_id, exchange '
                              "from ticks order by trade_id")
    quarantine = fetch(database_url, "select line, reason from quarantine")
    others = [r for i, r in enumerate(rows) if i != row]
    if quarantine.empty:           # stored: exactly as written
        assert len(got) == 5 and report.inserted == 5, report
        for column_name in COLUMNS:
            want = [expected(column_name, r[COLUMNS.index(column_name)], r) for r in rows]
            assert None not in want, (column_name, want)
            have = sorted(stored_value(column_name, v) for v in got[column_name])
            assert have == sorted(want), (column_name, have, want)
    else:                          # quarantined: at its own line, and only it
        assert quarantine["line"].tolist() == [row + 2], quarantine
        assert len(got) == 4 and report.inserted == 4, report
        for r in others:
            assert r[4].decode() in set(got["trade_id"]) or column == "trade_id"
        assert sorted(got["volume"]) == sorted(int(r[3]) for r in others) or column == "volume"
