"""Engines and connections: every connection runs with ``timezone=UTC``.

Helpers across the kit take ``engine_or_url`` (an Engine, a URL string, or None) and call
:func:`get_engine`; functions that write take a ``Connection`` so the caller owns the
transaction.

>>> engine = get_engine("postgresql://tickstock@127.0.0.1:5433/tickstock")  # doctest: +SKIP
>>> with engine.begin() as conn:                                            # doctest: +SKIP
...     conn.exec_driver_sql("select current_setting('timezone')").scalar()
'UTC'
"""
from __future__ import annotations

import threading
from typing import Any, Mapping

import psycopg2
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from ..errors import DatabaseUnavailableError, ReadOnlyError
from .access import NEEDS
from .url import configured_url, display_url, parse_url, redact

_ENGINES: dict[str, Engine] = {}
INSUFFICIENT_PRIVILEGE = "42501"


def _register_numpy_adapters() -> None:
    """Let psycopg2 send numpy scalars as numbers (numpy 2's repr is ``np.float64(1.5)``)."""
    import numpy as np
    from psycopg2.extensions import AsIs, Float, register_adapter

    def as_float(v: Any) -> Float:
        return Float(float(v))

    def as_int(v: Any) -> AsIs:
        return AsIs(int(v))

    for ft in (np.float16, np.float32, np.float64):
        register_adapter(ft, as_float)
    for it in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64):
        register_adapter(it, as_int)
    register_adapter(np.bool_, lambda v: AsIs(bool(v)))


_register_numpy_adapters()
_LOCK = threading.Lock()

#: libpq options applied to every connection the kit opens.
CONNECT_OPTIONS = "-c timezone=UTC -c DateStyle=ISO"


def resolve_url(url: str | URL | None = None, environ: Mapping[str, str] | None = None) -> URL:
    """The database URL to use: ``url``, else ``TICKSTOCK_DATABASE_URL``, else the local cluster.

    The local cluster is initialised and started on first use.
    """
    if url is None:
        url = configured_url(environ)
    if url is None:
        from .localcluster import LocalCluster

        cluster = LocalCluster.default(environ=environ)
        cluster.ensure_running()
        url = cluster.url()
    return parse_url(url)


def create_engine(url: str | URL, **kwargs) -> Engine:
    """A new Engine for ``url`` whose connections use UTC and whose logs hide parameters."""
    parsed = parse_url(url)
    connect_args = dict(kwargs.pop("connect_args", {}) or {})
    opts = connect_args.get("options", "")
    connect_args["options"] = (opts + " " + CONNECT_OPTIONS).strip()
    connect_args.setdefault("application_name", "tickstock-research")
    connect_args.setdefault("connect_timeout", 10)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("hide_parameters", True)
    engine = sa.create_engine(parsed, connect_args=connect_args, **kwargs)
    sa.event.listen(engine, "handle_error", _connection_errors)
    return engine


def _utc_on_checkout(dbapi_conn, record, proxy) -> None:
    """Set ``timezone=UTC`` (and ISO dates) once per DBAPI connection of an Engine the kit did not create."""
    if record.info.get("tickstock_utc"):
        return
    cur = dbapi_conn.cursor()
    try:
        cur.execute("SET TIME ZONE 'UTC'; SET DateStyle = 'ISO'")
    finally:
        cur.close()
    dbapi_conn.commit()      # outside any transaction of the caller's: checkout starts none
    record.info["tickstock_utc"] = True


def _connection_errors(context) -> None:
    """Turn "cannot connect" driver errors into DatabaseUnavailableError (password-free), and a
    refused privilege into ReadOnlyError naming the login and the role writing needs."""
    if getattr(context, "is_pre_ping", False) or context.engine is None:
        # the pool's liveness check of a pooled connection (a server restart leaves them stale):
        # the pool discards it and connects anew, and a failed new connection comes back here
        # with its engine
        return
    orig = context.original_exception
    if context.connection is None or context.is_disconnect:
        if isinstance(orig, psycopg2.OperationalError):
            raise unavailable(context.engine, orig) from None
    if getattr(orig, "pgcode", None) == INSUFFICIENT_PRIVILEGE:
        raise permission_denied(context.engine, orig) from None


def permission_denied(engine: Engine, exc: BaseException) -> ReadOnlyError:
    """A one-line ReadOnlyError for a statement the server refused (SQLSTATE 42501)."""
    orig = getattr(exc, "orig", exc)
    reason = redact(str(orig).strip().splitlines()[0] if str(orig).strip() else "permission denied")
    return ReadOnlyError(f"{reason}: the login {engine.url.username!r} may not do this; writing needs "
                         f"{NEEDS['writer']}, schema changes and retention {NEEDS['admin']}")


def get_engine(engine_or_url: Engine | str | URL | None = None, *, environ: Mapping[str, str] | None = None) -> Engine:
    """Return an Engine for an Engine, a URL or None (configured URL, else the local cluster).

    Engines made from URLs are cached per URL, so notebooks and jobs share a pool. A caller's
    own Engine is used as it is, except that its connections are switched to UTC on checkout
    (the kit's readers parse the server's timestamps as UTC).
    """
    if isinstance(engine_or_url, Engine):
        if not sa.event.contains(engine_or_url, "checkout", _utc_on_checkout):
            sa.event.listen(engine_or_url, "checkout", _utc_on_checkout)
        return engine_or_url
    parsed = resolve_url(engine_or_url, environ)
    key = parsed.render_as_string(hide_password=False)
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = create_engine(parsed)
    return engine


def dispose_engines() -> None:
    """Close every cached engine's pool (tests, forks)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()


def check_connection(engine: Engine) -> None:
    """Open one connection, or raise DatabaseUnavailableError with a clear, password-free reason."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("select 1")
    except (OperationalError, DBAPIError) as exc:
        raise unavailable(engine, exc) from None


def unavailable(engine: Engine, exc: BaseException) -> DatabaseUnavailableError:
    """Turn a driver error into DatabaseUnavailableError naming the (redacted) URL."""
    orig = getattr(exc, "orig", exc)
    reason = redact(str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__)
    return DatabaseUnavailableError(f"cannot connect to {display_url(engine.url)}: {reason}")


def raw_connection(engine: Engine):
    """A DBAPI (psycopg2) connection from the engine's pool; close() returns it to the pool."""
    try:
        return engine.raw_connection()
    except (OperationalError, DBAPIError) as exc:
        raise unavailable(engine, exc) from None


#: SQLSTATEs after which the server rolled the whole transaction back and running it again is
#: the documented remedy: deadlock_detected, serialization_failure.
RETRYABLE = ("40P01", "40001")


def run_transaction(engine: Engine, body, attempts: int = 4):
    """``body(conn)`` in one committed transaction, run again (after a short pause) when the
    server aborted it as a deadlock victim or a serialization failure.

    Why: on TimescaleDB the server's own compression and retention jobs take exclusive chunk
    locks, and a build writing into the same chunk can be picked as the deadlock victim; the
    builds are idempotent, so the transaction is simply retried.

    >>> run_transaction(engine, lambda conn: conn.execute(sa.text("SELECT 1")).scalar())  # doctest: +SKIP
    1
    """
    import time

    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                return body(conn)
        except sa.exc.DBAPIError as exc:
            if getattr(exc.orig, "pgcode", None) not in RETRYABLE or attempt == attempts:
                raise
            time.sleep(0.05 * 2 ** attempt)
