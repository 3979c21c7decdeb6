"""Fixtures for the jobs tests: one small synthetic market, and one database that has been
through the nightly job over it (catch-up night, then the last night with the report)."""
from __future__ import annotations

import pytest

from tickstock_research.jobs.synthetic import generate_market

SEED = 11
N_SYMBOLS = 5
N_DAYS = 78


@pytest.fixture(scope="session")
def market(tmp_path_factory):
    drop = tmp_path_factory.mktemp("drop")
    return generate_market(drop, seed=SEED, symbols=N_SYMBOLS, days=N_DAYS, liquidity=0.1)


@pytest.fixture(scope="module")
def nightly(database_url, market, tmp_path_factory):
    """The nightly job run over the market: a catch-up night, then the last night with the report."""
    from tickstock_research.jobs.nightly import run_nightly

    reports = tmp_path_factory.mktemp("reports")
    first = run_nightly(market.sessions[-2], engine_or_url=database_url, drop_folder=market.drop_folder,
                        reports_dir=reports, report=False)
    last = run_nightly(market.sessions[-1], engine_or_url=database_url, drop_folder=market.drop_folder,
                       reports_dir=reports)
    return {"first": first, "last": last, "reports": reports, "url": database_url}
