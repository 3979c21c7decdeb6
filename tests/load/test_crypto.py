"""A 24/7 symbol (UTC-day sessions, weekends included) next to a stock in one read."""
from __future__ import annotations

import pandas as pd
import pytest

from tickstock_research.load import HistoricalLoader

from . import seeding

CRYPTO = "X:BTCUSD"


@pytest.fixture(scope="module")
def crypto(tier_url):
    minutes = seeding.random_minutes([CRYPTO], pd.date_range("2024-03-08", "2024-03-11"), tz="UTC",
                                     first="00:00", last="24:00", weekends=True, seed=5)
    for col, extra in (("open", 1e-8), ("close", 1e-8), ("high", 2e-8)):  # 8 decimals must survive
        minutes[col] = (minutes[col] + extra).round(8)
    seeding.add_symbols(tier_url, [CRYPTO], market="crypto")
    seeding.add_symbols(tier_url, ["AAA"])
    seeding.copy_rows(tier_url, "ohlcv_1min", minutes, seeding.BAR_COLUMNS)
    return HistoricalLoader(engine_or_url=tier_url), minutes


def _resample(minutes: pd.DataFrame, rule: str) -> pd.DataFrame:
    frame = minutes.set_index("timestamp").sort_index()
    out = frame.resample(rule, origin="start_day").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"})
    return out.dropna(subset=["open"])


@pytest.mark.parametrize("timeframe,rule", [("1h", "1h"), ("4h", "4h"), ("30min", "30min")])
def test_utc_day_buckets_through_the_weekend(crypto, timeframe, rule):
    loader, minutes = crypto
    got = loader.bars([CRYPTO, "AAA"], timeframe, "2024-03-08", "2024-03-11")
    assert got.empty is False and set(got["symbol"]) == {CRYPTO}
    want = _resample(minutes, rule)
    assert (got.index == want.index).all()
    for col in ("open", "high", "low", "close"):
        assert (got[col].to_numpy() == want[col].to_numpy()).all(), col
    assert (got["volume"].to_numpy() == want["volume"].to_numpy()).all()


def test_daily_from_minutes_on_utc_days(crypto):
    loader, minutes = crypto
    got = loader.bars(CRYPTO, "1d", "2024-03-08", "2024-03-11", session="all")
    want = _resample(minutes, "1D")
    assert list(got.index) == list(want.index.tz_localize(None))
    assert (got["close"].to_numpy() == want["close"].to_numpy()).all()
    assert (got["open"].to_numpy() == want["open"].to_numpy()).all()
