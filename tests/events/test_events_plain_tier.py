"""The scanner and the writer on the plain-PostgreSQL tier (no TimescaleDB)."""
from __future__ import annotations

from event_fixtures import add_daily, daily

from tickstock_research.events import audit, query_events, scan

BARS = daily([(10, 11, 9, 10), (10, 12, 9.5, 11.5), (11, 12, 10, 11), (10, 10.75, 8, 10.5), (10.5, 11, 10, 10.6)])


def test_scan_and_audit_on_plain_postgres(plain_engine):
    add_daily(plain_engine, "PLN", BARS)
    first = scan("PLN", patterns=["Doji", "Hammer"], engine_or_url=plain_engine)
    again = scan("PLN", patterns=["Doji", "Hammer"], engine_or_url=plain_engine)
    assert (first.inserted, again.inserted, again.updated, again.unchanged) == (3, 0, 0, 3)
    assert list(query_events(engine_or_url=plain_engine, symbols="PLN")["pattern"]) == ["Doji", "Doji", "Hammer"]
    # Doji at bar 0 (close 10 -> 11.5 next bar: +15%) and bar 2 (11 -> 10.5: -1/22)
    s = audit(engine_or_url=plain_engine, patterns="Doji", horizons=(1,)).summary.iloc[0]
    assert s["n"] == 2 and abs(s["mean"] - (0.15 - 1 / 22) / 2) < 1e-12
