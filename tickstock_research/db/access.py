"""What the connected login may do, checked before a job starts, so that a read-only login gets
one line that says which role the action needs instead of a failure halfway through.

Two levels: ``writer`` actions (load, aggregate, scan, the nightly job) need INSERT on the
kit's tables, which the ``tickstock_writer`` group has; ``admin`` actions (``db init``,
retention) need the owner of the kit's tables or a superuser. The analyst group has neither.
The server enforces all of it anyway (``sql/grants.sql``); this only makes the refusal clear.

>>> require(engine, "loading ticks")             # doctest: +SKIP
Traceback (most recent call last):
ReadOnlyError: loading ticks needs a login in tickstock_writer (...); the login 'ana' is read-only (tickstock_analyst)
"""
from __future__ import annotations

from typing import Literal

from sqlalchemy.engine import Engine

from ..errors import ReadOnlyError
from ..sqlfiles import query

Needs = Literal["writer", "admin"]
NEEDS: dict[str, str] = {
    "writer": "a login in tickstock_writer (`tickstock db login NAME --role writer`)",
    "admin": "the kit's admin (the owner of its tables, or a superuser)",
}


def describe_login(login: str, groups: str | None, can_write: bool | None) -> str:
    """``the login 'ana' is read-only (tickstock_analyst)`` and the like, for messages."""
    kind = "read-only" if can_write is False else "not the kit's admin"
    return f"the login {login!r} is {kind} ({groups or 'in no group'})"


def require(engine: Engine, action: str, needs: Needs = "writer") -> None:
    """Raise :class:`ReadOnlyError` unless the engine's login may do ``action``.

    ``action`` names what is being done ("loading ticks"); ``needs`` is ``writer`` or ``admin``.
    A database without the kit's schema passes (the action itself says to run ``db init``).
    """
    with engine.connect() as conn:
        row = conn.execute(query("queries/access", "who")).mappings().one()
    if row["superuser"]:
        return
    if needs == "writer":
        allowed = row["can_write"] is not False
    else:
        allowed = row["owns_schema"] if row["owns_schema"] is not None else bool(row["can_create"])
    if not allowed:
        raise ReadOnlyError(f"{action} needs {NEEDS[needs]}; "
                            f"{describe_login(row['login'], row['groups'], row['can_write'])}")
