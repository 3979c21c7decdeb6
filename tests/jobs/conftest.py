"""Fixtures for the jobs tests: one small synthetic market, and one database that has been
through the nightly job over it (catch-up night, then the last night with the report)."""
from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from tickstock_research.db.engine import get_engine
from tickstock_research.jobs.steps import optional
from tickstock_research.jobs.synthetic import generate_market

SEED = 11
N_SYMBOLS = 5
N_DAYS = 55


@pytest.fixture(scope="session")
def market(tmp_path_factory):
    drop = tmp_path_factory.mktemp("drop")
    return generate_market(drop, seed=SEED, symbols=N_SYMBOLS, days=N_DAYS, liquidity=0.3)


def stand_in_event(url: str, symbol: str, day: dt.date) -> bool:
    """Until the events area lands, record one event for the report to chart (the report reads
    the table; what writes it does not matter to the report)."""
    if optional("events") is not None and hasattr(optional("events"), "scan"):
        return False
    details = {"pattern": "HeadAndShoulders", "symbol": symbol, "timestamp": f"{day}T00:00:00Z",
               "timeframe": "1d", "direction": "bearish", "parameters": {}, "metadata": {"stand_in": True}}
    with get_engine(url).begin() as conn:
        price = conn.execute(sa.text("SELECT close FROM ohlcv_daily WHERE symbol = :s AND date <= :d ORDER BY date DESC LIMIT 1"),
                             {"s": symbol, "d": day}).scalar()
        conn.execute(sa.text(
            "INSERT INTO events (symbol, \"timestamp\", pattern, timeframe, direction, price, details) "
            "VALUES (:s, :t, 'HeadAndShoulders', '1d', 'bearish', :p, CAST(:d AS jsonb)) ON CONFLICT DO NOTHING"),
            {"s": symbol, "t": pd.Timestamp(day, tz="UTC"), "p": price, "d": json.dumps(details)})
    return True


@pytest.fixture(scope="module")
def nightly(database_url, market, tmp_path_factory):
    """The nightly job run over the market: a catch-up night, then the last night with the report."""
    from tickstock_research.jobs.nightly import run_nightly

    reports = tmp_path_factory.mktemp("reports")
    first = run_nightly(market.sessions[-2], engine_or_url=database_url, drop_folder=market.drop_folder,
                        reports_dir=reports, report=False)
    stand_in_event(database_url, market.symbols[0], market.sessions[-1])
    last = run_nightly(market.sessions[-1], engine_or_url=database_url, drop_folder=market.drop_folder,
                       reports_dir=reports)
    return {"first": first, "last": last, "reports": reports, "url": database_url}
