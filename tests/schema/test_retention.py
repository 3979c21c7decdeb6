"""Retention never drops research data (issue 15), on every tier: two years of backfilled ticks,
then every retention the tier has (``tickstock maintain``; on the timescale tier also the server
job): nothing unaggregated is dropped; after aggregation exactly what the dry run listed goes.
The expected survivors are computed from the loaded frame with pandas, not from the kit."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
import sqlalchemy as sa

from tickstock_research.aggregate import run_rollup
from tickstock_research.db.engine import get_engine
from tickstock_research.errors import ConfigurationError
from tickstock_research.ingest import load_ticks
from tickstock_research.schema.maintain import run_maintenance
from tickstock_research.schema.retention import set_retention
from tickstock_research.schema.tiers import detect_tier

NOW = pd.Timestamp.now(tz="UTC")


def backfill() -> pd.DataFrame:
    """One trade at 15:00 UTC every Wednesday and Thursday of the last two years (up to yesterday)."""
    days = pd.date_range((NOW - pd.Timedelta(days=730)).normalize().tz_localize(None),
                         (NOW - pd.Timedelta(days=1)).normalize().tz_localize(None), freq="D")
    days = days[days.day_of_week.isin([2, 3])]
    ts = (days + pd.Timedelta(hours=15)).tz_localize("UTC")
    return pd.DataFrame({"symbol": "BKF", "timestamp": ts, "price": "10.5", "volume": 100,
                         "trade_id": [f"b{i}" for i in range(len(ts))], "exchange": 1})


def tick_times(url) -> pd.DatetimeIndex:
    with get_engine(url).connect() as conn:
        got = conn.execute(sa.text("SELECT \"timestamp\" FROM ticks WHERE symbol = 'BKF' ORDER BY 1")).scalars().all()
    return pd.DatetimeIndex(got).tz_convert("UTC")


def counts(url) -> tuple[int, int, int]:
    with get_engine(url).connect() as conn:
        return tuple(conn.execute(sa.text(f"SELECT count(*) FROM {t} WHERE symbol = 'BKF'")).scalar()
                     for t in ("ticks", "ohlcv_1min", "ohlcv_daily"))


def server_job(url):
    """The timescale tier's own retention: its server job, run now in the foreground."""
    with get_engine(url).connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        job = conn.execute(sa.text("SELECT job_id FROM timescaledb_information.jobs "
                                   "WHERE proc_name = 'tickstock_retention_job'")).scalar_one()
        conn.execute(sa.text("CALL run_job(:j)"), {"j": job})


def retentions(tier: str):
    """Every retention the tier has."""
    runs = [lambda url: run_maintenance(engine_or_url=url)]
    if tier == "timescale":
        runs.append(server_job)
    return runs


@pytest.fixture(scope="module")
def backfilled(tier_url):
    with get_engine(tier_url).begin() as conn:
        conn.execute(sa.text("INSERT INTO symbols (symbol) VALUES ('BKF') ON CONFLICT DO NOTHING"))
    report = load_ticks(backfill(), engine_or_url=tier_url, progress=False)
    assert report.inserted == len(backfill())
    assert any("older than the retention horizon (1 year" in n for n in report.notes), report.notes
    return tier_url


def test_nothing_unaggregated_is_dropped_then_exactly_the_dry_run_goes(backfilled):
    url, frame = backfilled, backfill()
    with get_engine(url).connect() as conn:
        tier = detect_tier(conn)
    cutoff = NOW - pd.DateOffset(years=1)
    old = frame["timestamp"] < cutoff.floor("D")
    assert old.sum() > 100

    # never aggregated: every retention the tier has keeps everything
    dry = run_maintenance(engine_or_url=url, dry_run=True)
    assert dry.dropped == [] and sum(u.rows for u in dry.kept) == old.sum()
    for retention in retentions(tier):
        retention(url)
        assert len(tick_times(url)) == len(frame)

    run_rollup(engine_or_url=url)
    # a late trade for an old day, loaded after the rollup: its unit stays until aggregated
    late_ts = frame.loc[old, "timestamp"].iloc[10] + pd.Timedelta(minutes=30)
    late = frame.iloc[[0]].assign(timestamp=late_ts, trade_id="late")
    load_ticks(late, engine_or_url=url, progress=False)
    ticks_before, minutes_before, daily_before = counts(url)

    dry = run_maintenance(engine_or_url=url, dry_run=True)
    assert len(tick_times(url)) == len(frame) + 1                  # a dry run changes nothing
    kept = [u for u in dry.kept if u.table == "ticks"]
    assert [(u.start <= late_ts < u.end) for u in kept] == [True]   # only the late trade's unit
    listed = {(u.table, u.start, u.end) for u in dry.dropped}
    assert listed and {t for t, _, _ in listed} == {"ticks"}

    retention = retentions(tier)[-1]                                 # the server job on timescale
    retention(url)
    left = tick_times(url)
    in_dropped = pd.Series(False, index=range(len(left)))
    for _, lo, hi in listed:
        in_dropped |= (left >= lo) & (left < hi)
    assert not in_dropped.any()                                      # all listed units are gone
    everything = pd.DatetimeIndex(pd.concat([frame["timestamp"], pd.Series([late_ts])]))
    survivors = everything[~pd.Series([any(lo <= t < hi for _, lo, hi in listed) for t in everything]).to_numpy()]
    assert left.equals(survivors.sort_values())                      # and nothing else is
    late_day = frame["timestamp"].dt.floor("D") == late_ts.floor("D")
    gone = set(everything) - set(left)
    assert gone == set(frame.loc[old & ~late_day, "timestamp"])      # by pandas: the old days but the late one
    # bars are research data too: all kept
    assert counts(url)[1:] == (minutes_before, daily_before)

    run_rollup(engine_or_url=url)                                                  # the late trade aggregated
    after = run_maintenance(engine_or_url=url)
    assert [(u.start <= late_ts < u.end) for u in after.dropped] == [True]
    assert (tick_times(url) >= cutoff.floor("D")).all() and len(tick_times(url)) == (~old).sum()


def test_horizons_are_settings_that_can_be_changed_or_turned_off(backfilled):
    url = backfilled
    with pytest.raises(ConfigurationError, match="positive interval"):
        set_retention("ticks", "soon", engine_or_url=url)
    with pytest.raises(ConfigurationError, match="positive interval"):
        set_retention("ticks", "-1 day", engine_or_url=url)
    with pytest.raises(ConfigurationError, match="retention applies to"):
        set_retention("events", "1 day", engine_or_url=url)
    assert set_retention("ticks", "off", engine_or_url=url)["ticks"] == "off"
    report = run_maintenance(engine_or_url=url, dry_run=True)
    assert report.retention == [] and "ticks: retention off" in str(report)
    assert set_retention("ticks", "1 year", engine_or_url=url)["ticks"] == "1 year"


def test_cli_retention_info_and_dry_run(backfilled, cli_env):
    url = backfilled
    base = [sys.executable, "-m", "tickstock_research.cli.main", "--url", url]
    out = subprocess.run(base + ["db", "retention", "ticks", "3 years"], env=cli_env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "ticks: 3 years" in out.stdout
    out = subprocess.run(base + ["db", "retention", "ticks", "whenever"], env=cli_env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode != 0 and len(out.stderr.strip().splitlines()) == 1 and "positive interval" in out.stderr
    out = subprocess.run(base + ["db", "info", "--json"], env=cli_env, capture_output=True, text=True, timeout=120)
    assert json.loads(out.stdout)["features"]["retention ages"].startswith("ticks 3 years")
    subprocess.run(base + ["db", "retention", "ticks", "30 days"], env=cli_env, check=True, capture_output=True,
                   timeout=120)
    dry = subprocess.run(base + ["maintain", "--dry-run"], env=cli_env, capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0, dry.stderr
    listed = [line.strip() for line in dry.stdout.splitlines() if line.strip().startswith("ticks [")]
    expected = [f"{u.table} [{u.start} .. {u.end}) {u.rows} row(s)" for u in run_maintenance(engine_or_url=url, dry_run=True).dropped]
    assert listed == expected and listed
    real = run_maintenance(engine_or_url=url)
    assert [f"{u.table} [{u.start} .. {u.end}) {u.rows} row(s)" for u in real.dropped] == listed
    set_retention("ticks", "1 year", engine_or_url=url)
