"""Tick reads: exact values, dtypes, ordering, chunks, ranges and errors."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tickstock_research.errors import InvalidRangeError, UnknownSymbolError

from .conftest import TICK_SYMBOLS

COLS = ["symbol", "price", "volume", "exchange", "trade_id", "sequence_number", "conditions", "correction"]
START, END = "2024-03-08 12:00", "2024-03-09 03:00"


def _expected(ticks_data: pd.DataFrame, symbols, start=START, end=END) -> pd.DataFrame:
    lo, hi = pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC")
    want = ticks_data[ticks_data.symbol.isin(symbols) & (ticks_data.timestamp >= lo) & (ticks_data.timestamp < hi)]
    return want.sort_values(["symbol", "timestamp", "exchange", "trade_id"]).reset_index(drop=True)


def _check_equal(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert len(got) == len(want)
    assert list(got.columns) == COLS
    assert (got.index == pd.DatetimeIndex(want["timestamp"])).all()
    assert got["symbol"].tolist() == want["symbol"].tolist()
    assert (got["price"].to_numpy() == want["price"].to_numpy()).all()
    for col in ("volume", "exchange", "correction"):
        assert (got[col].to_numpy() == want[col].to_numpy()).all(), col
    assert got["trade_id"].tolist() == want["trade_id"].tolist()
    assert got["sequence_number"].isna().tolist() == want["sequence_number"].isna().tolist()
    assert (got["sequence_number"].dropna().to_numpy() == want["sequence_number"].dropna().to_numpy()).all()
    got_conds = [None if c is None or c is pd.NA else [int(x) for x in c] for c in got["conditions"]]
    assert got_conds == list(want["conditions"])


def test_ticks_exact(loader, ticks_data):
    got = loader.ticks(TICK_SYMBOLS, START, END)
    _check_equal(got, _expected(ticks_data, TICK_SYMBOLS))


def test_one_symbol_and_dtypes(loader, ticks_data):
    got = loader.ticks("T2", START, END)  # one symbol: read in time slices on parallel connections
    _check_equal(got, _expected(ticks_data, ["T2"]))
    assert got.index.name == "timestamp" and str(got.index.dtype) == "datetime64[us, UTC]"
    assert got.dtypes.to_dict() == {
        "symbol": pd.StringDtype(na_value=float("nan")), "price": "float64", "volume": "int64", "exchange": "int16",
        "trade_id": pd.StringDtype(na_value=float("nan")), "sequence_number": pd.Int64Dtype(),
        "conditions": got["conditions"].dtype, "correction": "int16"}
    assert str(got["conditions"].dtype) == "list<item: int16>[pyarrow]"


def test_zones_and_bare_dates(loader, ticks_data):
    ny = pd.Timestamp("2024-03-08 10:00", tz="America/New_York")
    got = loader.ticks("T1", ny, dt.datetime(2024, 3, 8, 18, 0))  # naive = UTC
    _check_equal(got, _expected(ticks_data, ["T1"], "2024-03-08 15:00", "2024-03-08 18:00"))
    whole_day = loader.ticks("T1", "2024-03-08", dt.date(2024, 3, 8))  # New York session date, whole day
    _check_equal(whole_day, _expected(ticks_data, ["T1"], "2024-03-08 05:00", "2024-03-09 05:00"))


def test_iter_ticks_chunks(loader, ticks_data):
    chunks = list(loader.iter_ticks(TICK_SYMBOLS, START, END, chunk_rows=1000))
    assert all(len(c) <= 1000 for c in chunks) and len(chunks) >= 9
    _check_equal(pd.concat(chunks), _expected(ticks_data, TICK_SYMBOLS))
    assert [len(c) for c in chunks[:-1]] == [1000] * (len(chunks) - 1)


def test_by_symbol(loader, ticks_data):
    frames = loader.ticks(["T3", "T1"], START, END, by_symbol=True)
    assert sorted(frames) == ["T1", "T3"]
    _check_equal(frames["T3"], _expected(ticks_data, ["T3"]))


def test_empty_range(loader):
    full = loader.ticks("T1", START, END)
    for a, b in [("2025-01-01", "2025-01-02"), ("2024-03-08 13:00", "2024-03-08 13:00")]:
        empty = loader.ticks(["T1", "T2"], a, b)
        assert empty.empty and list(empty.columns) == COLS
        pd.testing.assert_series_equal(empty.dtypes, full.dtypes)
        assert empty.index.dtype == full.index.dtype and empty.index.name == "timestamp"
    assert list(loader.iter_ticks("T1", "2025-01-01", "2025-01-02")) == []


def test_errors(loader):
    with pytest.raises(UnknownSymbolError) as info:
        loader.ticks(["T1", "NOPE", "ZZZ"], START, END)
    assert info.value.symbols == ["NOPE", "ZZZ"] and "NOPE, ZZZ" in str(info.value)
    with pytest.raises(InvalidRangeError):
        loader.ticks("T1", "2024-03-09", "2024-03-08")
    with pytest.raises(InvalidRangeError):
        loader.bars("T1", "5min", "2024-03-09 10:00", "2024-03-09 09:00")
    with pytest.raises(InvalidRangeError):
        loader.ticks("T1", "not a time", END)


def test_a_callers_engine_in_another_time_zone_reads_the_same_ticks(loader, ticks_data):
    """An Engine the caller made, whose sessions default to New York time and German dates, is
    switched to UTC by the kit: the fast reader parses the server's timestamps as UTC."""
    import sqlalchemy as sa

    from tickstock_research.load import HistoricalLoader

    url = loader.engine.url.render_as_string(hide_password=False)
    theirs = sa.create_engine(url, connect_args={"options": "-c timezone=America/New_York -c DateStyle=German"})
    try:
        got = HistoricalLoader(engine_or_url=theirs).ticks(TICK_SYMBOLS, START, END)
        _check_equal(got, _expected(ticks_data, TICK_SYMBOLS))
        with theirs.connect() as conn:
            assert conn.execute(sa.text("select current_setting('timezone')")).scalar() == "UTC"
    finally:
        theirs.dispose()
