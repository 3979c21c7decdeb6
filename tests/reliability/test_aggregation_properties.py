"""Property-based checks of the aggregation invariants, end to end through the database:
random trades over a whole US trading day (pre-market to after-hours) are loaded with
``load_ticks``, then ``build_minute_bars`` and ``build_daily_bars(session="regular")`` run.

The second implementation here is deliberately plain: the regular session is 09:30-16:00
New York time (13:00 on the early closes listed below), computed with zoneinfo, not with the
kit's calendar. tests/aggregate already compares minute bars with BarBuilder on short windows
and checks volume over whole UTC days; this adds sessions (DST changes, early closes) and the
regular-session daily bar.
"""
from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tickstock_research.aggregate import build_daily_bars, build_minute_bars
from tickstock_research.db.engine import get_engine
from tickstock_research.ingest import load_ticks

NY = ZoneInfo("America/New_York")
#: session dates: ordinary days, both 2024 DST changes, and early closes (13:00)
DAYS = {"2024-01-03": 16, "2024-03-11": 16, "2024-11-04": 16, "2024-06-12": 16,
        "2024-07-03": 13, "2024-11-29": 13, "2024-12-24": 13}
_counter = itertools.count()

trade = st.tuples(st.integers(0, 16 * 3600 - 1),      # seconds after 04:00 New York
                  st.integers(1, 2_000_000),          # price in cents
                  st.integers(1, 10_000))             # size


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.sampled_from(sorted(DAYS)),
       trades=st.lists(trade, min_size=1, max_size=80, unique_by=lambda t: t[0]))
def test_bars_from_random_trades_keep_the_invariants(database_url, day, trades):
    sym = f"P{next(_counter)}"
    d = dt.date.fromisoformat(day)
    start = dt.datetime.combine(d, dt.time(4, 0), NY)
    ts = [pd.Timestamp(start + dt.timedelta(seconds=s)).tz_convert("UTC") for s, _, _ in trades]
    frame = pd.DataFrame({"symbol": sym, "timestamp": ts, "price": [c / 100 for _, c, _ in trades],
                          "volume": [v for *_, v in trades]})
    report = load_ticks(frame, engine_or_url=database_url, progress=False)
    assert report.inserted == len(frame)
    build_minute_bars(f"{day}T00:00:00Z", f"{d + dt.timedelta(days=1)}T06:00:00Z", symbols=[sym],
                      engine_or_url=database_url)
    build_daily_bars(day, day, symbols=[sym], session="regular", engine_or_url=database_url)
    with get_engine(database_url).connect() as conn:
        mins = pd.read_sql(text('select * from ohlcv_1min where symbol = :s order by "timestamp"'), conn, params={"s": sym})
        daily = pd.read_sql(text("select * from ohlcv_daily where symbol = :s"), conn, params={"s": sym})

    for f in (mins, daily):
        assert (f["low"] <= f["open"]).all() and (f["open"] <= f["high"]).all()
        assert (f["low"] <= f["close"]).all() and (f["close"] <= f["high"]).all()
    # ticks -> minutes: every trade in exactly one minute
    assert int(mins["volume"].sum()) == int(frame["volume"].sum())
    assert int(mins["trade_count"].sum()) == len(frame)
    assert len(mins) == frame["timestamp"].dt.floor("min").nunique()

    # the regular session by hand
    open_ = pd.Timestamp(dt.datetime.combine(d, dt.time(9, 30), NY)).tz_convert("UTC")
    close = pd.Timestamp(dt.datetime.combine(d, dt.time(DAYS[day], 0), NY)).tz_convert("UTC")
    minutes_in_session = int((close - open_) / pd.Timedelta(minutes=1))
    assert minutes_in_session == (390 if DAYS[day] == 16 else 210)
    mts = pd.to_datetime(mins["timestamp"], utc=True)
    regular_minutes = mins[(mts >= open_) & (mts < close)]
    assert len(regular_minutes) <= minutes_in_session
    reg = frame[(frame["timestamp"] >= open_) & (frame["timestamp"] < close)].sort_values("timestamp")
    if reg.empty:
        assert daily.empty
        return
    # minutes -> day: the daily bar is the regular session's trades, nothing else
    assert len(daily) == 1
    bar = daily.iloc[0]
    assert str(bar["date"])[:10] == day
    assert int(bar["volume"]) == int(reg["volume"].sum()) == int(regular_minutes["volume"].sum())
    assert int(bar["trade_count"]) == len(reg)
    assert float(bar["open"]) == reg["price"].iloc[0] and float(bar["close"]) == reg["price"].iloc[-1]
    assert float(bar["high"]) == reg["price"].max() and float(bar["low"]) == reg["price"].min()
