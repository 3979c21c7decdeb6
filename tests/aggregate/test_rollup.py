"""The incremental rollup: watermark, late trades, corrections, run log, resume, lock, gaps, CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pandas as pd
import pytest
from aggseed import execute, fetch, seed_symbols, seed_ticks
from conftest import GOLDEN, golden_ticks, seed_golden

from tickstock_research.aggregate import gap_report, rollup, rollup_runs, run_rollup
from tickstock_research.db.engine import get_engine
from tickstock_research.db.locks import hold_lock
from tickstock_research.errors import JobError, JobLockedError
from tickstock_research.ingest import load_ticks

DAILY_SQL = "SELECT symbol, date, open, high, low, close, volume, trade_count FROM ohlcv_daily ORDER BY symbol, date"


def daily_expected(name: str, session: str | None = None) -> pd.DataFrame:
    f = pd.read_csv(GOLDEN / name, dtype=str)
    if session:
        f = f[f["session"] == session].drop(columns="session")
    return f.reset_index(drop=True)


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame.copy()
    for c in ("open", "high", "low", "close"):
        f[c] = f[c].map(lambda v: str(Decimal(str(v)).normalize()))
    f["date"] = f["date"].astype(str)
    f["volume"] = f["volume"].astype(int).astype(str)
    f["trade_count"] = f["trade_count"].astype(int).astype(str)
    return f.reset_index(drop=True)


@pytest.fixture(scope="module")
def rollup_url(tier_url):
    seed_golden(tier_url)
    return tier_url


def test_first_run_builds_everything(rollup_url):
    report = run_rollup(engine_or_url=rollup_url)
    assert report.status == "ok" and report.mode == "incremental"
    assert as_text(fetch(rollup_url, DAILY_SQL)).equals(as_text(daily_expected("golden_daily.csv", "regular")))
    assert report.minutes.bars == 22 and report.daily.bars == 7
    marks = fetch(rollup_url, "SELECT stage, run_id FROM aggregate_watermarks ORDER BY stage")
    assert list(marks["stage"]) == ["minutes", "ticks"] and set(marks["run_id"]) == {report.run_id}
    assert "gaps" in str(report) and report.to_dict()["status"] == "ok"


def test_second_run_has_nothing_to_do(rollup_url):
    report = run_rollup(engine_or_url=rollup_url)
    assert report.status == "ok"
    assert report.dirty_days == 0 and report.dirty_sessions == 0 and report.minutes.bars == 0


def test_late_trade_is_picked_up_by_the_next_run(rollup_url):
    seed_ticks(rollup_url, golden_ticks("golden_late_trade.csv"))
    report = run_rollup(engine_or_url=rollup_url)
    assert report.dirty_days == 1                       # only (AAA, 2024-03-08 UTC) is rebuilt
    assert report.dirty_sessions <= 2                   # the UTC day touches two local dates at most
    got = as_text(fetch(rollup_url, DAILY_SQL))
    assert got.equals(as_text(daily_expected("golden_daily_after_late.csv")))


def test_trade_flagged_as_corrected_later_is_removed(rollup_url):
    # a later file delivers the stored late trade h1 again, now flagged as corrected: the load
    # flags the stored copy (it adds no row) and the next rollup drops it from the bars
    corrected = golden_ticks("golden_late_trade.csv").assign(exchange=1, correction=8)   # as seeded, flagged cancelled (8)
    load = load_ticks(corrected, engine_or_url=rollup_url, progress=False)
    assert (load.inserted, load.already_present, load.corrected) == (0, 1, 1)
    assert fetch(rollup_url, "SELECT correction FROM ticks WHERE trade_id = 'h1'")["correction"].tolist() == [8]
    again = load_ticks(corrected, engine_or_url=rollup_url, progress=False)      # the same file once more: nothing changes
    assert (again.inserted, again.corrected) == (0, 0)
    report = run_rollup(engine_or_url=rollup_url)
    assert report.minutes.deleted == 1                  # the 15:00 minute had only that trade
    got = as_text(fetch(rollup_url, DAILY_SQL))
    assert got.equals(as_text(daily_expected("golden_daily.csv", "regular")))


def test_runs_are_logged(rollup_url):
    runs = rollup_runs(engine_or_url=rollup_url, limit=10)
    assert len(runs) >= 4 and set(runs["status"]) == {"ok"}
    assert (runs["duration_s"] >= 0).all()
    first = runs.iloc[-1]
    assert first["minute_rows"] == 22 and first["daily_rows"] == 7


def test_gaps_report_missing_minutes_and_volume_mismatch(rollup_url):
    gaps = gap_report("2024-03-08", "2024-03-11", engine_or_url=rollup_url)
    aaa = gaps[(gaps["symbol"] == "AAA") & (gaps["session"].astype(str) == "2024-03-08")].iloc[0]
    assert aaa["kind"] == "missing_minutes" and aaa["expected_minutes"] == 390 and aaa["present_minutes"] == 2
    # crypto: 1440 minutes a day, one present
    cry = gaps[(gaps["symbol"] == "CRY") & (gaps["session"].astype(str) == "2024-03-09")].iloc[0]
    assert cry["expected_minutes"] == 1440 and cry["missing_minutes"] == 1439
    # early close: 210 regular minutes
    late = gap_report("2024-11-29", "2024-11-29", symbols="AAA", engine_or_url=rollup_url)
    assert late.iloc[0]["expected_minutes"] == 210
    execute(rollup_url, "UPDATE ohlcv_daily SET volume = volume + 1 WHERE symbol = 'AAA' AND date = '2024-11-04'")
    mism = gap_report("2024-11-04", "2024-11-04", symbols="AAA", engine_or_url=rollup_url)
    row = mism.iloc[0]
    assert row["daily_volume"] == 201 and row["minute_volume"] == 200
    # an explicit range run rebuilds the day, and the mismatch is gone
    report = run_rollup(engine_or_url=rollup_url, start="2024-11-04", end="2024-11-04", symbols=["AAA"])
    assert report.mode == "range" and report.daily.bars == 1
    assert (gap_report("2024-11-04", "2024-11-04", symbols="AAA", engine_or_url=rollup_url)["kind"]
            != "volume_mismatch").all()


def test_the_rollup_lock_keeps_two_runs_apart(rollup_url):
    with hold_lock(get_engine(rollup_url), rollup.ROLLUP_LOCK):
        with pytest.raises(JobLockedError):
            run_rollup(engine_or_url=rollup_url)
    assert run_rollup(engine_or_url=rollup_url).status == "ok"


def test_failed_run_moves_no_watermark_and_the_next_run_resumes(rollup_url, monkeypatch):
    seed_ticks(rollup_url, pd.DataFrame({
        "symbol": ["AAA"], "timestamp": [pd.Timestamp("2024-11-29 15:00", tz="UTC")], "price": ["30.15"],
        "volume": [50], "sequence_number": [5], "trade_id": ["late2"], "correction": [0]}))
    marks_before = fetch(rollup_url, "SELECT stage, horizon FROM aggregate_watermarks ORDER BY stage")

    def boom(*a, **k):
        raise RuntimeError("killed between the minute and the daily stage")

    monkeypatch.setattr(rollup, "build_daily_windows", boom)
    with pytest.raises(JobError):
        run_rollup(engine_or_url=rollup_url)
    monkeypatch.undo()
    runs = rollup_runs(engine_or_url=rollup_url, limit=1)
    assert runs.iloc[0]["status"] == "failed" and "killed" in runs.iloc[0]["error"]
    assert fetch(rollup_url, "SELECT stage, horizon FROM aggregate_watermarks ORDER BY stage").equals(marks_before)
    # the minute stage committed; the resumed run redoes it without double counting
    report = run_rollup(engine_or_url=rollup_url)
    assert report.status == "ok" and report.dirty_days == 1
    day = fetch(rollup_url, "SELECT volume, trade_count FROM ohlcv_daily WHERE symbol = 'AAA' AND date = '2024-11-29'")
    assert int(day.iloc[0]["volume"]) == 250 and int(day.iloc[0]["trade_count"]) == 3


def test_stale_running_rows_are_marked_interrupted(rollup_url):
    execute(rollup_url, "INSERT INTO aggregate_runs (mode, session) VALUES ('incremental', 'regular')")
    run_rollup(engine_or_url=rollup_url)
    runs = rollup_runs(engine_or_url=rollup_url, limit=2)
    assert runs.iloc[1]["status"] == "interrupted"


def test_cli_aggregate(rollup_url, cli_env):
    cmd = [sys.executable, "-m", "tickstock_research.cli.main", "--url", rollup_url, "aggregate", "--json"]
    out = subprocess.run(cmd, env=cli_env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["status"] == "ok" and data["mode"] == "incremental"
    cmd = [sys.executable, "-m", "tickstock_research.cli.main", "--url", rollup_url, "aggregate",
           "--start", "2024-11-29", "--end", "2024-11-29", "--symbols", "AAA"]
    out = subprocess.run(cmd, env=cli_env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "range" in out.stdout and "missing_minutes" in out.stdout
    out = subprocess.run(cmd[:-6] + ["--runs", "3"], env=cli_env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "incremental" in out.stdout
    out = subprocess.run(cmd[:-6] + ["--symbols", "NOPE", "--start", "2024-11-29"], env=cli_env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and "unknown symbol" in out.stderr


def test_a_day_whose_trades_are_all_corrected_loses_its_daily_bar(fresh_tier_url):
    """Incremental runs: a later file flags every trade of a session as corrected; the next run
    deletes the session's minutes and, though no minute is left to say so, its daily bar."""
    url = fresh_tier_url
    seed_symbols(url, ["ALLC"])
    trades = pd.DataFrame({"symbol": "ALLC", "timestamp": pd.to_datetime(["2024-03-08 15:00", "2024-03-08 15:01"], utc=True),
                           "price": ["10", "11"], "volume": [5, 6], "trade_id": ["c1", "c2"], "exchange": 1})
    load_ticks(trades, engine_or_url=url, progress=False)
    run_rollup(engine_or_url=url)
    assert fetch(url, "SELECT volume FROM ohlcv_daily WHERE symbol = 'ALLC'")["volume"].tolist() == [11]
    assert load_ticks(trades.assign(correction=8), engine_or_url=url, progress=False).corrected == 2
    report = run_rollup(engine_or_url=url)
    assert report.minutes.deleted == 2
    assert fetch(url, "SELECT count(*) AS n FROM ohlcv_1min WHERE symbol = 'ALLC'")["n"].tolist() == [0]
    assert fetch(url, "SELECT count(*) AS n FROM ohlcv_daily WHERE symbol = 'ALLC'")["n"].tolist() == [0]
