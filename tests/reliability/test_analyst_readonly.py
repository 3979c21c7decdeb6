"""A read-only analyst writes nothing and blocks nothing, on every tier.

A login made by ``create_login(..., "analyst")`` tries every writing path there is: SQL on every
table of every schema (chunks and TimescaleDB's catalog included), COPY, large objects,
advisory locks, the kit's job locks, every dangerous TimescaleDB function with real arguments,
temporary tables, and each loader and job of the kit. Every attempt must be refused, and the
database is compared before and after: row count and checksum of every table, large objects,
roles and memberships. While the analyst holds a transaction open on every table, the kit's own
locks are free and ``db init`` completes.

The set of functions the analyst may execute is checked against the reviewed allow-list in
tests/data/roles/analyst_functions.txt, so an upgrade that adds a writing function fails here.
"""
from __future__ import annotations

import io
import secrets
import threading
from pathlib import Path

import pandas as pd
import psycopg2
import pytest
from psycopg2 import errors, sql
from sqlalchemy.engine import make_url

from tickstock_research.aggregate import build_daily_bars, build_minute_bars, run_rollup
from tickstock_research.corporate import load_dividends, load_splits
from tickstock_research.db.engine import dispose_engines, get_engine
from tickstock_research.db.locks import hold_lock
from tickstock_research.errors import ReadOnlyError, TickstockError
from tickstock_research.events import scan
from tickstock_research.ingest import load_bars, load_events, load_symbols, load_ticks
from tickstock_research.jobs.nightly import lock_name, run_nightly
from tickstock_research.schema import init_schema, run_maintenance
from tickstock_research.schema.migrate import MIGRATION_LOCK
from tickstock_research.schema.roles import create_login
from tickstock_research.schema.tiers import detect_tier

ALLOWED = Path(__file__).resolve().parents[1] / "data" / "roles" / "analyst_functions.txt"
#: TimescaleDB tables that its background scheduler updates by itself.
MOVING = {"bgw_job_stat", "bgw_job_stat_history", "bgw_policy_chunk_stats", "telemetry_event"}


def _sessions(n: int) -> list[pd.Timestamp]:
    return list(pd.bdate_range("2024-03-04", periods=n, tz="UTC"))


@pytest.fixture(scope="module")
def seeded(tier_url):
    """A database with rows in every table the kit writes, and an analyst login on it."""
    rows = []
    for i, day in enumerate(_sessions(6)):
        for k in range(40):
            ts = day + pd.Timedelta(hours=14, minutes=31 + k)
            rows.append(("RDA", ts, 50 + i + k / 100, 10 + k))
            rows.append(("RDB", ts, 20 - i + k / 50, 5 + k))
    ticks = pd.DataFrame(rows, columns=["symbol", "timestamp", "price", "volume"])
    bad = pd.DataFrame({"symbol": ["RDA"], "timestamp": [pd.Timestamp("2024-03-04 15:00", tz="UTC")],
                        "price": [-1.0], "volume": [1]})              # one quarantined row
    load_ticks(pd.concat([ticks, bad], ignore_index=True), engine_or_url=tier_url, progress=False)
    run_rollup(engine_or_url=tier_url)
    load_splits(pd.DataFrame({"ticker": ["RDA"], "execution_date": ["2024-03-07"], "split_from": [1],
                              "split_to": [2]}), engine_or_url=tier_url)
    load_dividends(pd.DataFrame({"ticker": ["RDB"], "ex_dividend_date": ["2024-03-06"],
                                 "cash_amount": [0.1]}), engine_or_url=tier_url)
    scan(["RDA", "RDB"], timeframe="1d", start="2024-03-01", end="2024-03-31", engine_or_url=tier_url)
    name = f"t_ro_{secrets.token_hex(4)}"
    login = create_login(name, "analyst", engine_or_url=tier_url)
    yield {"admin": tier_url, "analyst": login.url, "name": name, "tier": _tier(tier_url)}
    dispose_engines()
    admin = psycopg2.connect(tier_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
    admin.close()


def _tier(url: str) -> str:
    with get_engine(url).connect() as conn:
        return detect_tier(conn)


def _tables(cur, readable_only: bool = False) -> list[tuple[str, str]]:
    """Every table of the database (or only those the connected login may read)."""
    cur.execute("""SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                     AND (%s OR has_table_privilege(c.oid, 'SELECT'))
                     AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'
                   ORDER BY 1, 2""", (not readable_only,))
    return [tuple(r) for r in cur.fetchall()]


def snapshot(admin_url: str) -> dict:
    """Row count and checksum of every table, plus large objects, roles and memberships."""
    conn = psycopg2.connect(admin_url)
    state: dict = {}
    try:
        with conn.cursor() as cur:
            for schema, table in _tables(cur):
                if table in MOVING:
                    continue
                cur.execute(sql.SQL("SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), ''))"
                                    " FROM {}.{} t").format(sql.Identifier(schema), sql.Identifier(table)))
                state[f"{schema}.{table}"] = cur.fetchone()
            cur.execute("SELECT count(*) FROM pg_largeobject_metadata")
            state["large objects"] = cur.fetchone()
            cur.execute("SELECT array_agg(rolname ORDER BY rolname) FROM pg_roles")
            state["roles"] = cur.fetchone()
            cur.execute("""SELECT array_agg(m.roleid::regrole::text || '>' || m.member::regrole::text ORDER BY 1)
                           FROM pg_auth_members m""")
            state["memberships"] = cur.fetchone()
            cur.execute("SELECT count(*) FROM pg_class WHERE relpersistence = 't'")
            state["temporary relations"] = cur.fetchone()
    finally:
        conn.close()
    return state


def _refused(cur, statement, params=None, copy: bool = False) -> str | None:
    """Run ``statement`` in a savepoint; return None if the server refused it, else the statement."""
    cur.execute("SAVEPOINT attempt")
    try:
        if copy:
            cur.copy_expert(statement, io.StringIO(""))
        else:
            cur.execute(statement, params)
    except psycopg2.Error:
        cur.execute("ROLLBACK TO SAVEPOINT attempt")
        return None
    cur.execute("ROLLBACK TO SAVEPOINT attempt")
    return cur.mogrify(statement, params).decode() if not copy else str(statement)


TABLE_STATEMENTS = [
    "INSERT INTO {t} DEFAULT VALUES",
    "UPDATE {t} SET {c} = {c}",
    "DELETE FROM {t}",
    "TRUNCATE {t}",
    "DROP TABLE {t}",
    "ALTER TABLE {t} ADD COLUMN sneaky int",
    "CREATE INDEX ON {t} ((1))",
    "LOCK TABLE {t} IN SHARE MODE",
    "LOCK TABLE {t} IN EXCLUSIVE MODE",
    "SELECT 1 FROM {t} FOR UPDATE",
    "SELECT 1 FROM {t} FOR KEY SHARE",
]


def _first_column(cur, schema: str, table: str) -> str | None:
    cur.execute("""SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0
                   AND NOT attisdropped ORDER BY attnum LIMIT 1""", (f'"{schema}"."{table}"',))
    row = cur.fetchone()
    return row[0] if row else None       # TimescaleDB has tables without columns


def _dangerous_calls(cur, tier: str, writer_pid: int) -> list[tuple[str, tuple]]:
    """Calls that would change data or block writers, with real arguments for this database."""
    calls: list[tuple[str, tuple]] = [
        ("SELECT lo_from_bytea(0, 'x')", ()), ("SELECT lo_create(0)", ()), ("SELECT lo_creat(-1)", ()),
        ("SELECT lo_import('/etc/hostname')", ()),
        ("SELECT pg_advisory_lock(1)", ()), ("SELECT pg_try_advisory_lock(1)", ()),
        ("SELECT pg_advisory_xact_lock(1, 2)", ()), ("SELECT pg_try_advisory_lock_shared(1)", ()),
        ("SELECT pg_logical_emit_message(true, 'x', 'y')", ()),
        ("CREATE TEMP TABLE sneaky (x int)", ()), ("CREATE TABLE sneaky (x int)", ()),
        ("SELECT pg_terminate_backend(%s)", (writer_pid,)), ("SELECT pg_cancel_backend(%s)", (writer_pid,)),
        ("CREATE SCHEMA sneaky", ()), ("CREATE ROLE sneaky", ()), ("CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql AS 'SELECT 1'", ()),
    ]
    cur.execute("SELECT c.oid::regclass::text FROM pg_class c WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace")
    for (seq,) in cur.fetchall():
        calls += [("SELECT nextval(%s)", (seq,)), ("SELECT setval(%s, 1)", (seq,))]
    if tier == "plain":
        return calls
    cur.execute("SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks "
                "WHERE hypertable_name = 'ticks' ORDER BY range_start LIMIT 1")
    chunk = cur.fetchone()[0]
    cur.execute("SELECT min(job_id) FROM timescaledb_information.jobs")
    job = cur.fetchone()[0] or 1
    calls += [
        ("SELECT _timescaledb_functions.drop_chunk(%s)", (chunk,)),
        ("SELECT _timescaledb_functions.freeze_chunk(%s)", (chunk,)),
        ("SELECT _timescaledb_functions.unfreeze_chunk(%s)", (chunk,)),
        ("SELECT _timescaledb_functions.stop_background_workers()", ()),
        ("SELECT _timescaledb_functions.restart_background_workers()", ()),
        ("SELECT drop_chunks('ticks', older_than => now())", ()),
        ("SELECT compress_chunk(%s)", (chunk,)), ("SELECT decompress_chunk(%s)", (chunk,)),
        ("SELECT move_chunk(%s, 'pg_default', 'pg_default')", (chunk,)),
        ("SELECT reorder_chunk(%s)", (chunk,)),
        ("SELECT set_chunk_time_interval('ticks', INTERVAL '1 hour')", ()),
        ("SELECT add_retention_policy('ticks', INTERVAL '1 day')", ()),
        ("SELECT add_compression_policy('ticks', INTERVAL '1 day')", ()),
        ("SELECT add_job('pg_catalog.pg_sleep'::regproc, INTERVAL '1 minute')", ()),
        ("SELECT alter_job(%s, scheduled => false)", (job,)), ("SELECT delete_job(%s)", (job,)),
        ("CALL run_job(%s)", (job,)),
        ("SELECT timescaledb_pre_restore()", ()),
        ("SELECT create_hypertable('symbols', by_range('listed_date'))", ()),
    ]
    return calls


def test_every_writing_path_is_refused_and_nothing_changes(seeded):
    before = snapshot(seeded["admin"])
    writer = psycopg2.connect(seeded["admin"])        # a session the analyst must not end
    conn = psycopg2.connect(seeded["analyst"])
    succeeded: list[str] = []
    attempts = 0
    try:
        with conn.cursor() as cur:
            tables = _tables(cur)
            assert ("public", "ticks") in tables and ("public", "tickstock_locks") in tables
            if seeded["tier"] != "plain":
                assert any(s == "_timescaledb_internal" for s, _ in tables)       # chunks are tried too
            for schema, table in tables:
                t = sql.Identifier(schema, table)
                column = _first_column(cur, schema, table)
                c = sql.Identifier(column) if column else None
                for template in TABLE_STATEMENTS:
                    if c is None and "{c}" in template:
                        continue
                    attempts += 1
                    done = _refused(cur, sql.SQL(template).format(t=t, c=c).as_string(conn))
                    succeeded += [done] if done else []
                attempts += 1
                done = _refused(cur, sql.SQL("COPY {} FROM STDIN").format(t).as_string(conn), copy=True)
                succeeded += [done] if done else []
            for statement, params in _dangerous_calls(cur, seeded["tier"], writer.get_backend_pid()):
                attempts += 1
                done = _refused(cur, statement, params)
                succeeded += [done] if done else []
        with writer.cursor() as cur:
            cur.execute("SELECT 1")                   # still connected
    finally:
        conn.rollback()
        conn.close()
        writer.close()
    assert succeeded == []
    assert attempts > 11 * 15
    assert snapshot(seeded["admin"]) == before


def test_the_kit_refuses_every_load_and_job_in_one_line(seeded, tmp_path):
    before = snapshot(seeded["admin"])
    url = seeded["analyst"]
    password = make_url(url).password
    day = pd.Timestamp("2024-03-11", tz="UTC")
    ticks = pd.DataFrame({"symbol": ["RDA"], "timestamp": [day + pd.Timedelta(hours=15)], "price": [51.0], "volume": [1]})
    bars = pd.DataFrame({"symbol": ["RDA"], "timestamp": [day + pd.Timedelta(hours=15)], "open": [1.0], "high": [1.0],
                         "low": [1.0], "close": [1.0], "volume": [1]})
    events_csv = tmp_path / "events.csv"
    events_csv.write_text("symbol,timestamp,pattern,timeframe,direction,price\nRDA,2024-03-11T00:00:00Z,Doji,1d,neutral,51\n")
    actions = {
        "load_ticks": lambda: load_ticks(ticks, engine_or_url=url, progress=False),
        "load_bars": lambda: load_bars(bars, engine_or_url=url, timeframe="1min", progress=False),
        "load_symbols": lambda: load_symbols(pd.DataFrame({"ticker": ["NEWS"], "name": ["New"]}), engine_or_url=url),
        "load_splits": lambda: load_splits(pd.DataFrame({"ticker": ["RDB"], "execution_date": ["2024-03-08"],
                                                         "split_from": [1], "split_to": [3]}), engine_or_url=url),
        "load_dividends": lambda: load_dividends(pd.DataFrame({"ticker": ["RDA"], "ex_dividend_date": ["2024-03-08"],
                                                               "cash_amount": [0.2]}), engine_or_url=url),
        "load_events": lambda: load_events(events_csv, engine_or_url=url),
        "build_minute_bars": lambda: build_minute_bars("2024-03-04", "2024-03-08", engine_or_url=url),
        "build_daily_bars": lambda: build_daily_bars("2024-03-04", "2024-03-08", engine_or_url=url),
        "run_rollup": lambda: run_rollup(engine_or_url=url),
        "scan": lambda: scan(["RDA"], timeframe="1d", start="2024-03-01", end="2024-03-31", engine_or_url=url),
        "init_schema": lambda: init_schema(engine_or_url=url),
        "run_maintenance": lambda: run_maintenance(engine_or_url=url),
        "create_login": lambda: create_login(f"t_sneak_{secrets.token_hex(3)}", "writer", engine_or_url=url),
        "run_nightly": lambda: run_nightly("2024-03-08", engine_or_url=url, report=False),
    }
    messages = {}
    for name, action in actions.items():
        with pytest.raises(TickstockError) as info:
            action()
        message = str(info.value)
        messages[name] = message
        assert password not in message, name
        assert "\n" not in message.strip(), (name, message)
        assert any(w in message for w in ("read-only", "permission denied", "may not do this", " needs ")), (name, message)
    assert snapshot(seeded["admin"]) == before


def test_the_analyst_blocks_none_of_the_kits_locks(seeded):
    """With a transaction open on every table (the strongest lock SELECT can take), the nightly,
    rollup and schema locks are free at once and a full `db init` completes."""
    conn = psycopg2.connect(seeded["analyst"])
    try:
        with conn.cursor() as cur:
            for schema, table in _tables(cur):
                if (schema, table) == ("public", "tickstock_locks"):
                    with pytest.raises(errors.InsufficientPrivilege):
                        cur.execute("SELECT * FROM tickstock_locks")
                    cur.execute("ROLLBACK")
                    continue
            cur.execute("BEGIN")
            for schema, table in _tables(cur, readable_only=True):
                if table == "tickstock_locks":
                    continue
                cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table)))
            engine = get_engine(seeded["admin"])
            for name in (lock_name(pd.Timestamp("2024-03-08").date()), "rollup", MIGRATION_LOCK):
                with hold_lock(engine, name):            # wait=0: refuses at once if anyone holds it
                    pass
            done: list = []
            worker = threading.Thread(target=lambda: done.append(init_schema(engine_or_url=seeded["admin"])), daemon=True)
            worker.start()
            worker.join(120)
            assert done, "db init waited on the analyst's open transaction"
    finally:
        conn.rollback()
        conn.close()


def test_the_analyst_reads_everything(seeded):
    from tickstock_research.events import audit, query_events
    from tickstock_research.load import HistoricalLoader
    from tickstock_research.schema.tiers import describe

    url = seeded["analyst"]
    loader = HistoricalLoader(engine_or_url=url)
    assert len(loader.ticks(["RDA"], "2024-03-04", "2024-03-11")) == 6 * 40
    assert len(loader.bars(["RDA", "RDB"], "1d", "2024-03-04", "2024-03-11")) == 12
    minutes = pd.Series([t for t in _sessions(2) for t in [t + pd.Timedelta(hours=14, minutes=31 + k) for k in range(40)]])
    open_ = minutes.dt.normalize() + pd.Timedelta(hours=14, minutes=30)          # 09:30 New York (EST)
    buckets = (minutes.dt.normalize().astype("int64") // 10**9).astype(str) + ((minutes - open_) // pd.Timedelta("5min")).astype(str)
    assert len(loader.bars(["RDA"], "5min", "2024-03-04", "2024-03-05")) == buckets.nunique()
    assert len(query_events(engine_or_url=url, symbols="RDA")) == len(loader.events(["RDA"], start="2024-03-01", end="2024-04-01"))
    audit(timeframe="1d", engine_or_url=url)
    with get_engine(url).connect() as conn:
        info = describe(conn, "x")
        if seeded["tier"] != "plain":
            for view in conn.exec_driver_sql("SELECT table_name FROM information_schema.views "
                                             "WHERE table_schema = 'timescaledb_information'").scalars().all():
                conn.exec_driver_sql(f'SELECT * FROM timescaledb_information."{view}"').all()   # noqa: S608 (catalog names)
    assert info.tier == seeded["tier"]
    assert info.features["read-only analyst"].startswith("enforced")


def test_functions_the_analyst_can_execute_are_all_reviewed(seeded):
    allowed = {line.strip() for line in ALLOWED.read_text().splitlines() if line.strip() and not line.startswith("#")}
    conn = psycopg2.connect(seeded["analyst"])
    try:
        with conn.cursor() as cur:
            cur.execute("""SELECT DISTINCT n.nspname || '.' || p.proname
                           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                           WHERE has_function_privilege(p.oid, 'EXECUTE')
                             AND (p.provolatile = 'v' OR EXISTS (
                                   SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                   AND d.objid = p.oid AND d.deptype = 'e'))""")
            executable = {r[0] for r in cur.fetchall()}
    finally:
        conn.close()
    assert executable, "the analyst can execute nothing at all?"
    assert sorted(executable - allowed) == []
    for writer in ("pg_catalog.lo_from_bytea", "pg_catalog.pg_advisory_lock", "_timescaledb_functions.drop_chunk",
                   "public.drop_chunks", "public.compress_chunk", "public.add_job"):
        assert writer not in executable and writer not in allowed


def test_a_read_only_error_names_the_role_needed(seeded):
    with pytest.raises(ReadOnlyError, match=r"needs a login in tickstock_writer .*read-only \(tickstock_analyst\)"):
        run_rollup(engine_or_url=seeded["analyst"])
