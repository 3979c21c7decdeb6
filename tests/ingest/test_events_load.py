"""``load_events`` / ``tickstock ingest events``: a hand-written file with every quarantine
reason, and the round trip of the kit's own export (``tickstock events list --csv``)."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from tickstock_research.errors import ValidationError
from tickstock_research.events import query_events
from tickstock_research.ingest import load_events

from .conftest import DATA, fetch, scalar

# line in events_mixed.csv (header is line 1) -> reason, worked out by hand
EXPECTED_QUARANTINE = {5: "unknown_direction", 6: "unknown_timeframe", 7: "unparsable", 8: "non_positive_price",
                       9: "missing_value", 10: "unparsable", 11: "not_finite"}


def test_valid_rows_load_and_every_bad_row_is_quarantined(db):
    report = load_events(DATA / "events_mixed.csv", engine_or_url=db)
    assert (report.rows_read, report.inserted, report.already_present) == (10, 3, 0)
    assert report.rejected == {"unknown_direction": 1, "unknown_timeframe": 1, "unparsable": 2,
                               "non_positive_price": 1, "missing_value": 1, "not_finite": 1}
    q = fetch(db, "select line, reason, raw, source from quarantine where target = 'events' order by line")
    assert dict(zip(q["line"], q["reason"])) == EXPECTED_QUARANTINE
    assert set(q["source"]) == {"events_mixed.csv"} and q["raw"][0]["direction"] == "sideways"

    ev = query_events(engine_or_url=db).set_index(["symbol", "pattern"])
    assert len(ev) == 3
    doji = ev.loc[("AAA", "Doji")]
    assert doji["timestamp"] == pd.Timestamp("2024-03-08", tz="UTC") and doji["price"] == 101.25
    assert doji["details"] == {"pattern": "Doji", "symbol": "AAA", "timestamp": "2024-03-08T00:00:00+00:00",
                               "price": 101.25, "timeframe": "1d", "direction": "neutral",
                               "parameters": {"ratio": 0.01}, "metadata": {"body": 0.05, "adjustment": "splits"}}
    hod = ev.loc[("AAA", "HighOfDay")]
    assert (hod["timeframe"], hod["timestamp"]) == ("1min", pd.Timestamp("2024-03-08 15:31", tz="UTC"))
    assert hod["details"]["metadata"] == {"adjustment": "none"} and hod["details"]["parameters"] == {}
    assert scalar(db, "select count(*) from symbols where symbol in ('AAA', 'BBB')") == 2   # registered

    again = load_events(DATA / "events_mixed.csv", engine_or_url=db)
    assert (again.inserted, again.already_present) == (0, 3)
    assert scalar(db, "select count(*) from events") == 3
    assert scalar(db, "select count(*) from quarantine where target = 'events'") == 7   # not twice


def test_unknown_symbols_can_be_rejected(db):
    frame = pd.DataFrame({"symbol": ["NEW"], "timestamp": ["2024-03-08"], "pattern": ["Doji"], "timeframe": ["1d"],
                          "direction": ["neutral"], "price": [10.0]})
    report = load_events(frame, engine_or_url=db, unknown_symbols="reject")
    assert (report.inserted, report.rejected) == (0, {"unknown_symbol": 1})
    assert scalar(db, "select count(*) from symbols where symbol = 'NEW'") == 0


def test_missing_columns_name_the_file(db, tmp_path):
    bad = tmp_path / "no_price.csv"
    bad.write_text("symbol,timestamp,pattern,timeframe,direction\nAAA,2024-03-08,Doji,1d,neutral\n")
    with pytest.raises(ValidationError, match=r"no_price.csv: missing column\(s\) price"):
        load_events(bad, engine_or_url=db)


def test_an_export_of_the_kits_events_loads_back_unchanged(db, cli_env, tmp_path):
    load_events(DATA / "events_mixed.csv", engine_or_url=db)
    before = query_events(engine_or_url=db)[["symbol", "timestamp", "pattern", "timeframe", "direction", "price", "details"]]
    out = tmp_path / "events.csv"

    def cli(*args):
        proc = subprocess.run([sys.executable, "-m", "tickstock_research.cli.main", "--url", db, *args], env=cli_env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    cli("events", "list", "--csv", str(out))
    with __import__("tickstock_research.db.engine", fromlist=["get_engine"]).get_engine(db).begin() as conn:
        conn.exec_driver_sql("delete from events")
    report = json.loads(cli("ingest", "events", str(out), "--json"))
    assert (report["rows_read"], report["inserted"], report["rejected"]) == (3, 3, {})
    after = query_events(engine_or_url=db)[before.columns]
    pd.testing.assert_frame_equal(after, before)
