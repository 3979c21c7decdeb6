"""Real-server fixtures.

A PostgreSQL server comes from ``TICKSTOCK_TEST_DATABASE_URL`` (an admin URL on a server where
the tests may create databases) when set, and otherwise is a managed local cluster started by
the kit's own :class:`~tickstock_research.db.localcluster.LocalCluster` in a temporary folder,
with TimescaleDB preloaded when it is installed. Every test module gets a fresh database.

Fixtures:

- ``pg_admin_url``: session; URL of the ``postgres`` database of the server.
- ``new_database``: factory ``new_database(tier="timescale"|"apache"|"plain"|None, init=True) -> URL``;
  ``tier=None`` with ``init=False`` gives an empty database. The tier the database got is
  checked (``detect_tier``). Dropped at session end.
- ``database_url`` / ``engine``: module; a fresh database initialised on the server's own
  TimescaleDB tier (``timescale`` with the community build, ``apache`` without it; plain if the
  server has no TimescaleDB).
- ``plain_database_url`` / ``plain_engine``: module; a fresh database on the plain tier.
- ``tier_url``: module, parametrised over the three tiers ``timescale``, ``apache``, ``plain``.

The ``apache`` tier needs a server started with ``timescaledb.license = 'apache'`` (the licence
cannot be set per database or per session): when the main server runs the community licence, a
second managed cluster with that setting is started on first use (or
``TICKSTOCK_TEST_APACHE_DATABASE_URL`` names one). A tier the server cannot give fails the test
when ``TICKSTOCK_TSDB_SOURCE`` is set (CI builds the community TimescaleDB from it), and is
skipped with the reason otherwise.
- ``cli_env``: an environment dict for running the CLI as a subprocess against a database.
"""
from __future__ import annotations

import contextlib
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
from tickstock_research.schema.tiers import detect_tier

TIERS = ("timescale", "apache", "plain")

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


class _Clusters:
    """Managed clusters started by the tests, destroyed at session end."""

    def __init__(self) -> None:
        self.started: list[tuple[LocalCluster, Path]] = []

    def start(self, licence: str | None = None) -> str:
        home = Path(tempfile.mkdtemp(prefix="tickstock-test-"))
        os.chmod(home, 0o755)
        cluster = LocalCluster(home)
        self.started.append((cluster, home))
        cluster.start()
        if licence is not None:
            # only the configuration file or the command line may set the licence (ALTER SYSTEM
            # writes the file); the setting exists only where the extension is loaded
            with _extension_database(cluster.url(database="postgres")) as cur:
                cur.execute("alter system set timescaledb.license = %s", (licence,))
            cluster.stop()
            cluster.start()
        return cluster.url(database="postgres")

    def destroy(self) -> None:
        dispose_engines()
        for cluster, home in reversed(self.started):
            cluster.destroy()
            shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def _clusters():
    clusters = _Clusters()
    yield clusters
    clusters.destroy()


@pytest.fixture(scope="session")
def pg_admin_url(_clusters):
    external = os.environ.get("TICKSTOCK_TEST_DATABASE_URL")
    return external or _clusters.start()


@contextlib.contextmanager
def _extension_database(admin_url: str):
    """A cursor on a scratch database with TimescaleDB created (dropped afterwards)."""
    name = f"t_probe_{secrets.token_hex(3)}"
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        conn = psycopg2.connect(_with_db(admin_url, name))
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("create extension if not exists timescaledb")
                yield cur
        finally:
            conn.close()
        with admin.cursor() as cur:
            cur.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(name)))
    finally:
        admin.close()


def server_licence(admin_url: str) -> str | None:
    """The server's TimescaleDB licence, or None when TimescaleDB is not preloaded."""
    if not server_has_timescaledb(admin_url):
        return None
    with _extension_database(admin_url) as cur:
        cur.execute("select current_setting('timescaledb.license')")
        return cur.fetchone()[0]


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


def _unavailable(tier: str, why: str):
    """A tier this server cannot give: a failure when CI asked for the community build, else a skip."""
    if os.environ.get("TICKSTOCK_TSDB_SOURCE"):
        pytest.fail(f"tier {tier} unavailable although TICKSTOCK_TSDB_SOURCE is set: {why}", pytrace=False)
    pytest.skip(f"tier {tier} unavailable: {why} (set TICKSTOCK_TSDB_SOURCE to a full TimescaleDB "
                "source tarball and run scripts/setup.sh)")


class _Servers:
    """Admin URLs per tier: the main server, and for ``apache`` one with that licence."""

    def __init__(self, main_url: str, clusters: _Clusters) -> None:
        self.main_url, self.clusters = main_url, clusters
        self.main_licence = server_licence(main_url)
        self._apache: str | None = None

    @property
    def main_tier(self) -> str:
        if self.main_licence is None:
            return "plain"
        return "timescale" if self.main_licence == "timescale" else "apache"

    def admin_url(self, tier: str | None) -> str:
        if tier != "apache" or self.main_licence in (None, "apache"):
            return self.main_url
        if self._apache is None:
            external = os.environ.get("TICKSTOCK_TEST_APACHE_DATABASE_URL")
            if os.environ.get("TICKSTOCK_TEST_DATABASE_URL") and not external:
                pytest.skip("tier apache: TICKSTOCK_TEST_DATABASE_URL runs the timescale licence; "
                            "TICKSTOCK_TEST_APACHE_DATABASE_URL names no apache server")
            self._apache = external or self.clusters.start(licence="apache")
        return self._apache


@pytest.fixture(scope="session")
def _servers(pg_admin_url, _clusters) -> _Servers:
    servers = _Servers(pg_admin_url, _clusters)
    _MAIN_TIER[:] = [servers.main_tier]
    return servers


@pytest.fixture(scope="session")
def new_database(_servers):
    created: list[tuple[str, str]] = []

    def make(tier: str | None = "timescale", init: bool = True, label: str = "db") -> str:
        if tier not in TIERS + (None,):
            raise ValueError(f"tier must be one of {TIERS} or None; got {tier!r}")
        admin = _servers.admin_url(tier)
        label = re.sub(r"[^a-z0-9_]", "_", label.lower())[:30]
        name = f"t_{label}_{secrets.token_hex(3)}"
        conn = psycopg2.connect(admin)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        conn.close()
        created.append((admin, name))
        url = _with_db(admin, name)
        if init and tier is not None:
            init_schema(engine_or_url=url, extension="none" if tier == "plain" else "auto")
            engine = get_engine(url)
            with engine.connect() as c:
                got = detect_tier(c)
            if got != tier:
                _unavailable(tier, f"the server gave a database of tier {got}")
        return url

    make.main_tier = lambda: _servers.main_tier
    yield make
    dispose_engines()
    for admin in dict.fromkeys(a for a, _ in created):
        conn = psycopg2.connect(admin)
        conn.autocommit = True
        with conn.cursor() as cur:
            for a, name in created:
                if a == admin:
                    cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        conn.close()


def _module_label(request) -> str:
    return request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")


@pytest.fixture(scope="module")
def database_url(new_database, request) -> str:
    return new_database(new_database.main_tier(), label=_module_label(request))


@pytest.fixture(scope="module")
def engine(database_url):
    return get_engine(database_url)


@pytest.fixture(scope="module")
def plain_database_url(new_database, request) -> str:
    return new_database("plain", label="plain_" + _module_label(request))


@pytest.fixture(scope="module")
def plain_engine(plain_database_url):
    return get_engine(plain_database_url)


@pytest.fixture(scope="module", params=list(TIERS))
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


# ------------------------------------------------------------------------- tests per tier
# Which tier each test's database is on, from its fixtures: the tier parameter of ``tier_url``
# (or any fixture parametrised over tiers), the server's own tier for ``database_url`` /
# ``engine``, plain for ``plain_database_url`` / ``plain_engine``. Printed after the run.
_TIER_OF: dict[str, set[str]] = {}
_PASSED: dict[str, int] = {t: 0 for t in TIERS}
_MAIN_TIER: list[str] = []


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        tiers: set[str] = set()
        params = getattr(getattr(item, "callspec", None), "params", {})
        tiers |= {v for v in params.values() if isinstance(v, str) and v in TIERS}
        names = set(getattr(item, "fixturenames", ()))
        if names & {"database_url", "engine"}:
            tiers.add("main")
        if names & {"plain_database_url", "plain_engine"}:
            tiers.add("plain")
        if tiers:
            _TIER_OF[item.nodeid] = tiers


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed and report.nodeid in _TIER_OF:
        for tier in _TIER_OF[report.nodeid]:
            tier = (_MAIN_TIER[0] if _MAIN_TIER else "timescale") if tier == "main" else tier
            if tier in _PASSED:
                _PASSED[tier] += 1


def pytest_terminal_summary(terminalreporter):
    if any(_PASSED.values()):
        terminalreporter.write_line("tests passed per database tier: " +
                                    ", ".join(f"{t} {n}" for t, n in _PASSED.items()))


@pytest.fixture(scope="module", autouse=True)
def _release_connections():
    """Close every cached engine's pool after each module, so idle connections of finished
    modules do not pile up to the server's max_connections (the analyst's logins, which are
    not superusers, get no reserved slots)."""
    yield
    dispose_engines()
