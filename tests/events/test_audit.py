"""The audit on a hand-worked case: closes 10, 12, 15, 12, 12, 24 (bars 0-5, 2024-01-02..09).

forward return after 1 bar:  b0 12/10-1 = .2   b1 15/12-1 = .25   b2 12/15-1 = -.2   b3 0   b4 24/12-1 = 1   b5 NaN
forward return after 2 bars: b0 15/10-1 = .5   b1 12/12-1 = 0     b2 12/15-1 = -.2   b3 24/12-1 = 1   b4, b5 NaN
Events of pattern X: bullish at b0, b2, b4; bearish at b1.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest
from event_fixtures import add_daily, daily

from tickstock_research.events import audit, write_events

CLOSES = [10, 12, 15, 12, 12, 24]


def detections(rows):
    return pd.DataFrame({"timestamp": [pd.Timestamp(t) for t, _ in rows], "pattern": "X",
                         "direction": [d for _, d in rows], "price": 1.0,
                         "parameters": [{} for _ in rows], "metadata": [{} for _ in rows]})


@pytest.fixture(scope="module")
def audited(engine):
    bars = daily([(c, c, c, c) for c in CLOSES])
    add_daily(engine, "AUD", bars)
    add_daily(engine, "OTHER", daily([(c, c, c, c) for c in [1, 2, 4, 8, 16, 32]]))  # no events: not in the baseline
    d = bars.index
    with engine.begin() as conn:
        write_events(conn, detections([(d[0], "bullish"), (d[2], "bullish"), (d[4], "bullish"), (d[1], "bearish")]),
                     symbol="AUD", timeframe="1d")
    return audit(engine_or_url=engine, patterns="X", timeframe="1d", horizons=(1, 2))


def row(result, direction, horizon):
    s = result.summary
    return s[(s["direction"] == direction) & (s["horizon"] == horizon)].iloc[0]


def test_bullish_horizon_1(audited):
    r = row(audited, "bullish", 1)
    # events b0, b2, b4: .2, -.2, 1.0 -> mean 1/3, median .2, hits (> 0) 2 of 3
    assert (r["events"], r["n"]) == (3, 3)
    assert r["mean"] == pytest.approx(1 / 3) and r["median"] == pytest.approx(0.2)
    assert r["hit_rate"] == pytest.approx(2 / 3)
    # baseline over AUD's bars b0..b5 with a 1-bar return: .2, .25, -.2, 0, 1 -> n 5, mean .25, median .2,
    # share > 0: 3 of 5
    assert r["baseline_n"] == 5
    assert r["baseline_mean"] == pytest.approx(0.25) and r["baseline_median"] == pytest.approx(0.2)
    assert r["baseline_hit_rate"] == pytest.approx(0.6)
    assert r["excess_mean"] == pytest.approx(1 / 3 - 0.25)


def test_bullish_horizon_2(audited):
    r = row(audited, "bullish", 2)
    # b0 .5, b2 -.2, b4 NaN (only one bar follows) -> n 2, mean .15, median .15, hit 1 of 2
    assert (r["events"], r["n"]) == (3, 2)
    assert r["mean"] == pytest.approx(0.15) and r["median"] == pytest.approx(0.15) and r["hit_rate"] == 0.5
    # baseline: .5, 0, -.2, 1 -> mean .325, median .25, share > 0 = 2 of 4
    assert r["baseline_mean"] == pytest.approx(0.325) and r["baseline_median"] == pytest.approx(0.25)
    assert r["baseline_hit_rate"] == 0.5


def test_bearish_hit_is_a_fall(audited):
    r = row(audited, "bearish", 1)
    # b1: +.25 is not a fall -> hit rate 0; baseline share < 0: 1 of 5
    assert r["n"] == 1 and r["mean"] == pytest.approx(0.25) and r["hit_rate"] == 0
    assert r["baseline_hit_rate"] == pytest.approx(0.2)


def test_returns_table_and_range(audited, engine):
    ret = audited.returns
    assert len(ret) == 8  # 4 events x 2 horizons
    b4 = ret[(ret["timestamp"] == pd.Timestamp("2024-01-08", tz="UTC")) & (ret["horizon"] == 2)]
    assert math.isnan(b4["forward_return"].iloc[0])
    assert audited.symbols == ["AUD"]
    assert audited.table(horizon=1)["excess_mean"].is_monotonic_decreasing
    # a range ending on 2024-01-04 keeps events b0..b2 and a baseline of bars b0..b2 (returns may look past it)
    part = audit(engine_or_url=engine, patterns="X", horizons=(1,), start="2024-01-02", end="2024-01-04")
    r = part.summary[part.summary["direction"] == "bullish"].iloc[0]
    assert r["n"] == 2 and r["baseline_n"] == 3 and r["baseline_mean"] == pytest.approx((0.2 + 0.25 - 0.2) / 3)


def test_intraday_audit(engine):
    # 1-minute closes 10, 11, 12, 9, 9, 18 from 09:30 New York on 2024-03-11 (13:30 UTC, EDT);
    # a bullish event at 09:31: after 1 bar 12/11 - 1 = 1/11, after 2 bars 9/11 - 1 = -2/11
    from event_fixtures import add_minutes, intraday

    closes = [10, 11, 12, 9, 9, 18]
    rows = [(f"2024-03-11 09:3{i}", c, c, c, c, 100) for i, c in enumerate(closes)]
    add_minutes(engine, "AUDM", intraday(rows))
    with engine.begin() as conn:
        write_events(conn, detections([(pd.Timestamp("2024-03-11 13:31", tz="UTC"), "bullish")]),
                     symbol="AUDM", timeframe="1min")
    result = audit(engine_or_url=engine, symbols="AUDM", patterns="X", timeframe="1min", horizons=(1, 2),
                   start="2024-03-11", end="2024-03-11")
    s = result.summary.set_index("horizon")
    assert s.loc[1, "mean"] == pytest.approx(1 / 11) and s.loc[1, "hit_rate"] == 1
    assert s.loc[2, "mean"] == pytest.approx(-2 / 11) and s.loc[2, "hit_rate"] == 0
    # baseline after 1 bar: .1, 1/11, -.25, 0, 1 (five bars have a next bar)
    assert s.loc[1, "baseline_n"] == 5
    assert s.loc[1, "baseline_mean"] == pytest.approx((0.1 + 1 / 11 - 0.25 + 0 + 1) / 5)
