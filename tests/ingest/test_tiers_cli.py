"""Both tiers (TimescaleDB hypertables and plain PostgreSQL) and the command line."""
from __future__ import annotations

import json
import subprocess
import sys

from tickstock_research.ingest import load_bars, load_symbols, load_ticks

from .conftest import DATA, scalar, wipe


def test_loads_on_each_tier(tier_url):
    wipe(tier_url)
    assert load_symbols(DATA / "reference_tickers.json", engine_or_url=tier_url).inserted == 3
    t = load_ticks(DATA / "massive_trades_2024-01-02.csv.gz", engine_or_url=tier_url, unknown_symbols="reject")
    assert (t.inserted, t.rejected) == (6, {})
    assert load_ticks(DATA / "massive_trades_2024-01-02.csv.gz", engine_or_url=tier_url).already_present == 6
    assert load_bars(DATA / "minute_aggs.csv", engine_or_url=tier_url).inserted == 3
    assert load_bars(DATA / "day_aggs_2024-01-02.csv.gz", engine_or_url=tier_url, timeframe="1d").inserted == 3
    assert scalar(tier_url, "select sum(volume) from ticks") == 381
    assert scalar(tier_url, "select count(*) from ohlcv_1min where source = 'vendor'") == 3


def _cli(env, *args):
    return subprocess.run([sys.executable, "-m", "tickstock_research.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli_ingest(database_url, cli_env):
    wipe(database_url)
    out = _cli(cli_env, "--url", database_url, "ingest", "symbols", str(DATA / "reference_tickers.json"))
    assert out.returncode == 0, out.stderr
    assert "inserted" in out.stdout
    out = _cli(cli_env, "--url", database_url, "ingest", "ticks", str(DATA / "massive_trades_2024-01-02.csv.gz"),
               str(DATA / "bad_ticks.csv"), "--unknown-symbols", "register", "--batch-rows", "3", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert (report["rows_read"], report["inserted"], sum(report["rejected"].values())) == (23, 8, 15)
    out = _cli(cli_env, "--url", database_url, "ingest", "bars", "--timeframe", "1d",
               str(DATA / "day_aggs_2024-01-02.csv.gz"))
    assert out.returncode == 0, out.stderr
    assert "ohlcv_daily" in out.stdout
    out = _cli(cli_env, "--url", database_url, "ingest", "ticks", str(DATA / "missing.csv"))
    assert out.returncode == 2 and "no such file" in out.stderr


def test_database_without_schema_says_what_to_do(new_database):
    import pytest

    from tickstock_research.errors import SchemaVersionError

    url = new_database(None, init=False, label="ingest_empty")
    with pytest.raises(SchemaVersionError, match="tickstock db init"):
        load_ticks(DATA / "ticks_basic.csv", engine_or_url=url)
    with pytest.raises(SchemaVersionError, match="tickstock db init"):
        load_symbols(DATA / "symbols.csv", engine_or_url=url)
