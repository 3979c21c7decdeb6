"""Database settings: the kit's own key/value table ``tickstock_settings`` (JSON values).

What a database was built with lives here, so every process reads the same answer: retention
and compression ages, space partitions, and the session filter of the stored daily bars.

>>> with engine.begin() as conn:                       # doctest: +SKIP
...     daily_session(conn)
'regular'
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Connection

from ..sqlfiles import query


def get_setting(conn: Connection, key: str, default: Any = None) -> Any:
    """The value stored under ``key``, or ``default`` when there is none."""
    value = conn.execute(query("queries/schema", "get_setting"), {"key": key}).scalar()
    return default if value is None else value


def put_setting(conn: Connection, key: str, value: Any) -> None:
    """Store ``value`` (anything JSON can hold) under ``key``, in the caller's transaction."""
    conn.execute(query("queries/schema", "put_setting"), {"key": key, "value": json.dumps(value)})


def daily_session(conn: Connection) -> str:
    """The session filter the stored daily bars are built with: ``regular`` unless the first
    daily build of this database chose another."""
    return get_setting(conn, "daily_session", "regular")
