"""Seeded databases for the reader's tests (both tiers via ``tier_url``)."""
from __future__ import annotations

import pandas as pd
import pytest

from tickstock_research.aggregate import build_daily_bars
from tickstock_research.load import HistoricalLoader

from . import seeding

STOCKS = ["AAA", "BBB"]
TICK_SYMBOLS = ["T1", "T2", "T3"]
#: Weeks with a daylight-saving change (2024-03-10), Good Friday (2024-03-29), Thanksgiving
#: (2024-11-28) followed by an early close (2024-11-29).
DAYS = (list(pd.date_range("2024-03-04", "2024-03-15")) + list(pd.date_range("2024-03-25", "2024-04-02"))
        + list(pd.date_range("2024-11-25", "2024-12-03")))


@pytest.fixture(scope="module")
def minutes() -> pd.DataFrame:
    return seeding.random_minutes(STOCKS, DAYS)


@pytest.fixture(scope="module")
def ticks_data() -> pd.DataFrame:
    return seeding.random_ticks(TICK_SYMBOLS, "2024-03-08 12:00", "2024-03-09 03:00", per_symbol=3000)


@pytest.fixture(scope="module")
def seeded(tier_url, minutes, ticks_data) -> str:
    seeding.add_symbols(tier_url, STOCKS + TICK_SYMBOLS)
    seeding.copy_rows(tier_url, "ohlcv_1min", minutes, seeding.BAR_COLUMNS)
    # daily bars built by the kit's own SQL from those minutes: the loader's 1d reads are then
    # checked against pandas (reference.daily), an independent second implementation
    build_daily_bars(DAYS[0].date(), DAYS[-1].date(), engine_or_url=tier_url)
    seeding.copy_rows(tier_url, "ticks", ticks_data, seeding.TICK_COLUMNS)
    return tier_url


@pytest.fixture(scope="module")
def loader(seeded) -> HistoricalLoader:
    return HistoricalLoader(engine_or_url=seeded)
