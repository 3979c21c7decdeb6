"""BarBuilder agrees with the SQL minute build under both rule sets (hypothesis), through both
of its entry points: live messages in a shuffled arrival order (``add``) and a ``ticks``
DataFrame (``add_ticks``). A database records one rule set, so each rule set has its own."""
from __future__ import annotations

import itertools

import pandas as pd
import pytest
from aggseed import execute, fetch, seed_symbols, seed_ticks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_realtime import MINUTES_SQL, stream_frame, trade

from tickstock_research.aggregate import BarBuilder, build_minute_bars

_counter = itertools.count()
RULE_SETS = ("consolidated", "all-trades")


@pytest.fixture(scope="module")
def rule_urls(new_database):
    urls = {}
    for rs in RULE_SETS:
        url = new_database("timescale", label="rules_" + rs.replace("-", "_"))
        seed_symbols(url, [f"P{i:03d}" for i in range(100)])
        urls[rs] = url
    return urls


def _same(live: pd.DataFrame, sql: pd.DataFrame) -> None:
    assert len(live) == len(sql)
    for (_, g), (_, w) in zip(live.iterrows(), sql.iterrows()):
        assert g["timestamp"] == pd.Timestamp(w["timestamp"])
        assert [g["open"], g["high"], g["low"], g["close"]] == [w["open"], w["high"], w["low"], w["close"]]
        assert (g["volume"], g["trade_count"]) == (w["volume"], w["trade_count"])
        if w["vwap"] is None:
            assert g["vwap"] is None or pd.isna(g["vwap"])
        else:
            assert float(g["vwap"]) == pytest.approx(float(w["vwap"]), rel=1e-14)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule_set=st.sampled_from(RULE_SETS), trades=st.lists(trade, min_size=1, max_size=50),
       base=st.integers(0, 86_400 - 240), data=st.data())
def test_barbuilder_agrees_with_sql_under_each_rule_set(rule_urls, rule_set, trades, base, data):
    url = rule_urls[rule_set]
    sym = f"P{next(_counter) % 100:03d}"
    t0 = pd.Timestamp("2024-03-12", tz="UTC") + pd.Timedelta(seconds=base)
    frame = stream_frame(sym, t0, trades)
    execute(url, "DELETE FROM ticks WHERE symbol = %s", (sym,))
    execute(url, "DELETE FROM ohlcv_1min WHERE symbol = %s", (sym,))
    seed_ticks(url, frame.assign(price=frame["price"].astype(str)))
    build_minute_bars(t0 - pd.Timedelta(minutes=1), t0 + pd.Timedelta(minutes=6), symbols=[sym],
                      engine_or_url=url, rule_set=rule_set)
    sql = fetch(url, MINUTES_SQL, (sym,))

    live = BarBuilder(lateness="1h", rule_set=rule_set)
    for i in data.draw(st.permutations(range(len(frame)))):      # arrival order shuffled
        r = frame.iloc[i]
        live.add({"sym": sym, "p": r["price"], "s": int(r["volume"]), "t": r["timestamp"],
                  "q": None if pd.isna(r["sequence_number"]) else int(r["sequence_number"]),
                  "i": r["trade_id"], "correction": int(r["correction"]), "c": r["conditions"]})
    _same(pd.DataFrame(live.flush()), sql)

    batch = BarBuilder(lateness="1h", rule_set=rule_set)
    batch.add_ticks(frame)
    _same(pd.DataFrame(batch.flush()), sql)
