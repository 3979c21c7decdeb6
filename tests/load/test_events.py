"""Events and symbols reads."""
from __future__ import annotations

import json

import pytest

from tickstock_research.errors import UnknownSymbolError, UnknownTimeframeError

from . import seeding

EVENTS = [
    ("T1", "2024-03-08 14:31:00+00", "Doji", "1min", "neutral", 101.25),
    ("T1", "2024-03-08 15:00:00+00", "Hammer", "5min", "bullish", 99.5),
    ("T2", "2024-03-08 14:31:00+00", "Doji", "1min", "neutral", 55.125),
    ("T2", "2024-03-11 00:00:00+00", "MACrossover", "1d", "long", None),
]


@pytest.fixture(scope="module")
def with_events(seeded):
    conn = seeding.connect(seeded)
    with conn, conn.cursor() as cur:
        for sym, ts, pattern, tf, direction, price in EVENTS:
            details = {"pattern": pattern, "symbol": sym, "timestamp": ts, "price": price, "timeframe": tf,
                       "direction": direction, "parameters": {}, "metadata": {"k": 1}}
            cur.execute("INSERT INTO events (symbol, \"timestamp\", pattern, timeframe, direction, price, details) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s)", (sym, ts, pattern, tf, direction, price,
                                                                 json.dumps(details)))
    conn.close()
    return seeded


def test_events_filters(loader, with_events):
    allev = loader.events()
    assert len(allev) == 4 and allev.index.name == "timestamp" and str(allev.index.dtype).endswith("UTC]")
    assert allev["price"].dtype == "float64" and allev["details"].iloc[0]["metadata"] == {"k": 1}
    assert allev["symbol"].tolist() == ["T1", "T1", "T2", "T2"]
    assert len(loader.events("T1")) == 2
    assert loader.events(patterns="Doji")["symbol"].tolist() == ["T1", "T2"]
    assert loader.events(timeframe="5m")["pattern"].tolist() == ["Hammer"]
    assert loader.events(direction=["long", "bullish"])["pattern"].tolist() == ["Hammer", "MACrossover"]
    assert len(loader.events(start="2024-03-08 14:40", end="2024-03-10")) == 1
    empty = loader.events("T3")
    assert empty.empty and list(empty.columns) == list(allev.columns)
    with pytest.raises(UnknownSymbolError):
        loader.events("NOPE")
    with pytest.raises(UnknownTimeframeError):
        loader.events(timeframe="7min")


def test_symbols(loader):
    syms = loader.symbols()
    assert {"AAA", "T1"} <= set(syms["symbol"]) and syms["symbol"].is_monotonic_increasing
    assert loader.symbols(market="crypto").empty
    assert len(loader.symbols(active=True)) == len(syms)
