"""Privileges: a login in tickstock_analyst reads events and cannot change anything; a login in
tickstock_writer records events. Login roles get random names and are dropped afterwards."""
from __future__ import annotations

import secrets

import psycopg2
import pytest
from event_fixtures import add_symbols, daily
from psycopg2 import errors, sql
from sqlalchemy.engine import make_url

from tickstock_research.db.engine import create_engine
from tickstock_research.events import query_events, write_events
from tickstock_research.patterns import get_pattern


@pytest.fixture(scope="module")
def logins(database_url):
    admin = psycopg2.connect(make_url(database_url).render_as_string(hide_password=False))
    admin.autocommit = True
    made = {}
    with admin.cursor() as cur:
        for group in ("tickstock_analyst", "tickstock_writer"):
            name, password = f"t_{group.split('_')[1]}_{secrets.token_hex(4)}", secrets.token_hex(16)
            cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s IN ROLE {}").format(
                sql.Identifier(name), sql.Identifier(group)), (password,))
            made[group] = make_url(database_url).set(username=name, password=password).render_as_string(hide_password=False)
    yield made
    with admin.cursor() as cur:
        for url in made.values():
            name = make_url(url).username
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
            cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
    admin.close()


def test_writer_writes_and_analyst_reads(engine, logins):
    add_symbols(engine, "ROLE1")
    det = get_pattern("Doji").detect(daily([(10, 11, 9, 10)]))
    writer = create_engine(logins["tickstock_writer"])
    try:
        with writer.begin() as conn:
            assert write_events(conn, det, symbol="ROLE1", timeframe="1d").inserted == 1
    finally:
        writer.dispose()
    analyst = create_engine(logins["tickstock_analyst"])
    try:
        assert len(query_events(engine_or_url=analyst, symbols="ROLE1")) == 1
    finally:
        analyst.dispose()


@pytest.mark.parametrize("statement", [
    "INSERT INTO events (symbol, \"timestamp\", pattern, details) VALUES ('ROLE1', now(), 'X', '{}')",
    "UPDATE events SET direction = 'bullish'",
    "DELETE FROM events",
    "TRUNCATE events",
    "DROP TABLE events",
    "CREATE TABLE sneaky (x int)",
])
def test_analyst_cannot_change_anything(logins, statement):
    conn = psycopg2.connect(logins["tickstock_analyst"])
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM events")
            cur.fetchone()
            with pytest.raises((errors.InsufficientPrivilege, errors.lookup("42501"))):
                cur.execute(statement)
    finally:
        conn.rollback()
        conn.close()


def test_analyst_cannot_write_through_the_kit(logins):
    det = get_pattern("Doji").detect(daily([(10, 11, 9, 10)], start="2024-02-01"))
    analyst = create_engine(logins["tickstock_analyst"])
    try:
        with pytest.raises(Exception, match="permission denied"):
            with analyst.begin() as conn:
                write_events(conn, det, symbol="ROLE1", timeframe="1d")
    finally:
        analyst.dispose()
