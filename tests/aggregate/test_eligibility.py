"""Bars by trade eligibility: hand-worked golden minutes (tests/data/aggregate/eligibility, the
``note`` column says why each trade does what) under both rule sets, from the SQL path and
from BarBuilder; the rule set is recorded and a second one refused; the table's own checks."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from aggseed import fetch, seed_symbols, seed_ticks
from conftest import GOLDEN

from tickstock_research.aggregate import BarBuilder, build_minute_bars
from tickstock_research.aggregate.eligibility import condition_table, rules
from tickstock_research.errors import ConfigurationError, ValidationError

DATA = GOLDEN / "eligibility"
MINUTES_SQL = ("SELECT symbol, \"timestamp\", open, high, low, close, volume, vwap, trade_count FROM ohlcv_1min "
               "WHERE symbol = 'ELG' ORDER BY \"timestamp\"")
FILES = {"consolidated": "minutes_consolidated.csv", "all-trades": "minutes_all_trades.csv"}


def ticks() -> pd.DataFrame:
    f = pd.read_csv(DATA / "ticks.csv", dtype={"price": str, "trade_id": str, "conditions": str,
                                               "sequence_number": "Int64"}, keep_default_na=False,
                    na_values={"sequence_number": [""]})
    f["timestamp"] = pd.to_datetime(f["timestamp"], utc=True)
    f["conditions"] = [[int(c) for c in s.split()] if s else None for s in f["conditions"]]
    return f.drop(columns="note")


def check(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert len(got) == len(want), (got, want)
    for (_, g), (_, w) in zip(got.iterrows(), want.iterrows()):
        assert pd.Timestamp(g["timestamp"]) == pd.Timestamp(w["timestamp"])
        assert [Decimal(str(g[c])) for c in ("open", "high", "low", "close")] == \
            [Decimal(w[c]) for c in ("open", "high", "low", "close")], w["timestamp"]
        assert (int(g["volume"]), int(g["trade_count"])) == (int(w["volume"]), int(w["trade_count"]))
        assert float(g["vwap"]) == pytest.approx(float(w["vwap"]), rel=1e-12)


@pytest.mark.parametrize("rule_set", ["consolidated", "all-trades"])
def test_golden_minutes_from_sql_under_each_rule_set(new_database, rule_set):
    url = new_database("timescale", label="elig")
    seed_symbols(url, ["ELG"])
    seed_ticks(url, ticks())
    kwargs = {} if rule_set == "consolidated" else {"rule_set": rule_set}     # consolidated is the default
    build_minute_bars("2024-06-03", "2024-06-03", ["ELG"], engine_or_url=url, **kwargs)
    check(fetch(url, MINUTES_SQL), pd.read_csv(DATA / FILES[rule_set], dtype=str))
    other = "all-trades" if rule_set == "consolidated" else "consolidated"
    with pytest.raises(ConfigurationError, match="mix two rule sets"):
        build_minute_bars("2024-06-03", "2024-06-03", ["ELG"], engine_or_url=url, rule_set=other)
    build_minute_bars("2024-06-03", "2024-06-03", ["ELG"], engine_or_url=url)               # re-run: the recorded rules
    check(fetch(url, MINUTES_SQL), pd.read_csv(DATA / FILES[rule_set], dtype=str))


@pytest.mark.parametrize("rule_set", ["consolidated", "all-trades"])
def test_golden_minutes_from_barbuilder_under_each_rule_set(rule_set):
    f = ticks()
    f["price"] = f["price"].map(Decimal)
    b = BarBuilder(rule_set=rule_set)
    out = b.add_ticks(f) + b.flush()
    check(pd.DataFrame(out), pd.read_csv(DATA / FILES[rule_set], dtype=str))
    live, emitted = BarBuilder(rule_set=rule_set), []                          # the live-feed dict path
    for r in f.itertuples():
        emitted += live.add({"sym": r.symbol, "p": r.price, "s": r.volume, "t": r.timestamp, "q": r.sequence_number,
                  "i": r.trade_id, "correction": r.correction, "c": r.conditions})
    check(pd.DataFrame(emitted + live.flush()), pd.read_csv(DATA / FILES[rule_set], dtype=str))


def test_rules_from_the_table():
    minute, daily = rules("consolidated", "minute"), rules("consolidated", "daily")
    assert 12 not in minute.no_high_low and 12 in daily.no_high_low         # Form T: minute bars only
    assert {2, 7, 37} <= set(daily.no_last) and {15, 16, 38} == set(daily.no_volume)
    assert 22 in daily.first_last and daily.corrections == (0, 1)
    assert daily.flags([14, 41]) == (True, True, False, True)               # 41 is not a sale condition
    assert daily.flags([22, 37]) == (False, False, False, True)             # "no" takes precedence
    assert daily.flags(None, correction=8) is None
    assert len({r["code"] for r in condition_table()}) == len(condition_table())
    with pytest.raises(ValidationError, match="consolidated, all-trades; got 'vendor'"):
        rules("vendor")
