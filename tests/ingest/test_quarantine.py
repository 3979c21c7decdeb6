"""Invalid rows go to `quarantine` with file, line, raw values and reason; valid rows still load."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tickstock_research.ingest import load_bars, load_ticks

from .conftest import DATA, fetch, scalar


def test_every_tick_reason_with_line_and_raw_values(db):
    report = load_ticks(DATA / "bad_ticks.csv", engine_or_url=db)
    expected = pd.read_csv(DATA / "expected_bad_ticks.csv")
    got = fetch(db, "select source, line, reason, raw, target from quarantine order by line")
    assert got["line"].tolist() == expected["line"].tolist()
    assert got["reason"].tolist() == expected["reason"].tolist()
    assert (got["source"] == "bad_ticks.csv").all() and (got["target"] == "ticks").all()
    raw = got.set_index("line")["raw"]
    assert raw[5] == {"symbol": "GOOD", "timestamp": "2024-01-02T15:00:00Z", "price": "abc", "volume": "1"}
    assert raw[16]["symbol"] == "BAD\\xff\\xfe"          # the undecodable bytes, escaped
    assert raw[13]["timestamp"] == "1704207600"
    # the two valid lines (2 and 17) loaded
    assert report.inserted == 2 and report.rows_read == 17
    assert fetch(db, "select price::text as p from ticks order by \"timestamp\"")["p"].tolist() == ["10.5", "10.75"]
    counts = expected["reason"].value_counts().to_dict()
    assert report.rejected == counts
    # loading the same file again adds no quarantine rows either
    load_ticks(DATA / "bad_ticks.csv", engine_or_url=db)
    assert scalar(db, "select count(*) from quarantine") == len(expected)


def test_unknown_symbols_policy(db):
    frame = pd.DataFrame({"symbol": ["KNOWN", "NEW1", "NEW2"], "timestamp": [1704205800000000000] * 3,
                          "price": [1.0, 2.0, 3.0], "volume": [1, 1, 1]})
    load_ticks(frame.iloc[:1], engine_or_url=db)                     # registers KNOWN
    report = load_ticks(frame, engine_or_url=db, unknown_symbols="reject")
    assert report.rejected == {"unknown_symbol": 2} and report.already_present == 1
    got = fetch(db, "select line, reason, raw->>'symbol' as s from quarantine order by line")
    assert got.values.tolist() == [[2, "unknown_symbol", "NEW1"], [3, "unknown_symbol", "NEW2"]]
    assert scalar(db, "select count(*) from symbols") == 1
    report = load_ticks(frame, engine_or_url=db, unknown_symbols="register")
    assert (report.inserted, report.already_present) == (2, 1)
    assert scalar(db, "select count(*) from symbols") == 3


def test_nan_inf_and_float_sizes_in_frames(db):
    frame = pd.DataFrame({"symbol": ["A"] * 5, "timestamp": pd.date_range("2024-01-02 15:00", periods=5, freq="s", tz="UTC"),
                          "price": [1.0, np.nan, np.inf, 2.0, 3.0], "volume": [1.0, 1.0, 1.0, -5.0, 7.0]})
    report = load_ticks(frame, engine_or_url=db)
    assert report.rejected == {"missing_value": 1, "not_finite": 1, "negative_size": 1}
    assert fetch(db, "select line from quarantine order by line")["line"].tolist() == [2, 3, 4]
    assert fetch(db, "select volume from ticks order by 1")["volume"].tolist() == [1, 7]


def test_bar_reasons(db):
    report = load_bars(DATA / "minute_aggs.csv", engine_or_url=db)
    got = fetch(db, "select line, reason from quarantine order by line")
    assert got.values.tolist() == [[5, "high_below_low"], [6, "open_outside_range"], [7, "close_outside_range"]]
    assert report.inserted == 3
