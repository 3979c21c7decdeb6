"""A rollup asked to wait for a running one proceeds when the lock is released."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from tickstock_research.aggregate import run_rollup
from tickstock_research.aggregate.rollup import ROLLUP_LOCK
from tickstock_research.db.engine import get_engine
from tickstock_research.errors import JobLockedError


def test_waits_for_the_lock_then_runs(database_url):
    engine = get_engine(database_url)
    holder = engine.connect()
    holder.execute(sa.text("select pg_advisory_lock(:k)"), {"k": ROLLUP_LOCK})
    holder.commit()
    try:
        with pytest.raises(JobLockedError):
            run_rollup(engine)                       # no wait: refuses at once
        released = threading.Timer(1.5, lambda: (holder.execute(sa.text("select pg_advisory_unlock(:k)"),
                                                                {"k": ROLLUP_LOCK}), holder.commit()))
        released.start()
        began = time.monotonic()
        report = run_rollup(engine, wait=30)
        waited = time.monotonic() - began
        released.join()
    finally:
        holder.close()
    assert waited >= 1.0
    assert report.status == "ok"
