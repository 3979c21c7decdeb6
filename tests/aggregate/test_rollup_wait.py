"""A rollup asked to wait for a running one proceeds when the lock is released."""
from __future__ import annotations

import threading
import time

import pytest

from tickstock_research.aggregate import run_rollup
from tickstock_research.aggregate.rollup import ROLLUP_LOCK
from tickstock_research.db.engine import get_engine
from tickstock_research.db.locks import hold_lock
from tickstock_research.errors import JobLockedError


def test_waits_for_the_lock_then_runs(database_url):
    engine = get_engine(database_url)
    taken, release = threading.Event(), threading.Event()

    def hold():
        with hold_lock(engine, ROLLUP_LOCK):
            taken.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(30)
        with pytest.raises(JobLockedError, match="another aggregate run holds the rollup lock by server process"):
            run_rollup(engine_or_url=engine)                       # no wait: refuses at once
        threading.Timer(1.5, release.set).start()
        began = time.monotonic()
        report = run_rollup(engine_or_url=engine, wait=30)
        waited = time.monotonic() - began
    finally:
        release.set()
        holder.join()
    assert waited >= 1.0
    assert report.status == "ok"
