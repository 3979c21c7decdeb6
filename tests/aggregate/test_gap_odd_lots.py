"""The gap check counts as missing only minutes without any trade that counts: under the
consolidated rules a minute holding only odd lots has no bar (no trade may set its price) but
was traded, so it is not a gap; a minute with no trade at all is."""
from __future__ import annotations

import pandas as pd
from aggseed import seed_symbols, seed_ticks

from tickstock_research.aggregate import build_daily_bars, build_minute_bars, gap_report

DAY = "2024-06-03"                       # a Monday; regular session 13:30-20:00 UTC (EDT)
ODD_LOTS = pd.Timestamp("2024-06-03 13:40", tz="UTC")
EMPTY = pd.Timestamp("2024-06-03 13:45", tz="UTC")


def session_ticks() -> pd.DataFrame:
    minutes = pd.date_range("2024-06-03 13:30", "2024-06-03 19:59", freq="1min", tz="UTC")
    assert len(minutes) == 390
    rows = []
    for m in minutes:
        if m == EMPTY:
            continue
        odd = m == ODD_LOTS
        for k in range(2):
            rows.append({"symbol": "GAP", "timestamp": m + pd.Timedelta(seconds=10 + 20 * k),
                         "price": "100.25" if not odd else "99.00", "volume": 100 if not odd else 7,
                         "conditions": [37] if odd else None})
    return pd.DataFrame(rows)


def test_odd_lot_minute_is_not_a_gap_a_minute_without_trades_is(new_database):
    url = new_database("timescale", label="gapodd")
    seed_symbols(url, ["GAP"])
    seed_ticks(url, session_ticks())
    build_minute_bars(DAY, DAY, ["GAP"], engine_or_url=url)        # consolidated (default)
    build_daily_bars(DAY, DAY, ["GAP"], engine_or_url=url)
    gaps = gap_report(DAY, DAY, symbols="GAP", engine_or_url=url)
    missing = gaps[gaps["kind"] == "missing_minutes"]
    assert len(missing) == 1, gaps
    r = missing.iloc[0]
    # 388 bars (odd-lot minute has none) + 1 traded odd-lot minute = 389 of 390; the empty minute is missing
    assert (r["expected_minutes"], r["present_minutes"], r["missing_minutes"]) == (390, 389, 1)
