"""The first/last trade of a minute when several trades share its first or last instant, and
exact prices: bars built in the database against pandas as a second implementation.

Trades tied on the timestamp are ordered by sequence_number (missing last), then trade_id in
code-point order ("B1" < "a1", "t10" < "t9"); prices keep every digit (numeric, never float).
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from aggseed import fetch, seed_symbols, seed_ticks

from tickstock_research.aggregate import build_minute_bars

T0 = pd.Timestamp("2024-06-03 14:30", tz="UTC")
US = pd.Timedelta(microseconds=1)

# (symbol, offset in the minute, price, volume, trade_id, sequence_number, correction)
TRADES = [
    # minute 0: three trades at the first instant, sequence decides; two at the last, both
    # without sequence, trade_id decides in code-point order ("B9" < "a1")
    ("EXA", 0, "0.00000812", 10, "x1", 7, 0),
    ("EXA", 0, "185.64", 20, "x2", 5, 0),
    ("EXA", 0, "1.08345", 30, "x3", None, 0),
    ("EXA", 30_000_000, "64123.12345678", 1, "x4", 9, 0),
    ("EXA", 59_999_999, "2.5", 5, "a1", None, 0),
    ("EXA", 59_999_999, "3.5", 5, "B9", None, 0),
    # minute 1: same sequence at the first instant, trade_id decides ("t10" < "t9");
    # the earliest trade is cancelled (correction 8) and must be ignored; last instant: NULL sequence sorts last
    ("EXA", 60_000_000 - 0, "99.1", 1, "t0", 1, 8),
    ("EXA", 60_000_001, "123.456789012345678901", 4, "t9", 3, 0),
    ("EXA", 60_000_001, "0.1", 4, "t10", 3, 0),
    ("EXA", 119_000_000, "7.77", 2, "t11", 100, 0),
    ("EXA", 119_000_000, "8.88", 2, "t12", None, 0),
    # a second symbol interleaved at the same instants with other prices
    ("EXB", 0, "10", 1, "x1", 1, 0),
    ("EXB", 59_999_999, "11", 1, "x2", 1, 0),
    ("EXB", 59_999_999, "12", 1, "x3", 2, 0),
]


def ticks_frame() -> pd.DataFrame:
    f = pd.DataFrame(TRADES, columns=["symbol", "us", "price", "volume", "trade_id", "sequence_number", "correction"])
    f["timestamp"] = T0 + f["us"] * US
    f["exchange"] = 1
    f["sequence_number"] = f["sequence_number"].astype("Int64")
    return f.drop(columns="us")


def pandas_bars(f: pd.DataFrame) -> pd.DataFrame:
    """The same bars computed in pandas with Decimal prices (the independent implementation)."""
    f = f[f["correction"] == 0].copy()
    f["price"] = f["price"].map(Decimal)
    f["seq_missing"] = f["sequence_number"].isna()
    f["seq"] = f["sequence_number"].fillna(0).astype("int64")
    f = f.sort_values(["symbol", "timestamp", "seq_missing", "seq", "trade_id"])   # str sort = code points
    f["minute"] = f["timestamp"].dt.floor("1min")
    rows = []
    for (sym, minute), g in f.groupby(["symbol", "minute"], sort=True):
        rows.append({"symbol": sym, "timestamp": minute, "open": g["price"].iloc[0], "high": max(g["price"]),
                     "low": min(g["price"]), "close": g["price"].iloc[-1], "volume": int(g["volume"].sum()),
                     "trade_count": len(g),
                     "vwap": sum(p * v for p, v in zip(g["price"], g["volume"])) / int(g["volume"].sum())})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def edge_url(tier_url):
    """A database of either tier holding TRADES, with their minutes built."""
    seed_symbols(tier_url, ["EXA", "EXB"])
    seed_ticks(tier_url, ticks_frame())
    build_minute_bars("2024-06-03", "2024-06-03", engine_or_url=tier_url)
    return tier_url


def test_ties_and_exact_prices(edge_url):
    tier_url, frame = edge_url, ticks_frame()
    got = fetch(tier_url, "SELECT symbol, \"timestamp\", open, high, low, close, volume, trade_count, vwap "
                          "FROM ohlcv_1min ORDER BY symbol, \"timestamp\"")
    want = pandas_bars(frame)
    assert len(got) == len(want) == 3
    for (_, g), (_, w) in zip(got.iterrows(), want.iterrows()):
        assert (g["symbol"], pd.Timestamp(g["timestamp"])) == (w["symbol"], w["timestamp"])
        for col in ("open", "high", "low", "close"):
            assert g[col] == w[col] and str(g[col]) == str(w[col]), (col, g[col], w[col])
        assert (int(g["volume"]), int(g["trade_count"])) == (w["volume"], w["trade_count"])
        assert abs(g["vwap"] - w["vwap"]) < Decimal("1e-15") * w["vwap"]
    # spelled out: the tie-breaks the pandas sort applied
    exa = got[got["symbol"] == "EXA"].reset_index(drop=True)
    assert [str(exa.loc[0, "open"]), str(exa.loc[0, "close"])] == ["185.64", "2.5"]       # seq 5; "B9" < "a1"
    assert [str(exa.loc[1, "open"]), str(exa.loc[1, "close"])] == ["0.1", "8.88"]          # "t10" < "t9"; NULL last
    assert str(exa.loc[1, "high"]) == "123.456789012345678901"
    assert str(exa.loc[0, "low"]) == "0.00000812" and str(exa.loc[0, "high"]) == "64123.12345678"


def test_first_build_fallback_to_upsert(edge_url, monkeypatch):
    """A chunk taken for a first build (plain INSERT) whose bars exist after all, as when
    another writer got there first: the unique violation is caught in a savepoint and the
    upsert gives the same rows."""
    import sqlalchemy as sa

    from tickstock_research.aggregate import minutes

    tier_url = edge_url
    sql = ("SELECT symbol, \"timestamp\", open, high, low, close, volume, trade_count, vwap "
           "FROM ohlcv_1min ORDER BY symbol, \"timestamp\"")
    before = fetch(tier_url, sql)
    assert len(before) == 3
    real = minutes.query
    monkeypatch.setattr(minutes, "query", lambda family, name: sa.text("SELECT false AS present")
                        if name == "minute_bars_exist" else real(family, name))
    report = build_minute_bars("2024-06-03", "2024-06-03", engine_or_url=tier_url)
    assert report.bars == 3
    pd.testing.assert_frame_equal(before, fetch(tier_url, sql))


def test_rebuilding_days_whose_ticks_are_gone_keeps_their_bars(tier_url):
    """Retention drops old ticks but keeps the bars built from them: a range rebuild (the
    rollup's ``start``/``end``) over those days must leave minutes and daily bars as they were,
    while a day that still has ticks, all corrected, loses its bars as it should."""
    from aggseed import execute

    from tickstock_research.aggregate import run_rollup

    seed_symbols(tier_url, ["RET"])
    day1 = pd.Timestamp("2024-06-04 14:30", tz="UTC")      # 10:30 New York, 2024-06-04
    day2 = pd.Timestamp("2024-06-05 14:30", tz="UTC")
    frame = pd.DataFrame({"symbol": "RET", "timestamp": [day1, day1 + pd.Timedelta(minutes=1), day2],
                          "price": ["10", "11", "12"], "volume": [5, 7, 9], "trade_id": ["r1", "r2", "r3"],
                          "exchange": 1, "correction": 0})
    seed_ticks(tier_url, frame)
    run_rollup(engine_or_url=tier_url, start="2024-06-04", end="2024-06-05", symbols=["RET"])
    minutes_sql = "SELECT \"timestamp\", close, volume FROM ohlcv_1min WHERE symbol = 'RET' ORDER BY 1"
    daily_sql = "SELECT date, open, close, volume FROM ohlcv_daily WHERE symbol = 'RET' ORDER BY 1"
    before_min, before_day = fetch(tier_url, minutes_sql), fetch(tier_url, daily_sql)
    assert len(before_min) == 3 and before_day["volume"].tolist() == [12, 9]

    execute(tier_url, "DELETE FROM ticks WHERE symbol = 'RET' AND \"timestamp\" < '2024-06-05'")   # as retention
    execute(tier_url, "UPDATE ticks SET correction = 8 WHERE trade_id = 'r3'")                      # day 2: all corrected
    report = run_rollup(engine_or_url=tier_url, start="2024-06-04", end="2024-06-05", symbols=["RET"])
    after_min, after_day = fetch(tier_url, minutes_sql), fetch(tier_url, daily_sql)
    assert after_min.equals(before_min.iloc[:2].reset_index(drop=True))     # day 1 kept, day 2's minute gone
    assert after_day.equals(before_day.iloc[:1].reset_index(drop=True))
    assert report.minutes.deleted == 1
