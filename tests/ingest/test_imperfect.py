"""Issue 16: imperfect vendor files. Exact stored values (read back as text from the server) and
exact quarantine lines, for the cases the bad-input corpus only counts."""
from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tickstock_research.errors import TickstockError
from tickstock_research.ingest import load_bars, load_ticks

from .conftest import fetch, scalar

HEADER = "symbol,timestamp,price,volume,trade_id\n"


def quarantined(db) -> list[tuple[int, str]]:
    return [tuple(r) for r in fetch(db, "select line, reason from quarantine order by line").values.tolist()]


def test_volumes_are_exact_int64_from_text_frames_and_parquet(db, tmp_path):
    csv = tmp_path / "v.csv"
    csv.write_text(HEADER + "A,2024-01-02T15:00:00Z,1,9223372036854775807,a\n"
                            "A,2024-01-02T15:00:01Z,1,9007199254740993,b\n"
                            "A,2024-01-02T15:00:02Z,1,9223372036854775808,c\n")
    load_ticks(csv, engine_or_url=db, progress=False)
    frame = pd.DataFrame({"symbol": ["A"], "timestamp": [1_704_207_603_000_000_000], "price": [1.0],
                          "volume": [2**53 + 1], "trade_id": ["d"]})
    load_ticks(frame, engine_or_url=db, progress=False)
    got = fetch(db, "select trade_id, volume::text as v from ticks order by trade_id")
    assert got.values.tolist() == [["a", "9223372036854775807"], ["b", "9007199254740993"],
                                   ["d", "9007199254740993"]]
    assert quarantined(db) == [(4, "volume_out_of_range")]


def test_prices_are_stored_exactly_as_written_or_quarantined(db, tmp_path):
    csv = tmp_path / "p.csv"
    written = ["185.64", "1.08345", "0.00001234", "123456789012.345", "1e30", "1e16", "1e-13",
               "10.12345678901234567", "0.1000000000000000055511151231257827"]
    csv.write_text(HEADER + "".join(f"A,2024-01-02T15:00:{i:02d}Z,{p},1,t{i}\n" for i, p in enumerate(written)))
    report = load_ticks(csv, engine_or_url=db, progress=False)
    got = fetch(db, "select price::text as p from ticks order by trade_id")["p"].tolist()
    assert got == ["185.64", "1.08345", "0.00001234", "123456789012.345"]
    assert report.rejected == {"price_out_of_range": 5}
    assert quarantined(db) == [(line, "price_out_of_range") for line in range(6, 11)]


def test_quoted_newlines_across_block_boundaries_keep_exact_lines(db, tmp_path):
    """A 0.5 MB file read in 64 KiB blocks (batch_rows=100) where most line ends are inside quoted
    fields: some block ends inside a quoted field for sure (checked below), and one bad row near
    the end is reported at its exact physical line."""
    rows, line, bad_line, multi = [], 2, None, 0
    for i in range(12_000):
        tid = f'"id{i}{"p" * (i % 17)}\nsecond\nthird\nfourth"' if i % 3 == 0 else f"id{i}"
        price = "-1" if i == 11_900 else "10.5"
        if i == 11_900:
            bad_line = line
        rows.append(f"A,{1_704_207_600_000_000_000 + i * 10**9},{price},1,{tid}\n")
        line += 4 if i % 3 == 0 else 1
        multi += i % 3 == 0
    data = (HEADER + "".join(rows)).encode()
    inside = [k for k in range(1 << 16, len(data), 1 << 16)
              if data.count(b'"', 0, data.rfind(b"\n", 0, k)) % 2 == 1]
    assert len(data) > 7 * (1 << 16) and len(inside) >= 2    # a naive cut would split a field
    path = tmp_path / "q.csv.gz"
    path.write_bytes(gzip.compress(data, mtime=0))
    report = load_ticks(path, engine_or_url=db, batch_rows=100, progress=False)
    assert (report.inserted, report.rejected) == (11_999, {"non_positive_price": 1})
    assert quarantined(db) == [(bad_line, "non_positive_price")]
    ids = fetch(db, "select trade_id from ticks where trade_id like '%%fourth'")["trade_id"]
    assert len(ids) == multi and ids.str.count("\n").eq(3).all()


def test_naive_timestamps_need_a_zone(db, tmp_path):
    csv = tmp_path / "n.csv"
    csv.write_text(HEADER + "A,2026-12-01 09:40:00,1,1,a\n")
    frame = pd.DataFrame({"symbol": ["A"], "timestamp": [pd.Timestamp("2026-12-01 09:41:00")], "price": [1.0],
                          "volume": [1], "trade_id": ["b"]})
    report = load_ticks(csv, engine_or_url=db, progress=False)
    assert report.rejected == {"timestamp_without_zone": 1}
    with pytest.raises(TickstockError, match="DataFrame: .*timestamp_without_zone"):
        load_ticks(frame, engine_or_url=db, progress=False)
    load_ticks(csv, engine_or_url=db, progress=False, tz="America/New_York")
    load_ticks(frame, engine_or_url=db, progress=False, tz="America/New_York")
    got = fetch(db, "select trade_id, to_char(\"timestamp\" at time zone 'UTC', 'HH24:MI') as t from ticks "
                    "order by trade_id")
    assert got.values.tolist() == [["a", "14:40"], ["b", "14:41"]]


def test_naive_parquet_column_is_refused_with_the_reason(db, tmp_path):
    path = tmp_path / "naive.parquet"
    pq.write_table(pa.table({"symbol": ["A"], "timestamp": pa.array([0], pa.timestamp("us")),
                             "price": [1.0], "volume": [1]}), path)
    with pytest.raises(TickstockError, match="naive.parquet: .*timestamp_without_zone"):
        load_ticks(path, engine_or_url=db, progress=False)
    assert scalar(db, "select count(*) from ticks") == 0


def test_massive_folders_choose_the_timeframe(db, tmp_path):
    day = tmp_path / "us_stocks_sip" / "day_aggs_v1" / "2024" / "01"
    day.mkdir(parents=True)
    bars = ("ticker,volume,open,close,high,low,window_start,transactions\n"
            "A,100,10,10.5,11,9,1704171600000000000,5\n")           # 2024-01-02 00:00 New York
    (day / "2024-01-02.csv").write_text(bars)
    report = load_bars(day / "2024-01-02.csv", engine_or_url=db, progress=False)
    assert report.target == "ohlcv_daily" and report.inserted == 1
    assert scalar(db, "select date::text from ohlcv_daily") == "2024-01-02"
    assert scalar(db, "select count(*) from ohlcv_1min") == 0
    with pytest.raises(TickstockError, match="2024-01-02.csv: timeframe 1min contradicts .*day_aggs_v1"):
        load_bars(day / "2024-01-02.csv", engine_or_url=db, timeframe="1min", progress=False)
    trades = tmp_path / "trades_v1"
    trades.mkdir()
    (trades / "t.csv").write_text(bars)
    with pytest.raises(TickstockError, match="t.csv: a Massive trades_v1 file holds trades"):
        load_bars(trades / "t.csv", engine_or_url=db, progress=False)


def test_parquet_uint64_and_dataframe_uint64_volumes(db):
    frame = pd.DataFrame({"symbol": ["A", "A"], "timestamp": [1_704_207_600_000_000_000 + i for i in range(2)],
                          "price": [1.0, 1.0], "volume": np.array([2**64 - 1, 7], dtype=np.uint64)})
    report = load_ticks(frame, engine_or_url=db, progress=False)
    assert (report.inserted, report.rejected) == (1, {"volume_out_of_range": 1})
    assert scalar(db, "select volume from ticks") == 7


def test_daily_bars_fall_on_a_session_of_their_symbols_calendar(db):
    from tickstock_research.ingest import load_symbols

    load_symbols(pd.DataFrame({"symbol": ["XBTUSD", "AAPL"], "market": ["crypto", "stocks"]}), engine_or_url=db)
    bars = pd.DataFrame({"symbol": ["XBTUSD", "AAPL", "AAPL", "NEWCO"],
                         "date": ["2024-11-23", "2024-11-23", "2024-11-28", "2024-11-29"],   # Sat, Sat, Thanksgiving, Fri
                         "open": 10.0, "high": 11.0, "low": 9.0, "close": 10.0, "volume": 100})
    report = load_bars(bars, engine_or_url=db, timeframe="1d", progress=False)
    assert (report.inserted, report.rejected) == (2, {"not_a_session": 2})
    assert fetch(db, "select symbol, date::text as d from ohlcv_daily order by symbol").values.tolist() == \
        [["NEWCO", "2024-11-29"], ["XBTUSD", "2024-11-23"]]
    assert quarantined(db) == [(2, "not_a_session"), (3, "not_a_session")]
    # one calendar for all when named
    report = load_bars(bars.iloc[:1].assign(symbol="AAPL2"), engine_or_url=db, timeframe="1d", calendar="24/7", progress=False)
    assert report.inserted == 1
