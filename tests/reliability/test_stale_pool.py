"""A pooled connection the server has closed (a restart, an admin's terminate): the next call
reconnects quietly, and when the database cannot be reached any more the caller gets one
DatabaseUnavailableError line (no driver traceback from the pool's liveness check)."""
from __future__ import annotations

import psycopg2
import pytest
import sqlalchemy as sa
from psycopg2 import sql

from tickstock_research.db.engine import create_engine
from tickstock_research.errors import DatabaseUnavailableError


def _terminate(admin_url: str, dbname: str, drop: bool = False) -> None:
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,))
        if drop:
            cur.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(dbname)))
    conn.close()


@pytest.fixture
def url_and_admin(new_database):
    url = new_database(None, init=False, label="stale_pool")
    admin = sa.engine.make_url(url).set(database="postgres").render_as_string(hide_password=False)
    return url, admin


def test_terminated_pooled_connection_reconnects(url_and_admin):
    url, admin = url_and_admin
    engine = create_engine(url)
    with engine.connect() as conn:
        first = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    _terminate(admin, sa.engine.make_url(url).database)
    with engine.connect() as conn:         # the pooled connection is dead: the pool replaces it
        second = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    assert second != first
    engine.dispose()


def test_unreachable_after_pooling_is_one_clear_error(url_and_admin):
    url, admin = url_and_admin
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    _terminate(admin, sa.engine.make_url(url).database, drop=True)
    with pytest.raises(DatabaseUnavailableError, match="cannot connect to .*does not exist") as info:
        with engine.connect():
            pass
    assert "***" in str(info.value) or "@" not in str(info.value)
    assert sa.engine.make_url(url).password not in str(info.value)
    engine.dispose()
