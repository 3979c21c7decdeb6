"""Job locks that only writers can take: one row of ``tickstock_locks`` per lock name.

The nightly job (one lock per session date), the rollup and ``tickstock db init`` each hold a
lock while they run. The lock is a row locked ``FOR UPDATE`` by a transaction kept open on a
connection of its own, so it is released when the job ends or its process dies, exactly like a
session-level advisory lock, but unlike an advisory key it cannot be taken by a read-only
login: ``FOR UPDATE`` needs the UPDATE privilege, which the analyst role does not have.

>>> with hold_lock(engine, "nightly:2024-01-02"):     # doctest: +SKIP
...     run_the_job()
"""
from __future__ import annotations

import contextlib
from typing import Iterator

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ..errors import JobLockedError, SchemaVersionError
from ..sqlfiles import query

FAMILY = "queries/locks"
_LOCK_NOT_AVAILABLE = "55P03"


def create_lock_table(conn: Connection) -> None:
    """Create ``tickstock_locks`` when missing (``db init`` does, before taking its lock)."""
    conn.execute(query(FAMILY, "create_table"))


@contextlib.contextmanager
def hold_lock(engine: Engine, name: str, *, wait: float | None = 0.0,
              busy: str | None = None) -> Iterator[None]:
    """Hold the kit lock ``name`` for the ``with`` block.

    ``wait``: seconds to wait for a holder to finish (0: do not wait; None: wait as long as it
    takes). When the lock stays taken, raises :class:`JobLockedError` with the message ``busy``,
    whose ``{who}`` becomes the holder's server process when visible.
    """
    conn = engine.connect()
    try:
        if not conn.execute(query(FAMILY, "table_exists")).scalar():
            raise SchemaVersionError("the database has no lock table; run `tickstock db init` to upgrade it")
        conn.execute(query(FAMILY, "ensure_row"), {"name": name})
        conn.commit()
        try:
            if wait is not None and wait <= 0:
                conn.execute(query(FAMILY, "take_nowait"), {"name": name})
            else:
                timeout = "0" if wait is None else f"{int(wait * 1000)}ms"
                conn.execute(query(FAMILY, "set_lock_timeout"), {"timeout": timeout})
                conn.execute(query(FAMILY, "take"), {"name": name})
        except DBAPIError as exc:
            if getattr(exc.orig, "pgcode", None) != _LOCK_NOT_AVAILABLE:
                raise
            conn.rollback()
            raise JobLockedError(_busy_message(engine, name, busy)) from None
        try:
            yield
        finally:
            conn.rollback()
    finally:
        conn.close()


def lock_holder(engine: Engine, name: str) -> dict | None:
    """The server process holding lock ``name`` (``pid``, ``backend_start``), or None when free.

    >>> lock_holder(engine, "rollup")     # doctest: +SKIP
    {'pid': 4242, 'backend_start': datetime.datetime(2024, 1, 2, 22, 0, 1, tzinfo=...)}
    """
    with engine.connect() as conn:
        if not conn.execute(query(FAMILY, "table_exists")).scalar():
            return None
        row = conn.execute(query(FAMILY, "holder"), {"name": name}).mappings().first()
    return dict(row) if row else None


def _busy_message(engine: Engine, name: str, busy: str | None) -> str:
    """``busy`` with ``{who}`` replaced by the holder (appended when ``busy`` has no ``{who}``)."""
    message = busy or f"the lock {name!r} is held by another run{{who}}"
    if "{who}" not in message:
        message += "{who}"
    holder = lock_holder(engine, name)
    who = ""
    if holder and holder["backend_start"] is not None:
        who = f" by server process {holder['pid']} since {holder['backend_start']:%Y-%m-%d %H:%M:%S} UTC"
    elif holder:
        who = f" by server process {holder['pid']}"
    return message.replace("{who}", who)
