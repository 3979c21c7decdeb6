"""Data-quality checks by the exchange calendar, against hand-worked sessions of two symbols.

The trades (New York times; XNYS calendar as published: Thanksgiving Thursday 2026-11-26 closed,
Friday 2026-11-27 closes at 13:00):

- AAA trades every regular minute of Wednesday 2026-11-25 (390 minutes) plus two evening trades at
  19:30 and 19:45 New York, which are 00:30 and 00:45 UTC on the 26th: they belong to the 25th's
  extended session, not to Thanksgiving;
- AAA trades on Friday 2026-11-27 from 09:30 to 12:59 except 10:00-10:04 (210 - 5 = 205 minutes);
- BBB trades only on the 25th (every regular minute): on the 27th it has no data.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tickstock_research.aggregate import run_rollup
from tickstock_research.ingest import load_symbols, load_ticks
from tickstock_research.jobs.context import context
from tickstock_research.jobs.quality import DataQualityError, minute_coverage, quality_checks, require_ok
from tickstock_research.jobs.report import bars_built

NY = "America/New_York"


def _minutes(day: str, first: str, n: int, skip: range = range(0)) -> list[pd.Timestamp]:
    t0 = pd.Timestamp(f"{day} {first}", tz=NY)
    return [t0 + pd.Timedelta(minutes=i, seconds=7) for i in range(n) if i not in skip]


@pytest.fixture(scope="module")
def url(database_url):
    load_symbols(pd.DataFrame({"symbol": ["AAA", "BBB"], "name": ["A Co", "B Co"], "market": "stocks",
                               "active": True}), engine_or_url=database_url)
    rows = []
    for sym in ("AAA", "BBB"):
        rows += [(sym, t) for t in _minutes("2026-11-25", "09:30", 390)]
    rows += [("AAA", pd.Timestamp("2026-11-25 19:30", tz=NY)), ("AAA", pd.Timestamp("2026-11-25 19:45", tz=NY))]
    rows += [("AAA", t) for t in _minutes("2026-11-27", "09:30", 210, skip=range(30, 35))]
    ticks = pd.DataFrame(rows, columns=["symbol", "timestamp"])
    ticks["timestamp"] = ticks["timestamp"].dt.tz_convert("UTC")
    ticks = ticks.assign(price=10.0, volume=100, exchange=11)
    load_ticks(ticks, engine_or_url=database_url, progress=False)
    run_rollup(engine_or_url=database_url)
    return database_url


def test_thanksgiving_is_not_a_trading_day_and_its_eve_evening_is_not_counted(url):
    ctx = context("2026-11-26", engine_or_url=url)
    checks = quality_checks(ctx)
    assert list(checks["status"]) == ["not a trading day"]
    assert "2026-11-26 is not a trading day" in checks["detail"].iloc[0]
    assert minute_coverage(ctx).empty
    assert bars_built(ctx).empty                                  # the 19:30/19:45 trades are the 25th's
    wed = bars_built(context("2026-11-25", engine_or_url=url)).set_index("symbol")
    assert wed.loc["AAA", "trades"] == 392 and wed.loc["BBB", "trades"] == 390
    require_ok(checks)                                            # nothing failed: nothing to check


def test_early_close_expects_210_minutes_and_a_symbol_without_data_fails(url):
    ctx = context("2026-11-27", engine_or_url=url)
    cov = minute_coverage(ctx).set_index("symbol")
    assert cov.loc["AAA"].tolist() == [205, 210, 5, "missing minutes"]
    assert cov.loc["BBB"].tolist() == [0, 210, 210, "no data"]
    checks = quality_checks(ctx).set_index("check")
    assert checks.loc["symbols with no data for the session", "findings"] == 1
    assert checks.loc["symbols with no data for the session", "status"] == "failed"
    assert "BBB" in checks.loc["symbols with no data for the session", "detail"]
    assert checks.loc["missing regular-session minutes (total)", "findings"] == 5
    assert checks.loc["symbols that traded but have no daily bar", "status"] == "ok"
    with pytest.raises(DataQualityError, match="symbols with no data for the session: .*BBB"):
        require_ok(checks.reset_index())


def test_full_session_is_clean(url):
    checks = quality_checks(context("2026-11-25", engine_or_url=url))
    assert set(checks.loc[checks["status"] != "info", "status"]) == {"ok"}, checks
    cov = minute_coverage(context("2026-11-25", engine_or_url=url))
    assert cov["minutes"].tolist() == [390, 390] and cov["expected_minutes"].tolist() == [390, 390]


def test_a_session_before_any_data_fails_for_every_symbol(url):
    checks = quality_checks(context("2026-11-02", engine_or_url=url)).set_index("check")
    row = checks.loc["symbols with no data for the session"]
    assert row["findings"] == 2 and row["status"] == "failed" and "AAA, BBB" in row["detail"]


def test_a_future_session_says_it_has_not_closed(url):
    day = dt.date.today() + dt.timedelta(days=14)
    while not context(day, engine_or_url=url).is_session:
        day += dt.timedelta(days=1)
    checks = quality_checks(context(day, engine_or_url=url))
    assert list(checks["status"]) == ["not closed yet"], checks
    assert "cannot be complete yet" in checks["detail"].iloc[0]
    # the same session judged from a moment after its close: no data at all, a failure
    after = pd.Timestamp(day, tz="UTC") + pd.Timedelta(days=2)
    late = quality_checks(context(day, engine_or_url=url), now=after).set_index("check")
    assert late.loc["symbols with no data for the session", "findings"] == 2
