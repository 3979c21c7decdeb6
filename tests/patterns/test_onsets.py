"""State patterns recorded as events at their onset, against hand-worked runs.

Ten daily bars (2024-01-02 ..., business days) with range 9..11; the close is at the top of the
range (11.0, ClosedInTop10Percent holds) on bars 0, 1, 2, 4, 6, 7, 8 and in the middle (10.0)
on bars 3, 5, 9. Runs by hand: bars 0-2 (3 bars), bar 4 (1 bar), bars 6-8 (3 bars), so the
onsets are bars 0, 4 and 6 with run lengths 3, 1 and 3.
"""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from tickstock_research.events import audit, scan
from tickstock_research.events.writer import query_events
from tickstock_research.patterns import get_pattern, onsets, pattern, state_pattern_names, unregister

TOP = [0, 1, 2, 4, 6, 7, 8]
DAYS = pd.bdate_range("2024-01-02", periods=10)


def _bars() -> pd.DataFrame:
    close = [11.0 if i in TOP else 10.0 for i in range(10)]
    return pd.DataFrame({"open": 10.0, "high": 11.0, "low": 9.0, "close": close, "volume": 1000}, index=DAYS)


def test_onsets_of_hand_worked_runs():
    bars = _bars()
    every = get_pattern("ClosedInTop10Percent").detect(bars)
    assert list(every["timestamp"]) == [DAYS[i] for i in TOP]                     # state: every bar
    first = onsets(every, bars.index)
    assert list(first["timestamp"]) == [DAYS[0], DAYS[4], DAYS[6]]
    assert [m["run_length"] for m in first["metadata"]] == [3, 1, 3]
    assert [m["run_last"] for m in first["metadata"]] == [DAYS[2].isoformat(), DAYS[4].isoformat(),
                                                          DAYS[8].isoformat()]
    assert first["metadata"].iloc[0]["position"] == 1.0                           # the pattern's own metadata kept


def test_which_patterns_are_states_and_others_pass_through():
    assert {"TrendingUp", "TrendingDown", "ClosedInTop10Percent", "ClosedInBottom10Percent"} <= state_pattern_names()
    assert not {"Doji", "Hammer", "HeadAndShoulders", "MACrossover"} & state_pattern_names()
    bars = _bars()
    doji = get_pattern("Doji").detect(bars.assign(close=10.0, open=10.0))
    assert len(onsets(doji, bars.index)) == len(doji) == 10                        # not a state: untouched

    @pattern("CloseAboveTenState", direction="bullish", state=True)
    def above(bars, *, level: float = 10.5):
        return bars["close"] > level
    try:
        assert "CloseAboveTenState" in state_pattern_names()
        mine = onsets(get_pattern("CloseAboveTenState").detect(bars), bars.index)
        assert list(mine["timestamp"]) == [DAYS[0], DAYS[4], DAYS[6]]
    finally:
        unregister("CloseAboveTenState")


@pytest.fixture(scope="module")
def stored(database_url):
    from tickstock_research.db.engine import get_engine

    engine = get_engine(database_url)
    bars = _bars()
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO symbols (symbol) VALUES ('RUNS'), ('BARS')"))
        for sym in ("RUNS", "BARS"):
            conn.execute(sa.text("INSERT INTO ohlcv_daily (symbol, date, open, high, low, close, volume) "
                                 "VALUES (:s, :d, :o, :h, :l, :c, :v)"),
                         [{"s": sym, "d": d.date(), "o": r.open, "h": r.high, "l": r.low, "c": r.close, "v": 1000}
                          for d, r in bars.iterrows()])
    return database_url


def test_scan_records_onsets_and_state_per_bar_stays_available(stored):
    report = scan("RUNS", patterns=["ClosedInTop10Percent"], start="2024-01-02", end="2024-01-15",
                  engine_or_url=stored)
    assert report.detections == 3 and report.inserted == 3 and report.states == "onset"
    ev = query_events(engine_or_url=stored, symbols="RUNS", patterns="ClosedInTop10Percent")
    assert list(pd.to_datetime(ev["timestamp"]).dt.tz_localize(None)) == [DAYS[0], DAYS[4], DAYS[6]]
    assert [d["metadata"]["run_length"] for d in ev["details"]] == [3, 1, 3]
    assert "\n" not in repr(report) and repr(report).startswith("ScanReport(scan 1d: 1 symbols")
    assert "<b>Scan 1d</b>" in report._repr_html_()
    again = scan("RUNS", patterns=["ClosedInTop10Percent"], start="2024-01-02", end="2024-01-15",
                 engine_or_url=stored)
    assert (again.inserted, again.updated, again.removed) == (0, 0, 0)
    per_bar = scan("BARS", patterns=["ClosedInTop10Percent"], start="2024-01-02", end="2024-01-15",
                   engine_or_url=stored, states="bars")
    assert per_bar.detections == len(TOP)


def test_a_run_begun_before_the_range_is_not_recorded_again(stored):
    # bars 7-8 are inside the range, but their run began at bar 6, before it: no onset in range
    report = scan("RUNS", patterns=["ClosedInTop10Percent"], start=DAYS[7], end=DAYS[9], engine_or_url=stored)
    assert report.detections == 0


def test_the_audit_counts_onsets_however_they_were_recorded(stored):
    onset = audit(engine_or_url=stored, symbols=["RUNS"], patterns=["ClosedInTop10Percent"], horizons=(1,),
                  start="2024-01-02", end="2024-01-15")
    per_bar_stored = audit(engine_or_url=stored, symbols=["BARS"], patterns=["ClosedInTop10Percent"], horizons=(1,),
                           start="2024-01-02", end="2024-01-15")
    every = audit(engine_or_url=stored, symbols=["BARS"], patterns=["ClosedInTop10Percent"], horizons=(1,),
                  start="2024-01-02", end="2024-01-15", states="bars")
    assert int(onset.summary["events"].iloc[0]) == 3
    assert int(per_bar_stored.summary["events"].iloc[0]) == 3
    assert int(every.summary["events"].iloc[0]) == len(TOP)
    # forward 1-bar returns at the onsets (bars 0, 4, 6): 11->11, 11->10, 11->11, by hand
    assert sorted(per_bar_stored.returns["forward_return"].round(9)) == sorted([0.0, round(10 / 11 - 1, 9), 0.0])
    assert onset.table(horizon=1)["events"].tolist() == [3]
    with pytest.raises(Exception, match="horizon 5 was not audited"):
        onset.table(horizon=5)
    with pytest.raises(TypeError):
        onset.table(1)                                               # a horizon is said as one
    assert "\n" not in repr(onset) and "3 event(s) (onset" in repr(onset)
