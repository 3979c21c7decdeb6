"""Logins for people and jobs: a login role in the kit's ``analyst`` or ``writer`` group.

The schema creates two group roles (``sql/migrations/0002_roles.sql``, privileges in
``sql/grants.sql``): ``tickstock_analyst`` reads every table and writes nothing,
``tickstock_writer`` loads data and records events. :func:`create_login` makes (or resets) a
login in one of them and returns the URL to connect with, so an analyst's notebooks can run with
read-only rights: ``TICKSTOCK_DATABASE_URL="$(tickstock db login ana)" tickstock lab``.

The login name is checked and quoted by the driver (never pasted into SQL), and the password
reaches the server only as a SCRAM-SHA-256 verifier computed here, so it cannot show up in the
server's statement log.

>>> url = create_login("ana", "analyst", admin_url)    # doctest: +SKIP
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from typing import Literal

from psycopg2 import sql

from ..db.engine import get_engine, raw_connection
from ..db.url import libpq_url
from ..errors import ValidationError
from ..types import EngineOrURL

LoginRole = Literal["analyst", "writer"]
GROUPS: dict[str, str] = {"analyst": "tickstock_analyst", "writer": "tickstock_writer"}
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
SCRAM_ITERATIONS = 4096


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802 / 7677), the form
    ``CREATE ROLE ... PASSWORD`` accepts instead of the password itself."""
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def create_login(name: str, role: LoginRole = "analyst", engine_or_url: EngineOrURL = None,
                 password: str | None = None) -> str:
    """Create login ``name`` in the kit's ``role`` group (or reset its password and add it to the
    group) and return its URL for the same database (a ``postgresql://`` URL that psql and
    SQLAlchemy accept). Needs a connection allowed to create roles
    (the embedded database's own user is). A new random password is made unless one is given.
    """
    if role not in GROUPS:
        raise ValidationError(f"role must be one of {', '.join(GROUPS)}; got {role!r}")
    if not _NAME.match(name or ""):
        raise ValidationError(f"login name {name!r} is not valid: expected lower-case letters, digits and "
                              "underscores, starting with a letter or underscore (at most 63)")
    engine = get_engine(engine_or_url)
    password = password or secrets.token_urlsafe(24)
    verifier = scram_verifier(password)
    conn = raw_connection(engine)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
            login, group = sql.Identifier(name), sql.Identifier(GROUPS[role])
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s IN ROLE {}").format(login, group), (verifier,))
            else:
                cur.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD %s").format(login), (verifier,))
                cur.execute(sql.SQL("GRANT {} TO {}").format(group, login))
        conn.commit()
    finally:
        conn.close()
    return libpq_url(engine.url.set(username=name, password=password))
