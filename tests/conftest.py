"""Real-server fixtures.

A PostgreSQL server comes from ``TICKSTOCK_TEST_DATABASE_URL`` (an admin URL on a server where
the tests may create databases) when set, and otherwise is a managed local cluster started by
the kit's own :class:`~tickstock_research.db.localcluster.LocalCluster` in a temporary folder,
with TimescaleDB preloaded when it is installed. Every test module gets a fresh database.

Fixtures:

- ``pg_admin_url``: session; URL of the ``postgres`` database of the server.
- ``new_database``: factory ``new_database(tier="timescale"|"plain"|None, init=True) -> URL``;
  ``tier=None`` with ``init=False`` gives an empty database. Dropped at session end.
- ``database_url`` / ``engine``: module; a fresh database initialised on the TimescaleDB tier
  (plain if the server has no TimescaleDB).
- ``plain_database_url`` / ``plain_engine``: module; a fresh database on the plain tier.
- ``tier_url``: module, parametrised over both tiers.
- ``cli_env``: an environment dict for running the CLI as a subprocess against a database.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql
from sqlalchemy.engine import make_url

from tickstock_research.db.engine import dispose_engines, get_engine
from tickstock_research.db.localcluster import LocalCluster
from tickstock_research.schema.migrate import init_schema

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def pg_admin_url():
    external = os.environ.get("TICKSTOCK_TEST_DATABASE_URL")
    if external:
        yield external
        return
    home = Path(tempfile.mkdtemp(prefix="tickstock-test-"))
    os.chmod(home, 0o755)
    cluster = LocalCluster(home)
    cluster.start()
    try:
        yield cluster.url(database="postgres")
    finally:
        dispose_engines()
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


def _with_db(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def server_has_timescaledb(admin_url: str) -> bool:
    conn = psycopg2.connect(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select count(*) from pg_available_extensions where name = 'timescaledb'")
            available = cur.fetchone()[0] > 0
            cur.execute("select current_setting('shared_preload_libraries')")
            return available and "timescaledb" in cur.fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="session")
def has_timescaledb(pg_admin_url) -> bool:
    return server_has_timescaledb(pg_admin_url)


@pytest.fixture(scope="session")
def new_database(pg_admin_url):
    created: list[str] = []

    def make(tier: str | None = "timescale", init: bool = True, label: str = "db") -> str:
        label = re.sub(r"[^a-z0-9_]", "_", label.lower())[:30]
        name = f"t_{label}_{secrets.token_hex(3)}"
        conn = psycopg2.connect(pg_admin_url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        conn.close()
        created.append(name)
        url = _with_db(pg_admin_url, name)
        if init and tier is not None:
            init_schema(url, extension="none" if tier == "plain" else "auto")
        return url

    yield make
    dispose_engines()
    conn = psycopg2.connect(pg_admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        for name in created:
            cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
    conn.close()


def _module_label(request) -> str:
    return request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")


@pytest.fixture(scope="module")
def database_url(new_database, request) -> str:
    return new_database("timescale", label=_module_label(request))


@pytest.fixture(scope="module")
def engine(database_url):
    return get_engine(database_url)


@pytest.fixture(scope="module")
def plain_database_url(new_database, request) -> str:
    return new_database("plain", label="plain_" + _module_label(request))


@pytest.fixture(scope="module")
def plain_engine(plain_database_url):
    return get_engine(plain_database_url)


@pytest.fixture(scope="module", params=["timescale", "plain"])
def tier_url(new_database, request) -> str:
    return new_database(request.param, label=f"{request.param}_{_module_label(request)}")


@pytest.fixture
def cli_env():
    """Environment for CLI subprocesses: no inherited database URL, a private TICKSTOCK_HOME
    (in a folder the server's unprivileged OS user can reach)."""
    home = Path(tempfile.mkdtemp(prefix="tickstock-cli-"))
    os.chmod(home, 0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKSTOCK_")}
    env["TICKSTOCK_HOME"] = str(home / "home")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    yield env
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def _release_connections():
    """Close every cached engine's pool after each module, so idle connections of finished
    modules do not pile up to the server's max_connections (the analyst's logins, which are
    not superusers, get no reserved slots)."""
    yield
    dispose_engines()
