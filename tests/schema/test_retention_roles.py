"""Retention and the analyst role: an analyst may see what retention would drop (the dry run)
but cannot drop anything, nor run the server job's procedure."""
from __future__ import annotations

import secrets
import time

import pandas as pd
import psycopg2
import pytest
import sqlalchemy as sa
from psycopg2 import sql

from tickstock_research.aggregate import run_rollup
from tickstock_research.db.engine import dispose_engines, get_engine
from tickstock_research.errors import ReadOnlyError
from tickstock_research.ingest import load_ticks
from tickstock_research.schema.retention import apply_retention
from tickstock_research.schema.roles import create_login


@pytest.fixture(scope="module")
def analyst(database_url):
    old = pd.Timestamp.now(tz="UTC").normalize() - pd.Timedelta(days=500) + pd.Timedelta(hours=15)
    frame = pd.DataFrame({"symbol": "RRL", "timestamp": [old], "price": "10", "volume": [5], "trade_id": ["r1"]})
    load_ticks(frame, engine_or_url=database_url, progress=False)
    run_rollup(engine_or_url=database_url)
    name = f"t_analyst_{secrets.token_hex(4)}"
    url = create_login(name, "analyst", engine_or_url=database_url).url
    yield url
    dispose_engines()
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
        for _ in range(100):
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (name,))
            if cur.fetchone()[0] == 0:
                break
            time.sleep(0.05)
        cur.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
    admin.close()


def test_analyst_sees_the_dry_run_and_cannot_drop(analyst, database_url):
    dry = apply_retention(engine_or_url=analyst, dry_run=True)
    assert [u.rows for u in dry if u.table == "ticks" and u.action == "drop"] == [1]
    with pytest.raises(ReadOnlyError, match="permission denied.*t_analyst_.*may not do this"):
        apply_retention(engine_or_url=analyst)
    with get_engine(analyst).connect() as conn:
        for statement in ("SELECT * FROM tickstock_apply_retention(false)",
                          "CALL tickstock_retention_job(0, '{}')"):
            with pytest.raises(ReadOnlyError, match="permission denied"):
                conn.execute(sa.text(statement))
            conn.rollback()
    with get_engine(database_url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM ticks WHERE symbol = 'RRL'")).scalar() == 1
