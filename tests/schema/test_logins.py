"""``tickstock db login`` as a user runs it: each case the roles issue reported, through the CLI,
checked on the server (memberships, passwords, what the printed URL can do)."""
from __future__ import annotations

import secrets
import subprocess
import sys

import psycopg2
import pytest
from psycopg2 import errors, sql
from sqlalchemy.engine import make_url


def run(args, env, url):
    return subprocess.run([sys.executable, "-m", "tickstock_research.cli.main", "--url", url, *args], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def names(database_url):
    """Random login names; every role made under them is dropped afterwards."""
    made: list[str] = []

    def make(label: str) -> str:
        made.append(f"t_{label}_{secrets.token_hex(3)}")
        return made[-1]

    yield make
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        for name in made:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
            cur.execute("DELETE FROM tickstock_logins WHERE name = %s", (name,))
            cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
    admin.close()


def groups_of(admin_url: str, name: str) -> list[str]:
    conn = psycopg2.connect(admin_url)
    with conn.cursor() as cur:
        cur.execute("""SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                       JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s ORDER BY 1""", (name,))
        found = [r[0] for r in cur.fetchall()]
    conn.close()
    return found


def can_connect(url: str) -> bool:
    try:
        psycopg2.connect(url).close()
        return True
    except psycopg2.OperationalError:
        return False


def can_insert(url: str) -> bool:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO symbols (symbol) VALUES ('ZZLOGIN')")
        return True
    except errors.InsufficientPrivilege:
        return False
    finally:
        conn.rollback()
        conn.close()


def test_role_switches_and_never_accumulates(database_url, cli_env, names):
    bob = names("bob")
    writer = run(["db", "login", bob, "--role", "writer"], cli_env, database_url)
    assert writer.returncode == 0, writer.stderr
    assert groups_of(database_url, bob) == ["tickstock_writer"] and can_insert(writer.stdout.strip())
    analyst = run(["db", "login", bob], cli_env, database_url)
    assert analyst.returncode == 0, analyst.stderr
    assert groups_of(database_url, bob) == ["tickstock_analyst"]
    assert "moved from tickstock_writer to tickstock_analyst" in analyst.stderr
    assert not can_insert(writer.stdout.strip())           # the same password, now read-only


def test_an_existing_login_keeps_its_password_unless_asked(database_url, cli_env, names):
    ana = names("ana")
    first = run(["db", "login", ana], cli_env, database_url).stdout.strip()
    assert make_url(first).password and can_connect(first)
    again = run(["db", "login", ana], cli_env, database_url)
    assert again.returncode == 0 and "password unchanged" in again.stderr
    assert make_url(again.stdout.strip()).password is None and can_connect(first)
    reset = run(["db", "login", ana, "--reset-password"], cli_env, database_url)
    assert reset.returncode == 0 and "new password" in reset.stderr
    assert not can_connect(first) and can_connect(reset.stdout.strip())


@pytest.mark.parametrize("target", ["tickstock_analyst", "tickstock_writer", "pg_monitor", "pg_sneaky", "ADMIN"])
def test_group_roles_and_reserved_names_are_refused(database_url, cli_env, target):
    if target == "ADMIN":
        target = make_url(database_url).username
    before = groups_of(database_url, target)
    proc = run(["db", "login", target, "--role", "writer"], cli_env, database_url)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert groups_of(database_url, target) == before
    assert can_connect(database_url)                        # the admin's password was not reset


def test_a_role_the_kit_did_not_make_is_refused(database_url, cli_env, names):
    outsider = names("outsider")
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'x'").format(sql.Identifier(outsider)))
    admin.close()
    proc = run(["db", "login", outsider], cli_env, database_url)
    assert proc.returncode == 2 and "was not made by `tickstock db login`" in proc.stderr
    assert groups_of(database_url, outsider) == []


def test_an_analyst_cannot_make_logins(database_url, cli_env, names):
    ana, other = names("ana"), names("other")
    url = run(["db", "login", ana], cli_env, database_url).stdout.strip()
    proc = run(["db", "login", other, "--role", "writer"], cli_env, url)
    assert proc.returncode == 2 and "needs a superuser or a role with CREATEROLE" in proc.stderr
    assert groups_of(database_url, other) == []
