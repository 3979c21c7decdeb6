"""Scans fanned out on a real dask.distributed LocalCluster (two worker processes).

The in-process scan is the reference: the Dask scan must record exactly the same events, also
when a worker is killed in the middle (its tasks are retried; writes are idempotent).
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

distributed = pytest.importorskip("distributed")
import cloudpickle  # noqa: E402

from tickstock_research.db.engine import get_engine  # noqa: E402
from tickstock_research.distributed import DatabaseURL, map_symbol_groups, symbol_groups  # noqa: E402
from tickstock_research.events import scan  # noqa: E402
from tickstock_research.patterns import all_patterns  # noqa: E402
from tickstock_research.patterns.registry import pattern  # noqa: E402

cloudpickle.register_pickle_by_value(sys.modules[__name__])
SYMBOLS = [f"D{i:02d}" for i in range(12)]
EVENT_COLUMNS = ["symbol", "timestamp", "pattern", "timeframe", "direction", "details"]


def random_walk(seed: int, n: int = 260) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = close * np.exp(rng.normal(0, 0.01, n))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.02, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.02, n))
    days = pd.bdate_range("2023-01-02", periods=n)
    return pd.DataFrame({"open": open_.round(4), "high": high.round(4), "low": low.round(4), "close": close.round(4),
                         "volume": rng.integers(1_000, 100_000, n)}, index=days)


@pytest.fixture(scope="module")
def seeded(database_url):
    engine = get_engine(database_url)
    rows = []
    for i, sym in enumerate(SYMBOLS):
        for day, r in random_walk(i).iterrows():
            rows.append({"s": sym, "d": day.date(), "o": r.open, "h": r.high, "l": r.low, "c": r.close, "v": int(r.volume)})
    with engine.begin() as conn:
        conn.execute(sa.text("insert into symbols(symbol) select unnest(cast(:s as text[]))"), {"s": SYMBOLS})
        conn.execute(sa.text("insert into ohlcv_daily(symbol, date, open, high, low, close, volume) "
                             "values (:s, :d, :o, :h, :l, :c, :v)"), rows)
    return database_url


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1", silence_logs=40) as cluster, distributed.Client(cluster) as c:
        yield c


def events_of(url) -> pd.DataFrame:
    with get_engine(url).connect() as conn:
        frame = pd.read_sql(sa.text("select symbol, \"timestamp\", pattern, timeframe, direction, details::text as details "
                                    "from events order by 1, 2, 3, 4"), conn)
    return frame


def clear_events(url) -> None:
    with get_engine(url).begin() as conn:
        conn.execute(sa.text("delete from events"))


def test_database_url_hides_its_password_but_travels_whole():
    url = DatabaseURL("postgresql://u:s3cret@127.0.0.1:5432/db")
    assert "s3cret" not in repr(url) and "s3cret" not in str(url)
    assert cloudpickle.loads(cloudpickle.dumps(url)).reveal().endswith("u:s3cret@127.0.0.1:5432/db")
    assert symbol_groups(["b", "a", "c", "a"], 2) == [["a", "b"], ["c"]]


def test_dask_scan_records_the_same_events_as_in_process(seeded, client):
    clear_events(seeded)
    local = scan(SYMBOLS, timeframe="1d", start="2023-03-01", end="2023-12-29", engine_or_url=seeded)
    reference = events_of(seeded)
    assert local.detections > 0 and len(reference) == local.inserted
    clear_events(seeded)
    remote = scan(SYMBOLS, timeframe="1d", start="2023-03-01", end="2023-12-29", engine_or_url=seeded,
                  client=client, batch=3)
    got = events_of(seeded)
    pd.testing.assert_frame_equal(got.drop(columns=[]), reference)
    assert remote.symbols == len(SYMBOLS) and remote.inserted == len(reference)
    again = scan(SYMBOLS, timeframe="1d", start="2023-03-01", end="2023-12-29", engine_or_url=seeded, client=client)
    assert again.inserted == 0 and again.updated == 0 and len(events_of(seeded)) == len(reference)


@pattern("SlowDoji", direction="neutral", register_it=False)
def slow_doji(bars, *, ratio: float = 0.01):
    """Doji, slowly: gives the test time to kill a worker in the middle of a scan."""
    time.sleep(0.4)
    return (bars["close"] - bars["open"]).abs() <= ratio * (bars["high"] - bars["low"])


def test_scan_survives_a_killed_worker(seeded, client):
    patterns = all_patterns("1d") + [slow_doji()]
    clear_events(seeded)
    scan(SYMBOLS, patterns=patterns, timeframe="1d", start="2023-03-01", end="2023-12-29", engine_or_url=seeded)
    reference = events_of(seeded)
    clear_events(seeded)

    pids = client.run(os.getpid)
    killed = {}
    done = threading.Event()

    def kill_one_mid_scan():
        # wait until some symbols' events are written (tasks of 1 symbol take >= 0.4 s each)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not done.is_set() and len(events_of(seeded)) == 0:
            time.sleep(0.05)
        addr, pid = sorted(pids.items())[0]
        killed["events_before"] = len(events_of(seeded))
        killed["scan_finished"] = done.is_set()
        os.kill(pid, signal.SIGKILL)
        killed["pid"] = pid

    killer = threading.Thread(target=kill_one_mid_scan)
    killer.start()
    report = scan(SYMBOLS, patterns=patterns, timeframe="1d", start="2023-03-01", end="2023-12-29",
                  engine_or_url=seeded, client=client, batch=1)
    done.set()
    killer.join()
    # the kill really came in the middle: some events written, not all, the scan still running
    assert not killed["scan_finished"], "the scan finished before the worker could be killed"
    assert 0 < killed["events_before"] < len(reference), killed
    assert killed["pid"] not in client.run(os.getpid).values()     # the worker process was replaced
    got = events_of(seeded)
    assert not got.duplicated(["symbol", "timestamp", "pattern", "timeframe"]).any()
    pd.testing.assert_frame_equal(got, reference)
    assert report.symbols == len(SYMBOLS)


def _count_symbols(url: str, group: list[str]) -> int:
    with get_engine(url).connect() as conn:
        return conn.execute(sa.text("select count(*) from symbols where symbol = any(:g)"), {"g": group}).scalar()


def test_map_symbol_groups_in_process_and_on_dask(seeded, client):
    local = map_symbol_groups(_count_symbols, SYMBOLS, url=seeded, group_size=5)
    remote = map_symbol_groups(_count_symbols, SYMBOLS, url=seeded, group_size=5, client=client)
    assert local == remote == [5, 5, 2]


def test_dask_audit_matches_in_process(seeded, client):
    from tickstock_research.events import audit

    clear_events(seeded)
    scan(SYMBOLS, timeframe="1d", start="2023-03-01", end="2023-12-29", engine_or_url=seeded)
    local = audit(engine_or_url=seeded, timeframe="1d", start="2023-03-01", end="2023-12-29")
    remote = audit(engine_or_url=seeded, timeframe="1d", start="2023-03-01", end="2023-12-29", client=client, batch=4)
    assert len(local.summary) > 0
    pd.testing.assert_frame_equal(remote.summary, local.summary)
    pd.testing.assert_frame_equal(remote.baseline, local.baseline)
