"""Golden files: 1-minute and daily bars over DST changes, an early close, a holiday, trades
after hours, same-timestamp trades and a corrected trade (tests/data/aggregate/*.csv, computed
by hand from golden_ticks.csv; the notes column there says why each trade is where it is)."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from aggseed import execute, fetch
from conftest import GOLDEN

from tickstock_research.aggregate import build_daily_bars, build_minute_bars, run_rollup
from tickstock_research.errors import ConfigurationError

MINUTES_SQL = ("SELECT symbol, \"timestamp\", open, high, low, close, volume, trade_count, vwap, source "
               "FROM ohlcv_1min ORDER BY symbol, \"timestamp\"")
DAILY_SQL = "SELECT symbol, date, open, high, low, close, volume, trade_count, vwap FROM ohlcv_daily ORDER BY symbol, date"


def expected(name: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN / name, dtype=str)


def check_bars(got: pd.DataFrame, want: pd.DataFrame, key: str) -> None:
    assert len(got) == len(want), (got, want)
    for (_, g), (_, w) in zip(got.iterrows(), want.iterrows()):
        assert g["symbol"] == w["symbol"]
        if key == "timestamp":
            assert pd.Timestamp(g["timestamp"]) == pd.Timestamp(w["timestamp"])
        else:
            assert str(g["date"]) == w["date"]
        for col in ("open", "high", "low", "close"):
            assert g[col] == Decimal(w[col]), (col, g, w)
        assert int(g["volume"]) == int(w["volume"])
        assert int(g["trade_count"]) == int(w["trade_count"])
        if "vwap" in w:
            assert float(g["vwap"]) == pytest.approx(float(w["vwap"]), rel=1e-12)


def test_minute_bars_match_golden(golden_url):
    report = build_minute_bars("2024-03-01", "2024-12-01", engine_or_url=golden_url)
    got = fetch(golden_url, MINUTES_SQL)
    check_bars(got, expected("golden_minutes.csv"), "timestamp")
    assert set(got["source"]) == {"ticks"}
    assert report.bars == len(got) and report.inputs == 25   # 26 trades, one corrected


def test_minute_bars_are_idempotent(golden_url):
    before = fetch(golden_url, MINUTES_SQL)
    report = build_minute_bars("2024-03-01", "2024-12-01", engine_or_url=golden_url)
    after = fetch(golden_url, MINUTES_SQL)
    pd.testing.assert_frame_equal(before, after)
    assert report.deleted == 0


def test_minute_bars_by_symbol_and_range(golden_url):
    report = build_minute_bars("2024-03-09 23:00", "2024-03-10 01:00", symbols=["cry"], engine_or_url=golden_url)
    assert report.bars == 2 and report.inputs == 2


def clear_daily(url: str) -> None:
    """Empty the built daily bars and forget their session filter (how a database switches it)."""
    execute(url, "DELETE FROM ohlcv_daily WHERE source = 'minutes'")
    execute(url, "DELETE FROM tickstock_settings WHERE key = 'daily_session'")


@pytest.mark.parametrize("session", ["regular", "extended", "all"])
def test_daily_bars_match_golden(golden_url, session):
    build_minute_bars("2024-03-01", "2024-12-01", engine_or_url=golden_url)
    if session != "regular":
        clear_daily(golden_url)
    try:
        report = build_daily_bars("2024-03-01", "2024-12-01", session=session, engine_or_url=golden_url)
        want = expected("golden_daily.csv")
        want = want[want["session"] == session].drop(columns="session").reset_index(drop=True)
        got = fetch(golden_url, DAILY_SQL)
        check_bars(got, want, "date")
        # no bar on the Thanksgiving holiday, nor on the weekend for the stock
        assert "2024-11-28" not in set(got["date"].astype(str))
        assert not ((got["symbol"] == "AAA") & got["date"].astype(str).isin(["2024-03-09", "2024-03-10"])).any()
        assert report.bars == len(want)
        if session != "regular":    # the loader reads the stored bars for the filter they were built with
            from tickstock_research.load import HistoricalLoader

            stored = HistoricalLoader(engine_or_url=golden_url).bars(["AAA"], "1d", "2024-03-01", "2024-12-01", session=session)
            mine = want[want["symbol"] == "AAA"]
            assert stored["volume"].tolist() == mine["volume"].astype(int).tolist()
    finally:
        if session != "regular":
            clear_daily(golden_url)


def test_a_daily_build_never_overwrites_bars_of_another_session(golden_url):
    build_minute_bars("2024-03-01", "2024-12-01", engine_or_url=golden_url)
    build_daily_bars("2024-03-01", "2024-12-01", session="regular", engine_or_url=golden_url)
    before = fetch(golden_url, DAILY_SQL)
    with pytest.raises(ConfigurationError, match="holds regular-session daily bars; a extended-session build"):
        build_daily_bars("2024-03-01", "2024-12-01", session="extended", engine_or_url=golden_url)
    with pytest.raises(ConfigurationError, match="holds regular-session daily bars"):
        run_rollup(engine_or_url=golden_url, start="2024-03-08", end="2024-03-08", session="all")
    pd.testing.assert_frame_equal(fetch(golden_url, DAILY_SQL), before)
    # extended daily bars on read, from the minutes, equal the hand-worked golden ones
    from tickstock_research.load import HistoricalLoader

    want = expected("golden_daily.csv")
    want = want[(want["session"] == "extended") & (want["symbol"] == "AAA")].reset_index(drop=True)
    got = HistoricalLoader(engine_or_url=golden_url).bars("AAA", "1d", "2024-03-01", "2024-12-01", session="extended")
    assert [str(d) for d in got.index.date] == list(want["date"])
    assert got["volume"].tolist() == want["volume"].astype(int).tolist()
    assert got["close"].tolist() == want["close"].astype(float).tolist()


def test_daily_bars_regular_vwap_by_hand(golden_url):
    build_daily_bars("2024-03-08", "2024-03-08", symbols="AAA", session="regular", engine_or_url=golden_url)
    got = fetch(golden_url, DAILY_SQL + "")
    row = got[(got["symbol"] == "AAA") & (got["date"].astype(str) == "2024-03-08")].iloc[0]
    # 14:30 minute: 3682.5 over 360 shares; 20:59 minute: 10.40 x 100
    assert float(row["vwap"]) == pytest.approx((3682.5 + 1040.0) / 460, rel=1e-12)


def test_daily_bars_for_a_list_of_sessions(golden_url):
    report = build_daily_bars(["2024-11-28", "2024-11-29"], symbols=["AAA"], engine_or_url=golden_url)
    assert report.bars == 1       # the holiday is not a session


def test_daily_bars_reject_unknown_symbol(golden_url):
    from tickstock_research.errors import UnknownSymbolError

    with pytest.raises(UnknownSymbolError):
        build_daily_bars("2024-03-08", "2024-03-08", symbols=["NOPE"], engine_or_url=golden_url)


def test_parallel_chunks_give_the_same_rows(golden_url):
    before = fetch(golden_url, MINUTES_SQL)
    report = build_minute_bars("2024-03-01", "2024-12-01", engine_or_url=golden_url, parallel=2)
    pd.testing.assert_frame_equal(before.drop(columns="source"), fetch(golden_url, MINUTES_SQL).drop(columns="source"))
    assert report.inputs == 25
