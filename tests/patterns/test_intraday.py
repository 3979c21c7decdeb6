"""HighOfDay, LowOfDay and Day1Breakout on hand-built 1-minute bars in exchange time.

2024-03-08 is a Friday in EST (New York = UTC-5, open 14:30 UTC); 2024-03-11 is the Monday after
the switch to EDT (UTC-4, open 13:30 UTC): a raw-UTC-hours implementation would get one of them
wrong. 2024-07-01 is in EDT.
"""
from __future__ import annotations

import pytest
from pattern_frames import daily, intraday

from tickstock_research.errors import PatternError
from tickstock_research.patterns import all_patterns, get_pattern

SESSION_BARS = [
    # New York time        open  high  low   close vol
    ("2024-03-08 09:29", 10, 200, 1, 10, 100),   # pre-market: ignored (would set a huge high and low)
    ("2024-03-08 09:30", 10, 10, 9, 10, 100),    # first regular bar: sets high 10 / low 9, no detection
    ("2024-03-08 09:31", 10, 11, 9.5, 10, 100),  # high 11 > 10 -> HighOfDay
    ("2024-03-08 09:32", 10, 10.5, 8.5, 10, 100),  # high 10.5 <= 11; low 8.5 < 9 -> LowOfDay
    ("2024-03-08 09:33", 10, 11, 8.5, 10, 100),  # high 11 = 11, low 8.5 = 8.5 -> neither
    ("2024-03-08 09:34", 10, 11.5, 9, 10, 100),  # high 11.5 > 11 -> HighOfDay
    ("2024-03-08 16:00", 10, 50, 0.5, 10, 100),  # after the close: ignored
    ("2024-03-11 09:29", 10, 100, 0.1, 10, 100),  # pre-market (13:29 UTC): ignored
    ("2024-03-11 09:30", 5, 5, 4, 5, 100),       # first bar of a new session: no detection
    ("2024-03-11 09:31", 5, 6, 4, 5, 100),       # high 6 > 5 -> HighOfDay; low 4 = 4 -> no
    ("2024-03-11 09:32", 5, 5.5, 3, 5, 100),     # low 3 < 4 -> LowOfDay
]


def ny(frame, det):
    return [t.tz_convert("America/New_York").strftime("%Y-%m-%d %H:%M") for t in det["timestamp"]]


def test_high_and_low_of_day():
    frame = intraday(SESSION_BARS)
    hod = get_pattern("HighOfDay").detect(frame, "1min")
    lod = get_pattern("LowOfDay").detect(frame, "1min")
    assert ny(frame, hod) == ["2024-03-08 09:31", "2024-03-08 09:34", "2024-03-11 09:31"]
    assert ny(frame, lod) == ["2024-03-08 09:32", "2024-03-11 09:32"]
    assert [m["previous_high"] for m in hod["metadata"]] == [10, 11, 5]
    assert [m["previous_low"] for m in lod["metadata"]] == [9, 4]
    assert set(hod["direction"]) == {"bullish"} and set(lod["direction"]) == {"bearish"}
    # the timeframe is inferred from the bar spacing (1min) when not given
    assert len(get_pattern("HighOfDay").detect(frame)) == 3


BREAKOUT_BARS = [
    # consolidation=3, volume_window=4 (this bar included), multiple 1.5, active [09:00, 12:00)
    ("2024-07-01 08:56", 9.5, 10, 9, 9.5, 100),
    ("2024-07-01 08:57", 9.5, 10, 9, 9.5, 100),
    ("2024-07-01 08:58", 9.5, 10, 9, 9.5, 100),
    # 08:59: close 10.2 > max high 10 and 400 > 1.5 * (100+100+100+400)/4 = 262.5, but inactive
    ("2024-07-01 08:59", 9.5, 10.5, 9, 10.2, 400),
    # 09:00: close 10.6 > max(10, 10, 10.5) = 10.5; avg (100+100+400+800)/4 = 350, 800 > 525 -> long
    ("2024-07-01 09:00", 10.2, 10.6, 9, 10.6, 800),
    # 09:01: close 8.5 < min low 9, but avg (100+400+800+100)/4 = 350 and 100 < 525 -> nothing
    ("2024-07-01 09:01", 10.6, 10.6, 8, 8.5, 100),
    # 11:59: close 7.9 < min(9, 9, 8) = 8; avg (400+800+100+1500)/4 = 700, 1500 > 1050 -> short
    ("2024-07-01 11:59", 8.5, 9, 7.5, 7.9, 1500),
    # 12:00: close 6 < 7.5, avg (800+100+1500+3000)/4 = 1350, 3000 > 2025, but 12:00 is not active
    ("2024-07-01 12:00", 7.9, 7.9, 6, 6, 3000),
]


def test_day1_breakout_by_hand():
    frame = intraday(BREAKOUT_BARS)
    det = get_pattern("Day1Breakout", consolidation=3, volume_window=4).detect(frame, "1min")
    assert ny(frame, det) == ["2024-07-01 09:00", "2024-07-01 11:59"]
    assert list(det["direction"]) == ["long", "short"]
    assert det["timestamp"].iloc[0] == frame.index[4]  # 13:00 UTC in EDT
    meta = det["metadata"].iloc[0]
    assert (meta["range_high"], meta["volume_average"]) == (10.5, 350)
    assert meta["volume_multiple"] == pytest.approx(800 / 350)
    assert det["metadata"].iloc[1]["range_low"] == 8


def test_day1_breakout_timeframes():
    frame = intraday(BREAKOUT_BARS)
    p = get_pattern("Day1Breakout")
    assert p.accepts("1min") and p.accepts("5min") and not p.accepts("15min")
    with pytest.raises(PatternError, match="accepts 1min, 5min"):
        p.detect(frame, "15min")


@pytest.mark.parametrize("name", ["HighOfDay", "LowOfDay", "Day1Breakout"])
def test_intraday_only_patterns_refuse_daily_frames(name):
    frame = daily([(10, 11, 9, 10)] * 5)
    with pytest.raises(PatternError, match="intraday-only"):
        get_pattern(name).detect(frame)
    with pytest.raises(PatternError, match="intraday-only"):
        get_pattern(name).detect(intraday(BREAKOUT_BARS), "1d")
    assert name not in [p.name for p in all_patterns("1d")]
    assert name in [p.name for p in all_patterns("1min")]
