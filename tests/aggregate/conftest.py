"""Fixtures of the aggregation tests: databases seeded from the golden ticks with plain COPY."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from aggseed import seed_symbols, seed_ticks

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "aggregate"


def golden_ticks(name: str = "golden_ticks.csv") -> pd.DataFrame:
    f = pd.read_csv(GOLDEN / name, dtype={"price": str, "trade_id": str, "sequence_number": "Int64"},
                    keep_default_na=False, na_values={"sequence_number": [""]})
    f["timestamp"] = pd.to_datetime(f["timestamp"], utc=True, format="ISO8601")
    return f.drop(columns=["note"])


def seed_golden(url: str) -> None:
    seed_symbols(url, ["AAA"], market="stocks")
    seed_symbols(url, ["CRY"], market="crypto")
    seed_ticks(url, golden_ticks())


@pytest.fixture(scope="module")
def golden_url(tier_url):
    """A database of each tier holding the golden ticks (nothing aggregated yet)."""
    seed_golden(tier_url)
    return tier_url


@pytest.fixture(params=["timescale", "apache", "plain"])
def fresh_tier_url(new_database, request):
    """A new database of each tier for one test (its daily bars may use any session filter)."""
    return new_database(request.param, label=f"fresh_{request.param}")
