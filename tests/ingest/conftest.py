"""Shared helpers of the ingest tests: golden files, a clean database per test, reading back."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tickstock_research.db.engine import get_engine

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"

TABLES = "ticks, ohlcv_1min, ohlcv_daily, events, quarantine, ingest_loads, symbols"


def wipe(url: str) -> None:
    with get_engine(url).begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {TABLES} CASCADE")


def fetch(url: str, sql: str) -> pd.DataFrame:
    with get_engine(url).connect() as conn:
        return pd.read_sql(sql, conn)


def scalar(url: str, sql: str):
    with get_engine(url).connect() as conn:
        return conn.exec_driver_sql(sql).scalar()


@pytest.fixture
def db(database_url):
    """The module's TimescaleDB-tier database, emptied before the test."""
    wipe(database_url)
    return database_url
