"""Each input format loads the values of its hand-written golden file."""
from __future__ import annotations

import gzip
import shutil
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tickstock_research.errors import UnknownTimeframeError, ValidationError
from tickstock_research.ingest import LoadReport, load_bars, load_symbols, load_ticks

from .conftest import DATA, fetch, scalar

TICK_SQL = ('select symbol, "timestamp", price::text as price, volume, exchange, trade_id, sequence_number, '
            'conditions, correction, tape, participant_timestamp from ticks order by symbol, "timestamp", trade_id')


def _conds(text):
    if not isinstance(text, str) or not text:
        return None
    return [int(x) for x in text.strip("{}").split(",")]


def _expected_ticks(name: str) -> pd.DataFrame:
    exp = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
    return exp.sort_values(["symbol", "timestamp", "trade_id"]).reset_index(drop=True)


def _assert_ticks(url: str, expected: pd.DataFrame) -> None:
    got = fetch(url, TICK_SQL)
    assert len(got) == len(expected)
    for (_, g), (_, e) in zip(got.iterrows(), expected.iterrows()):
        assert g["symbol"] == e["symbol"]
        assert g["timestamp"] == pd.Timestamp(e["timestamp"])
        assert Decimal(g["price"]) == Decimal(e["price"]), (g["price"], e["price"])
        assert g["volume"] == int(e["volume"])
        assert g["exchange"] == int(e["exchange"])
        assert g["trade_id"] == e["trade_id"]
        for col in ("sequence_number", "tape"):
            if col in e and e[col] != "":
                assert g[col] == int(e[col])
            else:
                assert pd.isna(g[col])
        if "conditions" in e:
            assert g["conditions"] == _conds(e["conditions"])
            assert g["correction"] == int(e["correction"])
        if e.get("participant_timestamp", ""):
            assert g["participant_timestamp"] == pd.Timestamp(e["participant_timestamp"])
        else:
            assert pd.isna(g["participant_timestamp"])


def test_massive_trades_flat_file(db):
    report = load_ticks(DATA / "massive_trades_2024-01-02.csv.gz", engine_or_url=db)
    assert isinstance(report, LoadReport)
    assert (report.rows_read, report.inserted, report.already_present, report.rejected) == (6, 6, 0, {})
    expected = _expected_ticks("expected_massive_trades.csv")
    _assert_ticks(db, expected)
    # the two trades at the same nanosecond (ids 3 and 4) are both there
    same = fetch(db, "select trade_id from ticks where \"timestamp\" = '2024-01-02 14:30:00.002+00' order by 1")
    assert same["trade_id"].tolist() == ["3", "4"]
    # the correction flag and the conditions are kept
    assert scalar(db, "select correction from ticks where trade_id = '7'") == 1
    # unknown symbols were registered with a minimal row
    assert set(fetch(db, "select symbol from symbols")["symbol"]) == {"AAPL", "MSFT"}


@pytest.mark.parametrize("variant", ["csv", "csv.gz", "parquet", "dataframe"])
def test_canonical_ticks_every_format(db, tmp_path, variant):
    src = DATA / "ticks_basic.csv"
    if variant == "csv.gz":
        path = tmp_path / "ticks_basic.csv.gz"
        with open(src, "rb") as fi, gzip.open(path, "wb") as fo:
            shutil.copyfileobj(fi, fo)
        source = path
    elif variant == "parquet":
        frame = pd.read_csv(src)
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
        source = tmp_path / "ticks_basic.parquet"
        frame.to_parquet(source)
    elif variant == "dataframe":
        frame = pd.read_csv(src)
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
        source = frame.rename(columns={"volume": "size"})     # the alias works too
    else:
        source = src
    report = load_ticks(source, engine_or_url=db)
    assert (report.rows_read, report.inserted, report.rejected) == (6, 6, {})
    _assert_ticks(db, _expected_ticks("expected_ticks_basic.csv"))


def test_tick_frame_with_integer_ns_and_ids(db):
    frame = pd.DataFrame({"symbol": ["ETHUSD"] * 3, "timestamp": [1704205800123456789] * 3,
                          "price": [2300.123456789, 2300.5, 2300.5], "volume": [1, 2, 2],
                          "trade_id": ["a", "b", "c"], "exchange": [1, 1, 1]})
    assert load_ticks(frame, engine_or_url=db).inserted == 3
    got = fetch(db, "select price::text as p, \"timestamp\" from ticks order by trade_id")
    assert got["p"].tolist() == ["2300.123456789", "2300.5", "2300.5"]
    assert (got["timestamp"] == pd.Timestamp("2024-01-02 14:30:00.123456+00:00")).all()


def test_minute_aggs(db):
    report = load_bars(DATA / "minute_aggs.csv", engine_or_url=db, timeframe="1min")
    assert (report.target, report.rows_read, report.inserted) == ("ohlcv_1min", 6, 3)
    assert report.rejected == {"high_below_low": 1, "open_outside_range": 1, "close_outside_range": 1}
    exp = pd.read_csv(DATA / "expected_minute_aggs.csv", dtype=str)
    got = fetch(db, 'select symbol, "timestamp", open::text, high::text, low::text, close::text, volume, '
                    "trade_count, source, vwap from ohlcv_1min order by symbol, \"timestamp\"")
    assert len(got) == len(exp)
    for (_, g), (_, e) in zip(got.iterrows(), exp.iterrows()):
        assert g["symbol"] == e["symbol"] and g["timestamp"] == pd.Timestamp(e["timestamp"])
        for c in ("open", "high", "low", "close"):
            assert Decimal(g[c]) == Decimal(e[c])
        assert (g["volume"], g["trade_count"]) == (int(e["volume"]), int(e["trade_count"]))
        assert g["source"] == "vendor" and g["vwap"] is None


def test_day_aggs_keyed_by_session_date(db):
    report = load_bars(DATA / "day_aggs_2024-01-02.csv.gz", engine_or_url=db, timeframe="1d")
    assert (report.target, report.rows_read, report.inserted, report.rejected) == ("ohlcv_daily", 3, 3, {})
    exp = pd.read_csv(DATA / "expected_day_aggs.csv", dtype=str)
    got = fetch(db, "select symbol, date::text as date, open::text, high::text, low::text, close::text, volume, "
                    "trade_count, source from ohlcv_daily order by symbol, date")
    assert got["symbol"].tolist() == exp["symbol"].tolist()
    assert got["date"].tolist() == exp["date"].tolist()
    for c in ("open", "high", "low", "close"):
        assert [Decimal(x) for x in got[c]] == [Decimal(x) for x in exp[c]]
    assert got["volume"].tolist() == [int(x) for x in exp["volume"]]
    assert (got["source"] == "vendor").all()
    # again: nothing added
    again = load_bars(DATA / "day_aggs_2024-01-02.csv.gz", engine_or_url=db, timeframe="1d")
    assert (again.inserted, again.already_present) == (0, 3)


def test_daily_bar_from_late_utc_timestamp_uses_new_york_date(db):
    # 2024-01-02 22:00 UTC is 17:00 New York on the 2nd: session date 2024-01-02, not the UTC date
    frame = pd.DataFrame({"symbol": ["AAPL"], "timestamp": [pd.Timestamp("2024-01-03 01:00", tz="UTC")],
                          "open": [1.0], "high": [2.0], "low": [0.5], "close": [1.5], "volume": [10]})
    load_bars(frame, engine_or_url=db, timeframe="1d")
    assert scalar(db, "select date::text from ohlcv_daily") == "2024-01-02"


def test_bad_timeframe_is_refused(db):
    with pytest.raises(UnknownTimeframeError):
        load_bars(DATA / "minute_aggs.csv", engine_or_url=db, timeframe="5min")


def test_reference_tickers_and_csv_symbols(db):
    report = load_symbols(DATA / "reference_tickers.json", engine_or_url=db)
    assert (report.rows_read, report.inserted, report.already_present) == (4, 3, 0)
    assert report.rejected == {"symbol_too_long": 1}
    got = fetch(db, "select symbol, name, exchange, market, locale, type, active, cik, composite_figi, "
                    "currency_symbol from symbols order by symbol").set_index("symbol")
    assert got.loc["AAPL", "name"] == "Apple Inc." and got.loc["AAPL", "exchange"] == "XNAS"
    assert got.loc["AAPL", "cik"] == "0000320193" and got.loc["AAPL", "composite_figi"] == "BBG000B9XRY4"
    assert got.loc["X:BTCUSD", "market"] == "crypto" and got.loc["X:BTCUSD", "currency_symbol"] == "USD"
    assert got.loc["MSFT", "type"] == "CS" and bool(got.loc["MSFT", "active"])
    # upsert: AAPL renamed, NEWCO added; fields absent from the CSV keep their values
    report = load_symbols(DATA / "symbols.csv", engine_or_url=db)
    assert (report.inserted, report.already_present) == (1, 1)
    got = fetch(db, "select symbol, name, exchange, market, active from symbols order by symbol").set_index("symbol")
    assert got.loc["AAPL", "name"] == "Apple Inc. (renamed)" and got.loc["AAPL", "exchange"] == "XNAS"
    assert got.loc["NEWCO", "market"] == "otc" and not got.loc["NEWCO", "active"]
    assert scalar(db, "select count(*) from quarantine where target = 'symbols'") == 1
    # a frame without market/active columns keeps the stored market and active flag
    load_symbols(pd.DataFrame({"ticker": ["X:BTCUSD", "NEWCO"], "name": ["Bitcoin", "NewCo"]}), engine_or_url=db)
    got = fetch(db, "select symbol, name, market, active from symbols order by symbol").set_index("symbol")
    assert got.loc["X:BTCUSD", "market"] == "crypto" and got.loc["X:BTCUSD", "name"] == "Bitcoin"
    assert not got.loc["NEWCO", "active"] and got.loc["NEWCO", "market"] == "otc"


def test_missing_required_column_is_a_validation_error(db):
    with pytest.raises(ValidationError, match="price"):
        load_ticks(pd.DataFrame({"symbol": ["A"], "timestamp": [1704205800000000000], "volume": [1]}), engine_or_url=db)
    with pytest.raises(ValidationError):
        load_ticks(DATA / "nope.csv", engine_or_url=db)


def test_report_text_and_dict(db):
    report = load_ticks(DATA / "bad_ticks.csv", engine_or_url=db)
    d = report.to_dict()
    assert set(d) == {"target", "sources", "rows_read", "inserted", "already_present", "rejected", "corrected", "notes",
                      "duration_s", "rows_per_second"}
    assert d["rows_read"] == d["inserted"] + d["already_present"] + sum(d["rejected"].values())
    text = str(report)
    assert "bad_ticks.csv" in text and "non_positive_price" in text


def test_live_feed_messages(db):
    trades = pd.DataFrame([{"sym": "AAPL", "p": 185.5, "s": 100, "t": 1704205800123, "x": 4, "i": "77"},
                           {"sym": "AAPL", "p": 185.25, "s": 5, "t": 1704205800123}])
    report = load_ticks(trades, engine_or_url=db)
    assert report.inserted == 2
    got = fetch(db, 'select "timestamp", price::text as p, volume from ticks order by volume')
    assert (got["timestamp"] == pd.Timestamp("2024-01-02 14:30:00.123+00:00")).all()
    assert got["p"].tolist() == ["185.25", "185.5"]
    ids = fetch(db, "select trade_id, exchange from ticks order by volume")
    assert ids.values.tolist() == [["~5@185.25#0", 0], ["77", 4]]
    aggs = pd.DataFrame([{"sym": "AAPL", "o": 1.0, "h": 2.0, "l": 0.5, "c": 1.5, "v": 10, "s": 1704205800000,
                          "e": 1704205860000}])
    assert load_bars(aggs, engine_or_url=db).inserted == 1
    assert scalar(db, 'select "timestamp" from ohlcv_1min') == pd.Timestamp("2024-01-02 14:30+00:00")


def test_massive_trades_as_parquet_with_list_conditions(db, tmp_path):
    frame = pd.read_csv(DATA / "massive_trades_2024-01-02.csv.gz",
                        dtype={"conditions": str, "participant_timestamp": "Int64"})   # not float: ns need 64 bits
    frame["conditions"] = [None if pd.isna(c) else [int(x) for x in c.split(",")] for c in frame["conditions"]]
    path = tmp_path / "trades.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    assert load_ticks(path, engine_or_url=db).inserted == 6
    _assert_ticks(db, _expected_ticks("expected_massive_trades.csv"))


def test_frame_indexed_by_time(db):
    idx = pd.DatetimeIndex(["2024-01-02 14:30:00.5", "2024-01-02 14:30:01"], tz="UTC")
    frame = pd.DataFrame({"symbol": ["AAPL", "AAPL"], "price": [1.25, 1.5], "volume": [3, 4]}, index=idx)
    assert load_ticks(frame, engine_or_url=db).inserted == 2
    got = fetch(db, 'select "timestamp" from ticks order by 1')["timestamp"].tolist()
    assert got == list(idx)


def test_prices_of_every_market_load_exactly_through_the_loader(db, tmp_path):
    """SPEC: stock (4 decimals), forex (5) and crypto (8+) prices round-trip exactly, here
    through a CSV file and load_ticks (the schema test covers plain SQL inserts)."""
    prices = ["187.1234", "1.08765", "0.00000812", "64123.12345678", "0.0001", "0.000012345678", "99999.99999999"]
    csv = tmp_path / "markets.csv"
    csv.write_text("symbol,timestamp,price,volume,trade_id\n" + "".join(
        f"X:BTCUSD,2024-01-02T00:00:0{i}Z,{p},1,m{i}\n" for i, p in enumerate(prices)))
    assert load_ticks(csv, engine_or_url=db).inserted == len(prices)
    got = fetch(db, "select price::text as p from ticks where symbol = 'X:BTCUSD' order by trade_id")["p"].tolist()
    assert got == prices
