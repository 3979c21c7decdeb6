"""Writing, querying and scanning events against a real database."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from event_fixtures import add_daily, add_minutes, add_symbols, daily, intraday

from tickstock_research.errors import PatternError, UnknownSymbolError
from tickstock_research.events import query_events, scan, write_events
from tickstock_research.patterns import get_pattern

# 2024-01-02 .. 2024-01-08 (business days): Doji on bars 0 and 2 (o == c), Hammer on bar 3
BARS = daily([
    (10, 11, 9, 10),          # 0 2024-01-02: Doji (body 0)
    (10, 12, 9.5, 11.5),      # 1 2024-01-03: nothing (closes at 11.5, not in the top tenth: 12 - .25 = 11.75)
    (11, 12, 10, 11),         # 2 2024-01-04: Doji
    (10, 10.75, 8, 10.5),     # 3 2024-01-05: Hammer (lower 2 > 1, upper .25 < .5)
    (10.5, 11, 10, 10.6),     # 4 2024-01-08: nothing
])


def test_write_events_shape_and_idempotence(engine):
    add_symbols(engine, "AAA")
    det = get_pattern("Doji").detect(BARS)
    with engine.begin() as conn:
        first = write_events(conn, det, symbol="AAA", timeframe="1d")
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    stored = query_events(engine_or_url=engine, symbols="AAA", patterns="Doji")
    assert list(stored["timestamp"]) == [pd.Timestamp("2024-01-02", tz="UTC"), pd.Timestamp("2024-01-04", tz="UTC")]
    assert stored["details"].iloc[0] == {
        "pattern": "Doji", "symbol": "AAA", "timestamp": "2024-01-02T00:00:00+00:00", "price": 10.0,
        "timeframe": "1d", "direction": "neutral", "parameters": {"body_ratio": 0.01},
        "metadata": {"body": 0.0, "range": 2.0, "adjustment": "none"}}
    stamp = stored["updated_at"].tolist()
    with engine.begin() as conn:
        again = write_events(conn, det, symbol="AAA", timeframe="1d")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert query_events(engine_or_url=engine, symbols="AAA", patterns="Doji")["updated_at"].tolist() == stamp
    changed = det.copy()
    changed.at[1, "metadata"] = {"body": 0.0, "range": 2.0, "note": "re-run"}
    with engine.begin() as conn:
        third = write_events(conn, changed, symbol="AAA", timeframe="1d", adjustment=None)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 1)
    # the same detections on another timeframe are other events
    with engine.begin() as conn:
        other = write_events(conn, det, symbol="AAA", timeframe="1w")
    assert other.inserted == 2


def test_query_filters(engine):
    add_symbols(engine, "QQ1", "QQ2")
    with engine.begin() as conn:
        write_events(conn, get_pattern("Doji").detect(BARS), symbol="QQ1", timeframe="1d")
        write_events(conn, get_pattern("Hammer").detect(BARS), symbol="QQ2", timeframe="1d")
    both = query_events(engine_or_url=engine, symbols=["QQ1", "QQ2"])
    assert len(both) == 3
    assert list(query_events(engine_or_url=engine, symbols=["QQ1", "QQ2"], direction="bullish")["symbol"]) == ["QQ2"]
    assert len(query_events(engine_or_url=engine, symbols="QQ1", start="2024-01-03", end="2024-01-05")) == 1
    assert query_events(engine_or_url=engine, symbols="QQ1", timeframe="1min").empty
    assert json.dumps(both["details"].iloc[0])  # plain JSON-able dicts


def test_scan_daily_records_once(engine):
    add_daily(engine, "SC1", BARS)
    add_daily(engine, "SC2", BARS)
    add_symbols(engine, "NOBARS")  # known symbol without bars: reported, not an error
    report = scan(["SC1", "SC2", "NOBARS"], patterns=["Doji", "Hammer"], timeframe="1d",
                  start="2024-01-01", end="2024-01-31", engine_or_url=engine)
    assert (report.symbols, report.bars, report.detections, report.inserted) == (2, 10, 6, 6)
    assert report.per_pattern == {"Doji": 4, "Hammer": 2}
    assert report.no_bars == ["NOBARS"]
    again = scan(["SC1", "SC2"], patterns=["Doji", "Hammer"], timeframe="1d",
                 start="2024-01-01", end="2024-01-31", engine_or_url=engine)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6)
    ev = query_events(engine_or_url=engine, symbols="SC1")
    assert [(t.date().isoformat(), p) for t, p in zip(ev["timestamp"], ev["pattern"])] == [
        ("2024-01-02", "Doji"), ("2024-01-04", "Doji"), ("2024-01-05", "Hammer")]
    # a range excluding bar 0 records nothing for it even though bar 0 is read as warm-up
    part = scan(["SC2"], patterns=["Doji"], start="2024-01-03", end="2024-01-08", engine_or_url=engine)
    assert part.detections == 1 and part.bars == 4
    with pytest.raises(UnknownSymbolError, match="NEVERSEEN"):
        scan(["SC1", "NEVERSEEN"], patterns=["Doji"], engine_or_url=engine)


def test_scan_refuses_intraday_only_pattern_on_daily(engine):
    with pytest.raises(PatternError, match="intraday-only"):
        scan(["SC1"], patterns=["HighOfDay"], timeframe="1d", engine_or_url=engine)


def test_scan_intraday_high_of_day(engine):
    bars = intraday([
        ("2024-03-11 09:29", 10, 100, 9, 10, 100),   # pre-market: ignored
        ("2024-03-11 09:30", 5, 5, 4, 5, 100),
        ("2024-03-11 09:31", 5, 6, 4, 5, 100),       # high 6 > 5 -> HighOfDay
        ("2024-03-11 09:32", 5, 5.5, 3, 5, 100),
    ])
    add_minutes(engine, "MIN1", bars)
    report = scan("MIN1", patterns="HighOfDay", timeframe="1min", start="2024-03-11", end="2024-03-11",
                  engine_or_url=engine)
    assert report.detections == 1 and report.bars == 4
    ev = query_events(engine_or_url=engine, symbols="MIN1", timeframe="1min")
    assert ev["timestamp"].tolist() == [pd.Timestamp("2024-03-11 13:31", tz="UTC")]
    assert ev["details"].iloc[0]["timestamp"] == "2024-03-11T13:31:00+00:00"
    # a bare end date includes its whole day
    assert len(query_events(engine_or_url=engine, symbols="MIN1", start="2024-03-11", end="2024-03-11")) == 1


def test_write_with_a_plain_connection_commits(engine):
    # conn from engine.connect(): write_events begins the transaction, conn.commit() commits it
    add_symbols(engine, "PLAIN1")
    with engine.connect() as conn:
        write_events(conn, get_pattern("Doji").detect(BARS), symbol="PLAIN1", timeframe="1d")
        conn.commit()
    assert len(query_events(engine_or_url=engine, symbols="PLAIN1")) == 2


def test_cli_scan_and_audit(engine, database_url, cli_env):
    import subprocess
    import sys

    add_daily(engine, "CLI1", BARS)
    cmd = [sys.executable, "-m", "tickstock_research.cli.main", "--url", database_url]
    out = subprocess.run(cmd + ["scan", "--timeframe", "1d", "--symbols", "CLI1", "--patterns", "Doji,Hammer",
                                "--start", "2024-01-01", "--end", "2024-01-31"],
                         env=cli_env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "3 detections -> 3 inserted, 0 updated, 0 unchanged" in out.stdout
    again = subprocess.run(cmd + ["scan", "--symbols", "CLI1", "--patterns", "Doji", "Hammer",
                                  "--start", "2024-01-01", "--end", "2024-01-31"],
                           env=cli_env, capture_output=True, text=True, timeout=120)
    assert "0 inserted, 0 updated, 3 unchanged" in again.stdout
    bad = subprocess.run(cmd + ["scan", "--symbols", "CLI1", "--patterns", "HighOfDay"],
                         env=cli_env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "intraday-only" in bad.stderr and "Traceback" not in bad.stderr
    listed = subprocess.run(cmd + ["events", "list", "--symbols", "CLI1"], env=cli_env, capture_output=True, text=True,
                            timeout=120)
    assert listed.returncode == 0 and listed.stdout.count("CLI1") == 3
    audit = subprocess.run(cmd + ["events", "audit", "--symbols", "CLI1", "--patterns", "Doji", "--horizons", "1"],
                           env=cli_env, capture_output=True, text=True, timeout=120)
    assert audit.returncode == 0, audit.stderr
    assert "Doji" in audit.stdout and "baseline_mean" in audit.stdout


def test_scan_reads_warmup_history_before_start(engine):
    # closes 10, 10, 10, 13, 7, 7 (tests/patterns/test_trend.py): EMA(2)/EMA(3) cross up at bar 3 and
    # down at bar 4. Scanning from bar 3 only finds them if bars 0-2 are read as warm-up.
    add_daily(engine, "WARM", daily([(c, c, c, c) for c in [10, 10, 10, 13, 7, 7]]))
    report = scan("WARM", patterns=[get_pattern("MACrossover", fast=2, slow=3)], start="2024-01-05",
                  end="2024-01-09", engine_or_url=engine)
    assert (report.bars, report.detections) == (3, 2)
    ev = query_events(engine_or_url=engine, symbols="WARM")
    assert list(ev["direction"]) == ["bullish", "bearish"]
    assert ev["details"].iloc[0]["parameters"] == {"fast": 2, "slow": 3}


def test_rescan_removes_events_the_corrected_bars_no_longer_show(engine):
    """Late or corrected data changes a bar: the re-scan of the range removes the event it no
    longer shows, and leaves events of other patterns, other symbols and other dates alone."""
    import sqlalchemy as sa

    add_daily(engine, "RS1", BARS)
    add_daily(engine, "RS2", BARS)
    first = scan(["RS1", "RS2"], patterns=["Doji", "Hammer"], timeframe="1d", start="2024-01-01", end="2024-01-31",
                 engine_or_url=engine)
    assert (first.inserted, first.removed) == (6, 0)
    # bar 2 (2024-01-04) of RS1 is corrected: it closes at 11.8 now, no longer a Doji
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE ohlcv_daily SET close = 11.8 WHERE symbol = 'RS1' AND date = '2024-01-04'"))
    only_doji = scan(["RS1"], patterns=["Doji"], timeframe="1d", start="2024-01-03", end="2024-01-31",
                     engine_or_url=engine)
    assert (only_doji.inserted, only_doji.unchanged, only_doji.removed) == (0, 0, 1)
    ev = query_events(engine_or_url=engine, symbols=["RS1", "RS2"])
    assert [(s, t.date().isoformat(), p) for s, t, p in zip(ev["symbol"], ev["timestamp"], ev["pattern"])] == [
        ("RS1", "2024-01-02", "Doji"),      # before the re-scanned range: kept
        ("RS1", "2024-01-05", "Hammer"),    # a pattern not re-scanned: kept
        ("RS2", "2024-01-02", "Doji"), ("RS2", "2024-01-04", "Doji"), ("RS2", "2024-01-05", "Hammer")]
    again = scan(["RS1"], patterns=["Doji"], timeframe="1d", start="2024-01-03", end="2024-01-31", engine_or_url=engine)
    assert (again.inserted, again.removed) == (0, 0)
