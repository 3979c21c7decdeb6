"""Logins for people and jobs: a login role in the kit's ``analyst`` or ``writer`` group.

The schema creates two group roles (``sql/migrations/0002_roles.sql``, privileges in
``sql/grants.sql``): ``tickstock_analyst`` reads every table and writes nothing,
``tickstock_writer`` loads data and records events. :func:`create_login` makes a login in one
of them, or moves a login it made earlier to the other group, and returns a :class:`Login`
whose URL connects to the same database, so an analyst's notebooks run read-only:
``TICKSTOCK_DATABASE_URL="$(tickstock db login ana)" tickstock lab``.

Rules (each refusal is one :class:`~tickstock_research.errors.ValidationError` line):

- only logins the kit made (recorded in ``tickstock_logins``) are ever changed: never the
  kit's admin, its group roles, ``pg_*`` names or a role someone else created;
- ``role`` switches the login's group (it is never in both);
- an existing login keeps its password unless ``reset_password=True``.

The name is quoted by the driver (never pasted into SQL), and a password reaches the server
only as a SCRAM-SHA-256 verifier computed here, so it cannot show up in the statement log.

>>> login = create_login("ana", "analyst", engine_or_url=admin_url)  # doctest: +SKIP
>>> print(login)                                        # doctest: +SKIP
created login ana in tickstock_analyst (reads everything, writes nothing)
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from psycopg2 import sql
from sqlalchemy.engine import URL

from ..db.engine import get_engine, raw_connection
from ..db.url import libpq_url
from ..errors import ReadOnlyError, ValidationError
from ..sqlfiles import raw
from ..types import EngineOrURL

LoginRole = Literal["analyst", "writer"]
GROUPS: dict[str, str] = {"analyst": "tickstock_analyst", "writer": "tickstock_writer"}
ABILITY = {"analyst": "reads everything, writes nothing", "writer": "loads data and records events"}
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
SCRAM_ITERATIONS = 4096
FAMILY = "queries/roles"


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802 / 7677), the form
    ``CREATE ROLE ... PASSWORD`` accepts instead of the password itself."""
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(b: bytes) -> str:
        return base64.b64encode(b).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


@dataclass(frozen=True)
class Login:
    """What :func:`create_login` did. ``url`` holds the password only when one was made now."""

    name: str
    role: LoginRole
    url: str
    created: bool
    password_reset: bool
    previous_role: str | None = None

    def __str__(self) -> str:
        group = f"{GROUPS[self.role]} ({ABILITY[self.role]})"
        if self.created:
            return f"created login {self.name} in {group}"
        moved = (f"moved from {GROUPS[self.previous_role]} to {group}" if self.previous_role not in (None, self.role)
                 else f"already in {group}")
        password = ("new password (the URL holds it)" if self.password_reset
                    else "password unchanged (--reset-password makes a new one)")
        return f"login {self.name}: {moved}; {password}"

    def __repr__(self) -> str:
        return f"Login(name={self.name!r}, role={self.role!r}, created={self.created}, password_reset={self.password_reset})"


def _check_name(name: str) -> None:
    if not _NAME.match(name or ""):
        raise ValidationError(f"login name {name!r} is not valid: expected lower-case letters, digits and "
                              "underscores, starting with a letter or underscore (at most 63)")
    if name.startswith("pg_"):
        raise ValidationError(f"login name {name!r} is not allowed: names starting with pg_ are reserved by PostgreSQL")
    if name in GROUPS.values():
        raise ValidationError(f"{name!r} is one of the kit's group roles; a login must have a name of its own")


def create_login(name: str, role: LoginRole = "analyst", *, engine_or_url: EngineOrURL = None,
                 password: str | None = None, reset_password: bool = False) -> Login:
    """Create login ``name`` in the kit's ``role`` group, or move a login the kit made to it.

    Needs a connection allowed to create roles (the embedded database's own user is). A new
    login gets ``password`` or a random one; an existing one keeps its password unless
    ``reset_password`` (then ``password`` or a random one).
    """
    if role not in GROUPS:
        raise ValidationError(f"role must be one of {', '.join(GROUPS)}; got {role!r}")
    _check_name(name)
    engine = get_engine(engine_or_url)
    conn = raw_connection(engine)
    try:
        with conn.cursor() as cur:
            cur.execute(raw(FAMILY, "caller"))
            caller = cur.fetchone()
            if caller is None or not (caller[2] or caller[3]):
                login = caller[0] if caller else engine.url.username
                raise ReadOnlyError(f"making logins needs a superuser or a role with CREATEROLE (the kit's admin); "
                                    f"the login {login!r} has neither")
            if name in (caller[0], caller[1]):
                raise ValidationError(f"{name!r} is the login this command connects with (the kit's admin); "
                                      "`db login` never changes it")
            cur.execute(raw(FAMILY, "role"), {"name": name})
            existing = cur.fetchone()
            cur.execute(raw(FAMILY, "recorded"), {"name": name})
            row = cur.fetchone()
            previous = row[0] if row else None
            if existing is not None and previous is None:
                raise ValidationError(f"role {name!r} exists and was not made by `tickstock db login`; "
                                      "the kit changes only logins it created")
            if existing is not None and (existing[1] or existing[2] or existing[4] or existing[5]):
                raise ValidationError(f"role {name!r} has been given administrative attributes "
                                      "(superuser, createrole, replication or bypassrls); the kit leaves it alone")
            ids = {"login": sql.Identifier(name), "group": sql.Identifier(GROUPS[role]),
                   "database": sql.Identifier(str(engine.url.database))}
            created = existing is None
            new_password = None
            if created or reset_password:
                new_password = password or secrets.token_urlsafe(24)
                statement = "create_login" if created else "set_password"
                cur.execute(sql.SQL(raw(FAMILY, statement)).format(**ids), {"verifier": scram_verifier(new_password)})
            if not created:
                for other, group in GROUPS.items():
                    if other != role:
                        cur.execute(sql.SQL(raw(FAMILY, "revoke_group")).format(**{**ids, "group": sql.Identifier(group)}))
                cur.execute(sql.SQL(raw(FAMILY, "grant_group")).format(**ids))
            cur.execute(sql.SQL(raw(FAMILY, f"{role}_settings")).format(**ids))
            cur.execute(raw(FAMILY, "record"), {"name": name, "role": role})
        conn.commit()
    finally:
        conn.close()
    base = engine.url
    url = URL.create(base.drivername, username=name, password=new_password, host=base.host, port=base.port,
                     database=base.database, query=base.query)
    return Login(name, role, libpq_url(url), created=created, password_reset=bool(new_password) and not created,
                 previous_role=previous)
