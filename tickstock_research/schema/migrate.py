"""Versioned migrations: ``sql/migrations/NNNN_name.sql`` applied in order, recorded once.

:func:`init_schema` is idempotent and safe to run from two processes at once: it holds a
lock for the whole run (a row of ``tickstock_locks`` that only writers can lock), so the
second runner waits, then finds every
migration applied. A database whose schema is newer than the kit is refused.

>>> report = init_schema("postgresql://tickstock:...@127.0.0.1:25432/tickstock")  # doctest: +SKIP
>>> report.version, report.tier                                                     # doctest: +SKIP
(2, 'apache')
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Mapping

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError

from ..db.access import require
from ..db.engine import get_engine, unavailable
from ..db.locks import create_lock_table, hold_lock
from ..errors import ConfigurationError, FeatureUnavailableError, SchemaVersionError
from ..sqlfiles import query, read_sql, sql_root
from ..types import EngineOrURL, ExtensionMode
from ..version import __version__
from . import tiers
from .settings import get_setting, put_setting  # noqa: F401 (re-exported: older imports)

#: Name of the lock held while migrating (see :mod:`..db.locks`).
MIGRATION_LOCK = "schema"
_FILE = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]


@dataclass
class SchemaReport:
    """What :func:`init_schema` did."""

    version: int
    applied: list[int] = field(default_factory=list)
    tier: str = "plain"
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        done = f"applied {', '.join(map(str, self.applied))}" if self.applied else "already up to date"
        lines = [f"schema version {self.version} ({done}); tier {self.tier}"]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def migrations() -> list[Migration]:
    """Every migration shipped with the kit, in version order."""
    found = []
    for path in sorted((sql_root() / "migrations").glob("*.sql")):
        m = _FILE.match(path.name)
        if not m:
            raise ConfigurationError(f"migration file {path.name!r} does not match NNNN_name.sql")
        found.append(Migration(int(m["version"]), m["name"], read_sql(f"migrations/{path.name}")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ConfigurationError(f"duplicate migration versions in sql/migrations: {versions}")
    return found


def latest_version() -> int:
    return migrations()[-1].version


def _exec_script(conn: Connection, sql: str) -> None:
    """Run a multi-statement script through the driver, with no parameter substitution.

    The script joins the Connection's transaction (begun here if none is open), so the caller's
    ``conn.commit()`` commits it.
    """
    if not conn.in_transaction():
        conn.begin()
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None                   # a live pooled connection
    with dbapi.cursor() as cur:  # type: ignore[attr-defined]  # psycopg2's cursor is a context manager
        cur.execute(sql)


def schema_version(conn: Connection) -> int | None:
    """The database's schema version, or None when the kit's schema is not there."""
    if not conn.execute(query("queries/schema", "version_table_exists")).scalar():
        return None
    return conn.execute(query("queries/schema", "schema_version")).scalar()


def check_schema(conn: Connection) -> int:
    """Raise SchemaVersionError unless the schema is present and not newer than the kit."""
    version = schema_version(conn)
    if version is None:
        raise SchemaVersionError("the database has no tickstock schema; run `tickstock db init`")
    newest = latest_version()
    if version > newest:
        raise SchemaVersionError(
            f"database schema version {version} is newer than this kit supports ({newest}); "
            f"upgrade tickstock-research (installed {__version__})"
        )
    applied = {row.version for row in conn.execute(query("queries/schema", "applied_versions"))}
    missing = sorted({m.version for m in migrations()} - applied)
    if missing:
        raise SchemaVersionError(f"the database schema lacks migration(s) {', '.join(map(str, missing))} of this kit; "
                                 "run `tickstock db init` to upgrade it")
    return version


def init_schema(
    *,
    engine_or_url: EngineOrURL = None,
    extension: ExtensionMode = "auto",
    space_partitions: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> SchemaReport:
    """Create or upgrade the kit's schema; idempotent and safe to run concurrently.

    ``extension``: ``"auto"`` creates TimescaleDB when the server has it preloaded, ``"require"``
    fails without it, ``"none"`` keeps the database on the plain-PostgreSQL tier.
    ``space_partitions``: hash partitions of ``ticks`` by symbol on TimescaleDB (default 1: none,
    chosen from the benchmark in ``benchmarks/partitions.py``); only honoured on a new table.
    """
    if extension not in ("auto", "require", "none"):
        raise ConfigurationError(f"extension must be 'auto', 'require' or 'none'; got {extension!r}")
    engine = get_engine(engine_or_url, environ=environ)
    try:
        require(engine, "creating or upgrading the schema (init_schema)", "admin")
        with engine.connect() as conn:
            _create_lock_table(conn)
        with hold_lock(engine, MIGRATION_LOCK, wait=None), engine.connect() as conn:
            return _migrate(conn, extension, space_partitions)
    except OperationalError as exc:
        raise unavailable(engine, exc) from None


def _create_lock_table(conn: Connection) -> None:
    """The lock table, made before the schema lock is taken; two first inits may race on it."""
    for attempt in (1, 2):
        try:
            create_lock_table(conn)
            conn.commit()
            return
        except IntegrityError:      # the other init created it between our check and create
            conn.rollback()
            if attempt == 2:
                raise


def _migrate(conn: Connection, extension: str, space_partitions: int | None) -> SchemaReport:
    report = SchemaReport(version=0)
    server = tiers.server_facts(conn)
    # what is there already, read before anything is changed: a refused init changes nothing
    applied = {}
    if conn.execute(query("queries/schema", "version_table_exists")).scalar():
        applied = {row.version: row for row in conn.execute(query("queries/schema", "applied_versions"))}
    conn.rollback()
    known = {m.version: m for m in migrations()}
    newer = sorted(v for v in applied if v not in known and v > max(known))
    if newer:
        raise SchemaVersionError(
            f"database schema version {max(applied)} is newer than this kit supports ({max(known)}); "
            f"upgrade tickstock-research (installed {__version__})"
        )
    if extension == "require" and not server.timescaledb_loadable and not server.timescaledb:
        raise FeatureUnavailableError(
            "TimescaleDB was required but the server does not have it "
            f"(available: {server.available_timescaledb or 'no'}, preloaded: {'yes' if server.preloaded else 'no'})"
        )
    # the tier is chosen when the schema is created: re-running ``init`` on a plain database
    # keeps it plain (``--require-timescaledb`` converts it on purpose)
    created_plain = bool(applied) and not server.timescaledb
    want_tsdb = extension != "none" and server.timescaledb_loadable and not (extension == "auto" and created_plain)
    if want_tsdb and not server.timescaledb:
        conn.execute(query("queries/schema", "create_timescaledb"))
        conn.commit()
    elif extension == "auto" and created_plain and server.timescaledb_loadable:
        report.notes.append("this database was created on the plain tier and stays plain "
                            "(`tickstock db init --require-timescaledb` converts it)")
    elif extension == "auto" and server.available_timescaledb and not server.timescaledb_loadable:
        report.notes.append("TimescaleDB is installed but not in shared_preload_libraries; using plain PostgreSQL")

    conn.execute(query("queries/schema", "version_table"))
    conn.commit()
    for mig in migrations():
        if mig.version in applied:
            if applied[mig.version].checksum != mig.checksum:
                report.notes.append(f"migration {mig.version} ({mig.name}) changed since it was applied")
            continue
        _exec_script(conn, mig.sql)
        conn.execute(query("queries/schema", "record_version"),
                     {"version": mig.version, "name": mig.name, "checksum": mig.checksum, "kit_version": __version__})
        conn.commit()
        report.applied.append(mig.version)

    report.tier = tiers.detect_tier(conn)
    report.notes += tiers.apply_tier_objects(conn, report.tier, space_partitions)
    conn.commit()
    _exec_script(conn, read_sql("grants"))
    conn.commit()
    report.version = schema_version(conn) or 0
    return report
