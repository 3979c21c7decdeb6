"""BarBuilder against the SQL path (golden files and a randomized stream), invariants, DataBlender."""
from __future__ import annotations

import itertools
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from aggseed import fetch, random_ticks, seed_symbols, seed_ticks
from conftest import GOLDEN, golden_ticks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tickstock_research.aggregate import BarBuilder, DataBlender, build_minute_bars, resample_bars, run_rollup

MINUTES_SQL = ("SELECT \"timestamp\", open, high, low, close, volume, vwap, trade_count FROM ohlcv_1min "
               "WHERE symbol = %s ORDER BY \"timestamp\"")


def test_barbuilder_matches_golden_minutes():
    ticks = golden_ticks()
    ticks["price"] = ticks["price"].map(Decimal)
    b = BarBuilder()
    emitted = b.add_ticks(ticks)
    emitted += b.flush()
    got = pd.DataFrame(emitted)
    want = pd.read_csv(GOLDEN / "golden_minutes.csv", dtype=str)
    assert len(got) == len(want)
    got = got.sort_values(["symbol", "timestamp"], ignore_index=True)
    for (_, g), (_, w) in zip(got.iterrows(), want.iterrows()):
        assert (g["symbol"], g["timestamp"]) == (w["symbol"], pd.Timestamp(w["timestamp"]))
        assert [g[c] for c in ("open", "high", "low", "close")] == [Decimal(w[c]) for c in ("open", "high", "low", "close")]
        assert (g["volume"], g["trade_count"]) == (int(w["volume"]), int(w["trade_count"]))
        assert float(g["vwap"]) == pytest.approx(float(w["vwap"]), rel=1e-12)


def test_barbuilder_live_messages_emit_completed_minutes():
    seen = []
    b = BarBuilder(on_bar=seen.append)
    t0 = int(pd.Timestamp("2024-03-11 13:30", tz="UTC").value // 1_000_000)   # ms, as the live feed sends
    assert b.add({"sym": "X", "p": 10.0, "s": 5, "t": t0}) == []
    assert b.add({"sym": "X", "p": 11.0, "s": 5, "t": t0 + 30_000, "i": "2"}) == []
    assert b.add({"sym": "X", "p": 99.0, "s": 5, "t": t0 + 31_000, "correction": 8}) == []
    out = b.add({"sym": "Y", "p": 1.0, "s": 1, "t": t0 + 60_000})             # the clock moves on
    assert len(out) == 1 and out[0]["close"] == 11.0 and out[0]["volume"] == 10 and seen == out
    b.add({"sym": "X", "p": 12.0, "s": 1, "t": t0 + 1_000})                    # too late for a published bar
    assert len(b.late) == 1 and len(b.bars) == 1
    assert len(b.open_bars()) == 1 and b.flush()[0]["symbol"] == "Y"


# ------------------------------------------------------------------------------- randomized stream
_counter = itertools.count()
_ALPHABET = "aAbB0_-z"

trade = st.tuples(
    st.integers(0, 4 * 60 * 1_000_000 - 1),                 # microseconds into a 4-minute window
    st.integers(1, 500_000),                                 # price in 1/10000
    st.integers(0, 1000),                                    # size
    st.one_of(st.none(), st.integers(0, 5)),                 # sequence number (ties and gaps)
    st.text(_ALPHABET, min_size=1, max_size=3),              # trade id prefix (collation order)
    st.sampled_from([0, 0, 0, 0, 1, 8, 12]),                 # correction indicator (1 counts, 8/12 do not)
    st.sampled_from([None, None, [], [37], [12], [13], [22], [2], [15], [38], [14, 41], [22, 37], [10, 32]]),
)


@pytest.fixture(scope="module")
def stream_url(tier_url):
    seed_symbols(tier_url, [f"R{i:03d}" for i in range(200)])
    return tier_url


def stream_frame(sym: str, t0: pd.Timestamp, trades: list) -> pd.DataFrame:
    """The ``trade`` strategy's draws as rows in the ``ticks`` layout, from ``t0`` on."""
    return pd.DataFrame({
        "symbol": sym,
        "timestamp": [t0 + pd.Timedelta(microseconds=us) for us, *_ in trades],
        "price": [Decimal(p) / 10000 for _, p, *_ in trades],
        "volume": [s for _, _, s, *_ in trades],
        "sequence_number": pd.array([q for *_, q, _, _, _ in trades], dtype="Int64"),
        "trade_id": [f"{pfx}{i}" for i, (*_, pfx, _, _) in enumerate(trades)],
        "correction": [c for *_, c, _ in trades],
        "conditions": [k for *_, k in trades],
    })


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(trades=st.lists(trade, min_size=1, max_size=60), base=st.integers(0, 86_400 - 240), data=st.data())
def test_barbuilder_agrees_with_sql_on_random_streams(stream_url, trades, base, data):
    """Under the default ``consolidated`` rules, with random sale conditions and corrections."""
    sym = f"R{next(_counter) % 200:03d}"
    t0 = pd.Timestamp("2024-03-10", tz="UTC") + pd.Timedelta(seconds=base)
    frame = stream_frame(sym, t0, trades)
    from aggseed import execute
    execute(stream_url, "DELETE FROM ticks WHERE symbol = %s", (sym,))
    execute(stream_url, "DELETE FROM ohlcv_1min WHERE symbol = %s", (sym,))   # a reused symbol's old window
    seed_ticks(stream_url, frame.assign(price=frame["price"].astype(str)))
    build_minute_bars(t0 - pd.Timedelta(minutes=1), t0 + pd.Timedelta(minutes=6), symbols=[sym], engine_or_url=stream_url)
    sql = fetch(stream_url, MINUTES_SQL, (sym,))
    order = data.draw(st.permutations(range(len(frame))))
    b = BarBuilder(lateness="1h")                                 # arrival order is shuffled
    for i in order:
        r = frame.iloc[i]
        b.add({"sym": sym, "p": r["price"], "s": int(r["volume"]), "t": r["timestamp"],
               "q": None if pd.isna(r["sequence_number"]) else int(r["sequence_number"]),
               "i": r["trade_id"], "correction": int(r["correction"]), "c": r["conditions"]})
    live = pd.DataFrame(b.flush())
    assert len(live) == len(sql)
    for (_, g), (_, w) in zip(live.iterrows(), sql.iterrows()):
        assert g["timestamp"] == pd.Timestamp(w["timestamp"])
        assert [g["open"], g["high"], g["low"], g["close"]] == [w["open"], w["high"], w["low"], w["close"]]
        assert (g["volume"], g["trade_count"]) == (w["volume"], w["trade_count"])
        if w["vwap"] is None:
            assert g["vwap"] is None or pd.isna(g["vwap"])
        else:
            assert float(g["vwap"]) == pytest.approx(float(w["vwap"]), rel=1e-14)
        assert w["low"] <= w["open"] <= w["high"] and w["low"] <= w["close"] <= w["high"]


def test_volume_is_conserved_ticks_to_minutes_to_days(fresh_tier_url):
    tier_url = fresh_tier_url     # all-hours daily bars: a database of their own
    syms = [f"V{i}" for i in range(5)]
    seed_symbols(tier_url, syms)
    ticks = pd.concat([random_ticks(syms, d, 20_000, seed=i) for i, d in
                       enumerate(["2024-03-08", "2024-03-11", "2024-11-29"])], ignore_index=True)
    ticks["correction"] = np.where(np.arange(len(ticks)) % 97 == 0, 8, 0)
    seed_ticks(tier_url, ticks.assign(price=ticks["price"].map(lambda p: f"{p:.2f}")))
    report = run_rollup(engine_or_url=tier_url, session="all", symbols=syms)
    valid = ticks[ticks["correction"] == 0]
    mins = fetch(tier_url, "SELECT * FROM ohlcv_1min WHERE symbol LIKE 'V%%'")
    days = fetch(tier_url, "SELECT * FROM ohlcv_daily WHERE symbol LIKE 'V%%'")
    assert report.minutes.inputs == len(valid)
    assert int(mins["volume"].sum()) == int(valid["volume"].sum()) == int(days["volume"].sum())
    assert int(days["trade_count"].sum()) == len(valid)
    # pandas as the second implementation of the minute bars
    v = valid.assign(minute=valid["timestamp"].dt.floor("min")).sort_values(["symbol", "timestamp", "sequence_number"])
    pd_bars = v.groupby(["symbol", "minute"]).agg(open=("price", "first"), close=("price", "last"),
                                                  high=("price", "max"), low=("price", "min"), volume=("volume", "sum"))
    m = mins.set_index(["symbol", "timestamp"]).sort_index()
    assert len(m) == len(pd_bars)
    for c in ("open", "close", "high", "low"):
        assert np.allclose(m[c].astype(float).to_numpy(), pd_bars[c].to_numpy())
    for frame in (mins, days):
        assert (frame["low"] <= frame["open"]).all() and (frame["open"] <= frame["high"]).all()
        assert (frame["low"] <= frame["close"]).all() and (frame["close"] <= frame["high"]).all()


# ------------------------------------------------------------------------------- DataBlender
def _minute_ticks(sym, start, end, size, price0):
    ts = pd.date_range(start, end, freq="min", inclusive="left", tz="UTC") + pd.Timedelta(seconds=10)
    return pd.DataFrame({"symbol": sym, "timestamp": ts, "price": price0 + np.arange(len(ts)) * 0.01,
                         "volume": size, "trade_id": [f"x{i}" for i in range(len(ts))]})


@pytest.fixture(scope="module")
def blend_url(tier_url):
    seed_symbols(tier_url, ["BLD"])
    hist = pd.concat([_minute_ticks("BLD", "2024-03-11 13:30", "2024-03-11 20:00", 10, 100.0),   # full day
                      _minute_ticks("BLD", "2024-03-12 13:30", "2024-03-12 15:00", 10, 101.0)],  # partial day
                     ignore_index=True)
    seed_ticks(tier_url, hist.assign(price=hist["price"].map(lambda p: f"{p:.2f}")))
    run_rollup(engine_or_url=tier_url, symbols=["BLD"])
    return tier_url


def _live():
    return _minute_ticks("BLD", "2024-03-12 14:30", "2024-03-12 16:00", 20, 200.0)


def test_blender_daily_does_not_double_count_the_partial_day(blend_url):
    stored = fetch(blend_url, "SELECT date, volume FROM ohlcv_daily WHERE symbol = 'BLD' ORDER BY date")
    assert list(stored["volume"]) == [3900, 900]              # the stored 2024-03-12 bar is partial
    blend = DataBlender("BLD", "1d", start="2024-03-11", engine_or_url=blend_url)
    blend.add_ticks(_live())
    day = blend.frame("BLD")
    assert [d.strftime("%Y-%m-%d") for d in day.index] == ["2024-03-11", "2024-03-12"]   # as the loader: DatetimeIndex "date"
    # history before the seam (13:30-14:29: 60 minutes x 10) + live from the seam (90 minutes x 20)
    assert list(day["volume"]) == [3900, 600 + 1800]
    assert day.iloc[1]["open"] == pytest.approx(101.0) and day.iloc[1]["close"] == pytest.approx(200.89)


def test_blender_intraday_has_no_gap_or_duplicate_at_the_seam(blend_url):
    blend = DataBlender(["BLD"], "5min", start="2024-03-12", engine_or_url=blend_url)
    blend.add_ticks(_live())
    got = blend.frame("BLD")
    assert got.index.is_unique and got.index.is_monotonic_increasing
    # pandas as the second implementation: the minutes we expect, resampled
    hist = _minute_ticks("BLD", "2024-03-12 13:30", "2024-03-12 14:30", 10, 101.0)
    minutes = pd.concat([hist, _live()], ignore_index=True)
    minutes["timestamp"] = minutes["timestamp"].dt.floor("min")
    want = (minutes.set_index("timestamp").resample("5min", origin=pd.Timestamp("2024-03-12 13:30", tz="UTC"))
            .agg({"price": ["first", "max", "min", "last"], "volume": "sum"}))
    want.columns = ["open", "high", "low", "close", "volume"]
    assert list(got.index) == list(want.index)
    assert np.allclose(got[["open", "high", "low", "close"]].to_numpy(float), want[["open", "high", "low", "close"]].to_numpy(float))
    assert list(got["volume"]) == list(want["volume"])
    assert got.loc[pd.Timestamp("2024-03-12 14:25", tz="UTC"), "volume"] == 50
    assert got.loc[pd.Timestamp("2024-03-12 14:30", tz="UTC"), "volume"] == 100


def test_blender_accepts_live_minute_aggregates(blend_url):
    blend = DataBlender("BLD", "1h", start="2024-03-12", engine_or_url=blend_url)
    s = int(pd.Timestamp("2024-03-12 15:00", tz="UTC").value // 1_000_000)
    blend.add_bars([{"sym": "BLD", "o": 5.0, "h": 6.0, "l": 4.0, "c": 5.5, "v": 1000, "s": s, "e": s + 60_000}])
    got = blend.frame("BLD")
    # 1h buckets from the 09:30 EDT open: 13:30 (60 stored minutes), 14:30 (30 stored minutes), 15:00 live minute is in 14:30
    assert list(got.index) == [pd.Timestamp("2024-03-12 13:30", tz="UTC"), pd.Timestamp("2024-03-12 14:30", tz="UTC")]
    assert list(got["volume"]) == [600, 300 + 1000]


def test_resample_bars_daily_uses_session_dates():
    ts = pd.DatetimeIndex(["2024-03-08 20:59", "2024-03-09 00:30", "2024-03-11 13:30"], tz="UTC")
    f = pd.DataFrame({"timestamp": ts, "open": 1.0, "high": 2.0, "low": 0.5, "close": 1.5, "volume": [1, 2, 4],
                      "vwap": 1.2, "trade_count": 1})
    reg = resample_bars(f, "1d", "XNYS", "regular")
    ext = resample_bars(f, "1d", "XNYS", "extended")
    assert [str(d) for d in reg.index] == ["2024-03-08", "2024-03-11"] and list(reg["volume"]) == [1, 4]
    assert list(ext["volume"]) == [3, 4]
