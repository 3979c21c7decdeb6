"""Roles and SQL construction.

A login in ``tickstock_analyst`` (random name, created here and dropped afterwards) reads every
table, cannot change or drop any of them, cannot load through the kit, and can run a reading
notebook (data_quality) with papermill. tests/events/test_roles.py covers the events table and
the writer role; this covers every table and the loaders. The last tests scan the package's
source: no SQL passed to the driver is an f-string, ``.format`` or ``%`` built from variables.
"""
from __future__ import annotations

import ast
import secrets
import time
from pathlib import Path

import pandas as pd
import psycopg2
import pytest
from psycopg2 import errors, sql
from sqlalchemy.engine import make_url

from tickstock_research.aggregate import build_daily_bars, build_minute_bars
from tickstock_research.db.engine import create_engine, dispose_engines
from tickstock_research.errors import TickstockError
from tickstock_research.ingest import load_ticks
from tickstock_research.schema.roles import create_login

PACKAGE = Path(__file__).resolve().parents[2] / "tickstock_research"


@pytest.fixture(scope="module")
def analyst(database_url):
    frame = pd.DataFrame({"symbol": "ROLE", "timestamp": pd.date_range("2024-01-03 14:30", periods=30, freq="min", tz="UTC"),
                          "price": 10.0, "volume": 5})
    load_ticks(frame, engine_or_url=database_url, progress=False)
    build_minute_bars("2024-01-03", "2024-01-03", engine_or_url=database_url)
    build_daily_bars("2024-01-03", "2024-01-03", engine_or_url=database_url)
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    name = f"t_analyst_{secrets.token_hex(4)}"
    url = create_login(name, "analyst", engine_or_url=database_url).url     # the kit's own way to make an analyst login
    assert make_url(url).username == name and make_url(url).database == make_url(database_url).database
    yield url
    dispose_engines()
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
        for _ in range(100):    # wait for the backends to exit (they drop their temporary tables)
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (name,))
            if cur.fetchone()[0] == 0:
                break
            time.sleep(0.05)
        cur.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
    admin.close()


def tables(url: str) -> list[str]:
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        names = [r[0] for r in cur.fetchall()]
    conn.close()
    return names


def test_analyst_reads_every_table(analyst, database_url):
    names = tables(database_url)
    assert {"ticks", "symbols", "ohlcv_1min", "ohlcv_daily", "events", "quarantine", "ingest_loads"} <= set(names)
    conn = psycopg2.connect(analyst)
    try:
        with conn.cursor() as cur:
            for t in names:
                if t == "tickstock_locks":        # the job locks: not even readable (docs/reliability.md)
                    with pytest.raises(errors.InsufficientPrivilege):
                        cur.execute("SELECT count(*) FROM tickstock_locks")
                    conn.rollback()
                    continue
                cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t)))
                cur.fetchone()
            cur.execute("SELECT count(*) FROM ticks WHERE symbol = 'ROLE'")
            assert cur.fetchone()[0] == 30
    finally:
        conn.close()


STATEMENTS = ["DELETE FROM {t}", "TRUNCATE {t}", "DROP TABLE {t}", "ALTER TABLE {t} ADD COLUMN sneaky int",
              "INSERT INTO {t} DEFAULT VALUES", "CREATE INDEX sneaky_idx ON {t} ((1))"]


def test_analyst_cannot_change_or_drop_any_table(analyst, database_url):
    conn = psycopg2.connect(analyst)
    refused = 0
    try:
        for t in tables(database_url):
            for template in STATEMENTS:
                with conn.cursor() as cur:
                    statement = sql.SQL(template).format(t=sql.Identifier(t))
                    with pytest.raises(errors.InsufficientPrivilege):
                        cur.execute(statement)
                conn.rollback()
                refused += 1
        for statement in ("CREATE TABLE sneaky (x int)", "CREATE SCHEMA sneaky", "CREATE ROLE sneaky"):
            with conn.cursor() as cur, pytest.raises(errors.InsufficientPrivilege):
                cur.execute(statement)
            conn.rollback()
    finally:
        conn.close()
    assert refused >= 6 * 7


def test_analyst_cannot_load_or_build_through_the_kit(analyst, database_url):
    password = make_url(analyst).password
    frame = pd.DataFrame({"symbol": ["ROLE"], "timestamp": [pd.Timestamp("2024-01-04 15:00", tz="UTC")],
                          "price": [11.0], "volume": [1]})
    with pytest.raises(TickstockError) as info:
        load_ticks(frame, engine_or_url=analyst, progress=False)
    assert "permission denied" in str(info.value) and password not in str(info.value)
    with pytest.raises(Exception, match="permission denied") as info:
        build_minute_bars("2024-01-03", "2024-01-03", engine_or_url=analyst)
    assert password not in str(info.value)
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM ticks").scalar() == 30
    finally:
        engine.dispose()


def test_reading_notebook_runs_as_the_analyst(analyst, tmp_path):
    import nbformat

    from tickstock_research.jobs.execute import execute_notebook, export_html, notebook_path

    out = execute_notebook(notebook_path("data_quality"), tmp_path / "dq.ipynb",
                           {"date": "2024-01-03", "symbols": "ROLE"}, database_url=analyst)
    html = export_html(out, database_url=analyst).read_text()
    nb = nbformat.read(out, as_version=4)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert "ROLE" in html
    password = make_url(analyst).password
    assert password not in out.read_text() and password not in html


# ------------------------------------------------------------------ no SQL built from strings
SINKS = {"execute", "executemany", "exec_driver_sql", "text", "copy_expert", "mogrify", "copy_from", "copy_to"}
PANDAS_SINKS = {"read_sql", "read_sql_query"}    # as attributes (pd.read_sql), not the kit's sql-file reader


def _dynamic(node: ast.AST) -> bool:
    """An f-string with placeholders, ``"..." % x``, ``"..." + x`` or ``"...".format(...)``; a
    ``psycopg2.sql.SQL(...).format(...)`` (identifiers quoted by the driver) is allowed."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return isinstance(node.left, (ast.Constant, ast.JoinedStr)) or _dynamic(node.left) or _dynamic(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        inner = node.func.value
        return not (isinstance(inner, ast.Call) and getattr(inner.func, "attr", getattr(inner.func, "id", "")) == "SQL")
    return False


def _is_sink(call: ast.Call) -> bool:
    f = call.func
    if isinstance(f, ast.Attribute):
        return f.attr in SINKS or f.attr in PANDAS_SINKS
    return isinstance(f, ast.Name) and f.id in SINKS


def sql_built_from_strings(source: str) -> list[str]:
    """Calls that pass SQL built by string formatting, directly or through a local variable."""
    found = []
    tree = ast.parse(source)
    for scope in ast.walk(tree):
        if not isinstance(scope, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        tainted = {t.id for a in ast.walk(scope) if isinstance(a, ast.Assign) and _dynamic(a.value)
                   for t in a.targets if isinstance(t, ast.Name)}
        for n in ast.walk(scope):
            if isinstance(n, ast.Call) and n.args and _is_sink(n):
                arg = n.args[0]
                if _dynamic(arg) or (isinstance(arg, ast.Name) and arg.id in tainted):
                    found.append(f"line {n.lineno}: {ast.unparse(n)[:120]}")
    return sorted(set(found))


def test_the_scanner_finds_what_it_should():
    bad = '''
def f(cur, conn, name, x):
    cur.execute(f"select * from {name}")
    conn.execute(text("delete from t where s = '%s'" % x))
    q = "select {}".format(x)
    cur.execute(q)
    pd.read_sql("select * from " + name, conn)
'''
    assert len(sql_built_from_strings(bad)) == 4
    good = '''
def f(cur, conn, name, x):
    cur.execute("select * from t where s = %s", (x,))
    cur.execute(sql.SQL("drop database {}").format(sql.Identifier(name)))
    conn.execute(text("select :x"), {"x": x})
'''
    assert sql_built_from_strings(good) == []


def test_no_sql_is_built_by_string_formatting_in_the_package():
    found = {str(p.relative_to(PACKAGE)): hits for p in sorted(PACKAGE.rglob("*.py"))
             if (hits := sql_built_from_strings(p.read_text(encoding="utf-8")))}
    assert found == {}


def test_a_writer_login_from_the_cli_and_name_checks(database_url, cli_env):
    """``tickstock db login NAME --role writer`` prints a URL that connects (the server checks the
    SCRAM verifier computed by the kit) and may write; the password itself never reached the
    server (only the verifier is stored); a name that is not an identifier is refused."""
    import subprocess
    import sys

    name = f"t_writer_{secrets.token_hex(4)}"
    proc = subprocess.run([sys.executable, "-m", "tickstock_research.cli.main", "--url", database_url, "db", "login",
                           name, "--role", "writer"], env=cli_env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    url = proc.stdout.strip()
    password = make_url(url).password
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("INSERT INTO symbols(symbol) VALUES ('WRITER_OK') ON CONFLICT DO NOTHING")
            cur.execute("SELECT pg_has_role(current_user, 'tickstock_writer', 'member')")
            assert cur.fetchone()[0] is True
    finally:
        conn.close()
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (name,))
            stored = cur.fetchone()[0]
            assert stored.startswith("SCRAM-SHA-256$4096:") and password not in stored
            cur.execute("DELETE FROM symbols WHERE symbol = 'WRITER_OK'")
            cur.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
    finally:
        admin.close()
    for bad in ("Robert'); DROP TABLE ticks;--", "UPPER", "1abc", ""):
        with pytest.raises(TickstockError, match="not valid"):
            create_login(bad, "analyst", engine_or_url=database_url)
