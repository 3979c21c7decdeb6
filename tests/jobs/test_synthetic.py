"""The synthetic market: deterministic, on the real XNYS calendar, with what it claims to plant.

Expected values come from pandas reading the written files and from the exchange calendar,
never from the generator's own bookkeeping alone."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

import pandas as pd
import pytest
from jobs_helpers import read_trades

from tickstock_research.jobs.synthetic import TRADE_COLUMNS, generate_market

NY = "America/New_York"


@pytest.fixture(scope="module")
def thanksgiving(tmp_path_factory):
    """Eight sessions around Thanksgiving 2024: a holiday (11-28), an early close (11-29), and
    sessions on both sides of nothing else special; small liquidity."""
    return generate_market(tmp_path_factory.mktemp("tg"), seed=3, symbols=4, days=8, end="2024-12-04",
                           liquidity=0.2)


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(thanksgiving, tmp_path):
    again = generate_market(tmp_path / "a", seed=3, symbols=4, days=8, end="2024-12-04", liquidity=0.2)
    assert [_sha(p) for p in again.files] == [_sha(p) for p in thanksgiving.files]
    other = generate_market(tmp_path / "b", seed=4, symbols=4, days=8, end="2024-12-04", liquidity=0.2)
    assert _sha(other.files[-1]) != _sha(thanksgiving.files[-1])


def test_files_follow_the_exchange_calendar(thanksgiving):
    names = [p.name for p in thanksgiving.files]
    assert names == ["2024-11-22.csv.gz", "2024-11-25.csv.gz", "2024-11-26.csv.gz", "2024-11-27.csv.gz",
                     "2024-11-29.csv.gz", "2024-12-02.csv.gz", "2024-12-03.csv.gz", "2024-12-04.csv.gz"]
    assert thanksgiving.early_closes == [dt.date(2024, 11, 29)]
    tickers = json.loads(thanksgiving.tickers_file.read_text())["results"]
    assert [t["ticker"] for t in tickers] == thanksgiving.symbols


def test_trades_have_the_massive_shape_and_session_hours(thanksgiving):
    early = read_trades(thanksgiving.drop_folder / "2024-11-29.csv.gz")
    assert list(early.columns) == TRADE_COLUMNS
    ts = pd.to_datetime(early["sip_timestamp"], unit="ns", utc=True).dt.tz_convert(NY)
    minutes = ts.dt.hour * 60 + ts.dt.minute
    regular = (minutes >= 9 * 60 + 30) & (minutes < 13 * 60)
    extended = ~regular
    # early close: nothing regular after 13:00 New York, post-market ends at 17:00
    assert minutes.min() >= 4 * 60 and minutes.max() < 17 * 60
    # extended-hours trades exist and all carry condition 12 (Form T); regular ones never do
    assert extended.sum() > 0
    assert early.loc[extended, "conditions"].str.split(",").map(lambda c: "12" in c).all()
    assert not early.loc[regular, "conditions"].str.split(",").map(lambda c: "12" in c).any()
    # every regular minute of the 210-minute session has a trade, except planted gaps
    gaps = {(g["symbol"], g["start"]) for g in thanksgiving.gaps if g["date"] == "2024-11-29"}
    for sym, group in early[regular].groupby("ticker"):
        present = (minutes[group.index] - (9 * 60 + 30)).nunique()
        missing = sum(g["minutes"] for g in thanksgiving.gaps if g["date"] == "2024-11-29" and g["symbol"] == sym)
        assert present == 210 - missing, (sym, gaps)


def test_u_shaped_intraday_volume(thanksgiving):
    frames = [read_trades(p) for p in thanksgiving.files if "11-29" not in p.name]
    day = pd.concat(frames)
    ts = pd.to_datetime(day["sip_timestamp"], unit="ns", utc=True).dt.tz_convert(NY)
    m = ts.dt.hour * 60 + ts.dt.minute - (9 * 60 + 30)
    first, mid, last = ((m >= 0) & (m < 30)).sum(), ((m >= 180) & (m < 210)).sum(), ((m >= 360) & (m < 390)).sum()
    assert first > 1.3 * mid and last > 1.3 * mid


def test_same_timestamp_pair_and_corrected_trade(thanksgiving):
    last = read_trades(thanksgiving.files[-1])
    dup = last.groupby(["ticker", "sip_timestamp"]).size()
    assert (dup >= 2).sum() >= 1
    pair = last.set_index(["ticker", "sip_timestamp"]).loc[dup[dup >= 2].index[0]]
    assert pair["id"].nunique() == len(pair)                         # distinct trades, same nanosecond
    corrected = last[last["correction"] != 0]
    assert len(corrected) == 1 and thanksgiving.corrected[-1]["id"] == corrected["id"].iloc[0]
    assert (last["participant_timestamp"] <= last["sip_timestamp"]).all()
    trf = last["exchange"] == 4
    assert (last.loc[trf, "trf_id"] != "").all() and (last.loc[~trf, "trf_id"] == "").all()


def _daily_bars(market, symbol) -> pd.DataFrame:
    """Regular-session daily bars of one symbol, computed by pandas from the files (corrections
    excluded): the second implementation the planted shapes are checked on."""
    rows = []
    for path in market.files:
        t = read_trades(path)
        t = t[(t["ticker"] == symbol) & (t["correction"] == 0) & (t["conditions"].str.split(",").map(lambda c: "12" not in c))]
        t = t.sort_values(["sip_timestamp", "sequence_number"])
        rows.append({"date": pd.Timestamp(path.name[:10]), "open": t["price"].iloc[0], "high": t["price"].max(),
                     "low": t["price"].min(), "close": t["price"].iloc[-1], "volume": t["size"].sum()})
    return pd.DataFrame(rows).set_index("date")


@pytest.fixture(scope="module", params=[5, 7, 11])
def patterned(tmp_path_factory, request):
    """Seed 7 is the demo's; the shapes must fire whatever the seed's noise."""
    return generate_market(tmp_path_factory.mktemp("pat"), seed=request.param, symbols=3, days=78,
                           end="2025-06-30", liquidity=0.03)


def test_planted_head_and_shoulders_fires_on_the_last_session(patterned):
    patterns = pytest.importorskip("tickstock_research.patterns")
    bars = _daily_bars(patterned, patterned.symbols[0])
    found = patterns.HeadAndShoulders().detect(bars)
    assert len(found) and pd.Timestamp(found["timestamp"].iloc[-1]).date() == patterned.sessions[-1]
    assert {"symbol": patterned.symbols[0], "pattern": "HeadAndShoulders",
            "date": patterned.sessions[-1].isoformat()} in patterned.planted


def test_planted_double_bottom_fires_on_the_last_session(patterned):
    patterns = pytest.importorskip("tickstock_research.patterns")
    bars = _daily_bars(patterned, patterned.symbols[1])
    found = patterns.DoubleBottom().detect(bars)
    assert len(found) and pd.Timestamp(found["timestamp"].iloc[-1]).date() == patterned.sessions[-1]


def test_head_and_shoulders_geometry_by_hand(patterned):
    """Independent of the patterns area: shoulders within 2% of the head, head above both,
    last close below the mean of the two troughs between them."""
    b = _daily_bars(patterned, patterned.symbols[0]).iloc[-75:]
    high, low, close = b["high"].to_numpy(), b["low"].to_numpy(), b["close"].to_numpy()
    ls, head, rs = high[10:25].max(), high[30:45].max(), high[50:65].max()
    neckline = (low[20:33].min() + low[42:52].min()) / 2
    assert head > ls and head > rs and abs(ls - rs) <= 0.02 * head
    assert close[-1] < neckline < close[-2]


@pytest.mark.parametrize("today", ["2026-11-25", "2026-11-30", "2026-07-01", "2026-01-15", "2025-06-10"])
def test_default_demo_window_holds_an_early_close_inside_tick_retention(today):
    """The demo's default window: ``days`` real XNYS sessions, none older than 355 days (inside the
    one-year tick retention), ending before ``today``, and holding an early close whenever some
    window with those properties can (worked out here from exchange_calendars by brute force)."""
    import exchange_calendars as xcals

    from tickstock_research.jobs.synthetic import session_window

    days = 78
    today_d = dt.date.fromisoformat(today)
    cal = xcals.get_calendar("XNYS", start="2020-01-01")
    oldest = pd.Timestamp(today_d - dt.timedelta(days=355))
    allowed = cal.sessions_in_range(cal.date_to_session(oldest, "next"), pd.Timestamp(today_d - dt.timedelta(days=1)))
    early = set(cal.early_closes)
    possible = any(any(s in early for s in allowed[i:i + days])
                   for i in range(0, max(len(allowed) - days + 1, 1)))

    import tickstock_research.jobs.synthetic as synthetic

    end = synthetic.default_end(today_d, days=days)
    window = session_window(days, end)
    got = [pd.Timestamp(d) for d in window.index]
    assert len(got) == days
    assert got == list(cal.sessions_in_range(got[0], got[-1]))
    assert got[0] >= oldest and got[-1].date() < today_d
    assert any(d in early for d in got) == possible, (today, got[0], got[-1])
