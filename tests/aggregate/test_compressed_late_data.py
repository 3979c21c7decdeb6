"""Late data into compressed chunks (timescale tier): a liquid day of one symbol (over the
100,000 rows TimescaleDB decompresses per statement by default) is aggregated and compressed;
a late trade and a correction still load, update the day's bars, and the chunks end compressed
again; a re-load of the compressed day adds nothing. Expected bars from pandas."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa
from aggseed import seed_symbols

from tickstock_research.aggregate import run_rollup
from tickstock_research.db.engine import get_engine
from tickstock_research.ingest import load_ticks
from tickstock_research.schema.maintain import run_maintenance
from tickstock_research.schema.retention import set_retention

N = 120_000
DAY = "2024-03-05"        # a Tuesday: regular session 14:30-21:00 UTC


def liquid_day() -> pd.DataFrame:
    i = pd.RangeIndex(N)
    ts = pd.Timestamp(f"{DAY} 14:30", tz="UTC") + pd.to_timedelta(i * 195, unit="ms")
    cents = 10_000 + (i * 7919) % 400               # 100.00 .. 103.99, deterministic
    return pd.DataFrame({"symbol": "LIQ", "timestamp": ts,
                         "price": [f"{c // 100}.{c % 100:02d}" for c in cents],
                         "volume": 1 + i % 7, "trade_id": [f"t{k}" for k in i], "exchange": 1})


def expected_daily(frame: pd.DataFrame) -> dict:
    f = frame[frame.get("correction", 0) == 0].sort_values(["timestamp", "trade_id"]) if "correction" in frame \
        else frame.sort_values("timestamp")
    p = f["price"].map(Decimal)
    return {"open": p.iloc[0], "high": p.max(), "low": p.min(), "close": p.iloc[-1],
            "volume": int(f["volume"].sum()), "trade_count": len(f)}


def stored_daily(url) -> dict:
    with get_engine(url).connect() as conn:
        row = conn.execute(sa.text("SELECT open, high, low, close, volume, trade_count FROM ohlcv_daily "
                                   "WHERE symbol = 'LIQ' AND date = :d"), {"d": DAY}).mappings().one()
    return dict(row)


def compressed_chunks(url) -> dict[str, tuple[int, int]]:
    """hypertable -> (compressed chunks, of which partially compressed)."""
    with get_engine(url).connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT hypertable_name, count(*) FILTER (WHERE is_compressed), "
            "count(*) FILTER (WHERE _timescaledb_functions.chunk_status(format('%I.%I', chunk_schema, "
            "chunk_name)::regclass) & 8 = 8) FROM timescaledb_information.chunks GROUP BY 1")).all()
    return {r[0]: (r[1], r[2]) for r in rows}


@pytest.fixture(scope="module")
def compressed_url(new_database):
    url = new_database("timescale", label="compressed_late")
    set_retention("ticks", "off", engine_or_url=url)          # 2024 history stays: maintenance only recompresses
    seed_symbols(url, ["LIQ"])
    assert load_ticks(liquid_day(), engine_or_url=url, progress=False).inserted == N
    run_rollup(engine_or_url=url)
    with get_engine(url).begin() as conn:
        conn.execute(sa.text("SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('ticks') c"))
        conn.execute(sa.text("SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('ohlcv_1min') c"))
    assert compressed_chunks(url) == {"ticks": (1, 0), "ohlcv_1min": (1, 0)}
    return url


def test_late_trade_and_correction_on_a_compressed_liquid_day_update_its_bars(compressed_url):
    url = compressed_url
    day = liquid_day()
    assert stored_daily(url) == expected_daily(day)
    late = pd.DataFrame({"symbol": "LIQ", "timestamp": [pd.Timestamp(f"{DAY} 15:00:00.1", tz="UTC")],
                         "price": ["150.00"], "volume": [1000], "trade_id": ["late1"], "exchange": 1})
    corrected = day.iloc[[0]].assign(correction=8)          # the day's opening trade, cancelled
    report = load_ticks(pd.concat([late, corrected], ignore_index=True), engine_or_url=url, progress=False)
    assert (report.inserted, report.corrected) == (1, 1)
    run_rollup(engine_or_url=url)
    after = pd.concat([day.assign(correction=0), late.assign(correction=0)], ignore_index=True)
    after.loc[0, "correction"] = 8
    assert stored_daily(url) == expected_daily(after)
    with get_engine(url).connect() as conn:
        minute = conn.execute(sa.text("SELECT high, volume FROM ohlcv_1min WHERE symbol = 'LIQ' "
                                      "AND \"timestamp\" = :t"), {"t": f"{DAY} 15:00+00"}).one()
    in_minute = after[(after["timestamp"] >= f"{DAY} 15:00+00") & (after["timestamp"] < f"{DAY} 15:01+00")]
    assert (minute.high, minute.volume) == (Decimal("150.00"), int(in_minute["volume"].sum()))
    # the chunks the late rows reached are compressed again by maintenance
    assert any(partial for _, partial in compressed_chunks(url).values())
    run_maintenance(engine_or_url=url)
    assert compressed_chunks(url) == {"ticks": (1, 0), "ohlcv_1min": (1, 0)}


def test_reload_of_a_compressed_day_adds_nothing(compressed_url):
    before = stored_daily(compressed_url)
    report = load_ticks(liquid_day(), engine_or_url=compressed_url, progress=False)
    assert (report.inserted, report.already_present) == (0, N)
    run_rollup(engine_or_url=compressed_url)
    assert stored_daily(compressed_url) == before
    with get_engine(compressed_url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM ticks")).scalar() == N + 1
