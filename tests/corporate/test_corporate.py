"""Corporate actions: hand-worked adjusted values (tests/data/corporate/expected_adjusted.csv)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from tickstock_research.corporate import adjust_frame, load_dividends, load_splits, read_actions
from tickstock_research.db.engine import get_engine
from tickstock_research.errors import ConfigurationError
from tickstock_research.sessions import session_date

DATA = Path(__file__).resolve().parents[1] / "data" / "corporate"
COLS = ["open", "high", "low", "close", "volume"]


def _daily() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "daily_bars.csv", comment="#", parse_dates=["date"])
    return frame


@pytest.fixture(scope="module")
def seeded(tier_url):
    engine = get_engine(tier_url)
    daily = _daily()
    with engine.begin() as conn:
        conn.execute(sa.text("insert into symbols(symbol) values ('FOUR'),('TRIP'),('REV'),('DIV') on conflict do nothing"))
        conn.execute(sa.text("insert into ohlcv_daily(symbol, date, open, high, low, close, volume) "
                             "values (:symbol, :date, :open, :high, :low, :close, :volume)"),
                     [dict(r, date=r["date"].date()) for r in daily.to_dict("records")])
    splits = load_splits(DATA / "splits.json", engine_or_url=tier_url)
    divs = load_dividends(DATA / "dividends.csv", engine_or_url=tier_url)
    return tier_url, splits, divs


def test_loads_report_and_quarantine(seeded):
    url, splits, divs = seeded
    assert (splits.rows_read, splits.inserted) == (4, 3)
    assert splits.rejected == {"non_positive_ratio": 1}
    assert (divs.rows_read, divs.inserted) == (5, 3)
    assert divs.rejected == {"unparsable": 1, "negative_amount": 1}
    with get_engine(url).connect() as conn:
        q = conn.execute(sa.text("select source, line, reason, raw->>'ticker' from quarantine "
                                 "where target in ('splits','dividends') order by source, line")).all()
    assert [tuple(r) for r in q] == [("dividends.csv", 5, "unparsable", "DIV"),
                                     ("dividends.csv", 6, "negative_amount", "DIV"),
                                     ("splits.json", 4, "non_positive_ratio", "FOUR")]


def test_reloading_adds_nothing(seeded):
    url, _, _ = seeded
    again = load_splits(DATA / "splits.json", engine_or_url=url)
    assert again.inserted == 0 and again.already_present == 3
    again = load_dividends(DATA / "dividends.csv", engine_or_url=url)
    assert again.inserted == 0 and again.already_present == 3
    with get_engine(url).connect() as conn:
        assert conn.execute(sa.text("select count(*) from splits")).scalar() == 3
        assert conn.execute(sa.text("select count(*) from quarantine where target='splits'")).scalar() == 1


def _expected():
    exp = pd.read_csv(DATA / "expected_adjusted.csv", comment="#", parse_dates=["date"])
    exp["as_of"] = pd.to_datetime(exp["as_of"]).dt.date
    return exp


@pytest.mark.parametrize("case", sorted({(m, str(a), s) for m, a, s in _expected()[["mode", "as_of", "symbol"]].itertuples(index=False)}))
def test_adjusted_daily_bars_match_hand_worked_values(seeded, case):
    url, _, _ = seeded
    mode, as_of, symbol = case[0], dt.date.fromisoformat(case[1]), case[2]
    daily = _daily()
    bars = daily[(daily.symbol == symbol) & (daily.date.dt.date <= as_of)].set_index("date")[COLS]
    with get_engine(url).connect() as conn:
        splits, divs = read_actions(conn, [symbol], as_of)
    got = adjust_frame(bars, splits=splits[splits.symbol == symbol], dividends=divs[divs.symbol == symbol],
                       mode=mode, as_of=as_of)
    exp = _expected()
    exp = exp[(exp["mode"] == mode) & (exp.as_of == as_of) & (exp.symbol == symbol)].set_index("date")
    for day, row in exp.iterrows():
        np.testing.assert_allclose(got.loc[day, ["open", "high", "low", "close"]].astype(float),
                                   row[["open", "high", "low", "close"]].astype(float), rtol=1e-9, atol=1e-9)
        assert int(got.loc[day, "volume"]) == int(row["volume"])
    # invariants of every adjusted bar
    assert (got.low <= got[["open", "close"]].min(axis=1) + 1e-12).all()
    assert (got.high >= got[["open", "close"]].max(axis=1) - 1e-12).all()
    if mode == "splits":  # price x volume conserved across a split
        np.testing.assert_allclose((got.close * got.volume).to_numpy(), (bars.close * bars.volume).to_numpy(), rtol=1e-9)


def test_range_ending_before_the_split_is_not_adjusted(seeded):
    url, _, _ = seeded
    bars = _daily().query("symbol == 'FOUR'").set_index("date")[COLS]
    bars = bars[bars.index < "2024-06-10"]
    with get_engine(url).connect() as conn:
        splits, divs = read_actions(conn, ["FOUR"], dt.date(2024, 6, 7))
    assert splits.empty
    got = adjust_frame(bars, splits=splits, dividends=divs, mode="all", as_of=dt.date(2024, 6, 7))
    pd.testing.assert_frame_equal(got, bars)


def test_intraday_bars_on_the_split_day_use_the_session_date():
    # 1-minute bars on the last pre-split session and on the split day (2024-06-10): only the
    # former are divided by 4. 19:59 UTC is 15:59 New York on both days.
    idx = pd.DatetimeIndex(["2024-06-07 19:59", "2024-06-10 13:30", "2024-06-10 19:59"], tz="UTC")
    bars = pd.DataFrame({"open": [100.0, 25.0, 25.2], "high": [100.4, 25.1, 25.3], "low": [99.6, 24.9, 25.1],
                         "close": [100.0, 25.0, 25.2], "volume": [400, 1600, 800]}, index=idx)
    splits = pd.DataFrame({"execution_date": [dt.date(2024, 6, 10)], "split_from": [1.0], "split_to": [4.0]})
    got = adjust_frame(bars, splits=splits, mode="splits", as_of=dt.date(2024, 6, 10),
                       session_days=np.array(session_date(idx), dtype="datetime64[D]"))
    assert got["close"].tolist() == [25.0, 25.0, 25.2]
    assert got["volume"].tolist() == [1600, 1600, 800]


def test_raw_mode_and_unknown_mode():
    bars = _daily().query("symbol == 'REV'").set_index("date")[COLS]
    pd.testing.assert_frame_equal(adjust_frame(bars, mode=None), bars)
    with pytest.raises(ConfigurationError, match="expected None \\(raw\\), 'splits' or 'all'"):
        adjust_frame(bars, mode="dividends")


def test_loader_reads_adjusted_daily_bars(seeded):
    from tickstock_research.load import HistoricalLoader

    url, _, _ = seeded
    loader = HistoricalLoader(engine_or_url=url)
    exp = _expected()
    for (mode, as_of), cases in exp.groupby(["mode", "as_of"]):
        symbols = sorted(cases.symbol.unique())
        got = loader.bars(symbols, "1d", "2024-06-01", as_of, adjust=mode)
        for row in cases.itertuples(index=False):
            bar = got[(got.symbol == row.symbol) & (got.index == row.date)]
            assert len(bar) == 1, (mode, as_of, row.symbol, row.date)
            np.testing.assert_allclose(bar[["open", "high", "low", "close"]].to_numpy()[0],
                                       [row.open, row.high, row.low, row.close], rtol=1e-9)
            assert int(bar["volume"].iloc[0]) == row.volume
    raw = loader.bars("FOUR", "1d", "2024-06-01", "2024-06-14")
    assert raw.loc[raw.index == "2024-06-07", "close"].iloc[0] == 100.0  # raw stays raw
    assert raw["close"].dtype == "float64" and raw["volume"].dtype == "int64"


def test_loader_weekly_bars_are_built_from_adjusted_days(seeded):
    from tickstock_research.load import HistoricalLoader

    url, _, _ = seeded
    weeks = HistoricalLoader(engine_or_url=url).bars("FOUR", "1w", "2024-06-03", "2024-06-14", adjust="splits")
    # week of 06-03: adjusted 06-06 (24.75/25.25/24.50/25.00, 4000) and 06-07 (24.50/25.50/24.25/25.00, 4000)
    first = weeks.iloc[0]
    assert str(weeks.index[0])[:10] == "2024-06-06"
    assert (first.open, first.high, first.low, first.close, first.volume) == (24.75, 25.5, 24.25, 25.0, 8000)
    # week of 06-10 (post-split, raw): 24.50 / max 25.50 / min 24.25 / last 24.75, 12000
    second = weeks.iloc[1]
    assert (second.open, second.high, second.low, second.close, second.volume) == (24.5, 25.5, 24.25, 24.75, 12000)


def test_loader_adjusts_intraday_bars_by_session_date(seeded):
    from tickstock_research.load import HistoricalLoader

    url, _, _ = seeded
    minutes = [("2024-06-07 19:58", 100.0, 400), ("2024-06-07 19:59", 100.4, 400),
               ("2024-06-10 13:30", 25.0, 1600), ("2024-06-10 13:31", 25.2, 800)]
    with get_engine(url).begin() as conn:
        conn.execute(sa.text("insert into ohlcv_1min(symbol, \"timestamp\", open, high, low, close, volume) "
                             "values ('FOUR', :t, :p, :p, :p, :p, :v)"),
                     [{"t": pd.Timestamp(t, tz="UTC").to_pydatetime(), "p": p, "v": v} for t, p, v in minutes])
    got = HistoricalLoader(engine_or_url=url).bars("FOUR", "1min", "2024-06-07", "2024-06-10", adjust="splits")
    assert got["close"].tolist() == [25.0, 25.1, 25.0, 25.2]
    assert got["volume"].tolist() == [1600, 1600, 1600, 800]
    raw = HistoricalLoader(engine_or_url=url).bars("FOUR", "1min", "2024-06-07", "2024-06-07", adjust="splits")
    assert raw["close"].tolist() == [100.0, 100.4]  # as of 06-07 the split has not happened


def test_cli_ingests_splits_and_dividends(new_database, cli_env):
    import subprocess
    import sys

    url = new_database("plain", label="corp_cli")
    cli_env["TICKSTOCK_DATABASE_URL"] = url
    run = lambda *a: subprocess.run([sys.executable, "-m", "tickstock_research.cli.main", *a], env=cli_env,
                                    capture_output=True, text=True, timeout=120)
    first = run("ingest", "splits", str(DATA / "splits.json"))
    assert first.returncode == 0, first.stderr
    assert "inserted                    3" in first.stdout and "non_positive_ratio" in first.stdout
    again = run("ingest", "splits", str(DATA / "splits.json"))
    assert "inserted                    0" in again.stdout
    divs = run("ingest", "dividends", str(DATA / "dividends.csv"), "--json")
    assert divs.returncode == 0 and '"inserted": 3' in divs.stdout
    bad = run("ingest", "dividends", str(DATA / "splits.json"))
    assert bad.returncode == 2 and "missing column(s)" in bad.stderr and "Traceback" not in bad.stderr


def test_corporate_actions_notebook_shows_raw_and_adjusted(seeded, tmp_path):
    """The notebook really runs (papermill) and its figure holds the raw and adjusted closes."""
    import json

    import nbformat

    from tickstock_research.jobs.execute import execute_notebook, notebook_path

    url, _, _ = seeded
    out = execute_notebook(notebook_path("corporate_actions"), tmp_path / "ca.ipynb",
                           {"symbol": "FOUR", "start": "2024-06-01", "end": "2024-06-14"}, database_url=url)
    nb = nbformat.read(out, as_version=4)
    figures = [o["data"]["application/vnd.plotly.v1+json"] for c in nb.cells for o in c.get("outputs", [])
               if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) == 1
    traces = {t["name"]: t for t in figures[0]["data"]}
    assert set(traces) == {"raw (as traded)", "split-adjusted", "splits + dividends"}
    closes = lambda name: [float(v) for v in _plotly_values(traces[name]["y"])]
    assert closes("raw (as traded)") == [100.0, 100.0, 25.0, 25.0, 24.75]
    assert closes("split-adjusted") == [25.0, 25.0, 25.0, 25.0, 24.75]
    np.testing.assert_allclose(closes("splits + dividends"), [24.75, 24.75, 24.75, 24.75, 24.75])
    assert "split 4-for-1" in json.dumps(figures[0]["layout"])
    assert make_url_password(url) not in out.read_text()


def _plotly_values(y):
    """Plotly JSON stores arrays either as lists or as typed binary blobs ({"dtype", "bdata"})."""
    if isinstance(y, dict) and "bdata" in y:
        import base64

        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    return list(y)


def make_url_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).password


def test_scan_and_audit_read_split_adjusted_bars_by_default(seeded):
    """FOUR splits 4-for-1 on 2024-06-10 (raw closes 100, 100, 25, 25, 24.75). Hand-worked: on
    split-adjusted bars as of 2024-06-12 the 06-07 close is 100 / 4 = 25, so the return to 06-10
    is 25 / 25 - 1 = 0; on raw bars the same step reads as 25 / 100 - 1 = -0.75, a false crash."""
    from tickstock_research.events import audit, query_events, scan
    from tickstock_research.patterns import pattern, unregister

    @pattern("EveryBarSplitTest", direction="bullish")
    def every_bar(bars):
        return bars["close"] > 0

    url, _, _ = seeded
    try:
        scan("FOUR", ["EveryBarSplitTest"], timeframe="1d", start="2024-06-06", end="2024-06-12", engine_or_url=url)
        ev = query_events(engine_or_url=url, symbols=["FOUR"], patterns=["EveryBarSplitTest"]).set_index("timestamp")
        assert len(ev) == 5
        assert {d["metadata"]["adjustment"] for d in ev["details"]} == {"splits"}
        assert float(ev.loc[ev.index[ev.index.date == dt.date(2024, 6, 7)][0], "price"]) == 25.0

        def step_return(adjustment):
            result = audit(engine_or_url=url, symbols=["FOUR"], patterns=["EveryBarSplitTest"], horizons=(1,),
                           start="2024-06-06", end="2024-06-12", adjustment=adjustment)
            r = result.returns
            at = r[pd.to_datetime(r["timestamp"], utc=True).dt.date == dt.date(2024, 6, 7)]
            return result.adjustment, float(at["forward_return"].iloc[0])

        assert step_return("splits") == ("splits", 0.0)
        assert step_return(None) == (None, -0.75)
    finally:
        unregister("EveryBarSplitTest")
        with get_engine(url).begin() as conn:
            conn.execute(sa.text("delete from events where pattern = 'EveryBarSplitTest'"))
