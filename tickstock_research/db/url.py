"""One URL is the connection configuration.

The URL comes from an argument, else ``TICKSTOCK_DATABASE_URL``, else the embedded local
cluster. It is parsed once into a :class:`sqlalchemy.engine.URL`, whose ``repr`` hides the
password; :func:`redact` gives the same for any string.

>>> redact("postgresql://ana:s3cret@db.example:5432/market")
'postgresql://ana:***@db.example:5432/market'
"""
from __future__ import annotations

import os
import re
from typing import Mapping

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from ..errors import ConfigurationError

ENV_URL = "TICKSTOCK_DATABASE_URL"
#: ``scheme://user:PASSWORD@host``: the password runs to the *last* ``@`` of the
#: whitespace-free run, so unencoded ``@``, ``:``, ``/`` and ``%`` in it are hidden too (when in
#: doubt more is hidden, never less).
_PASSWORD_IN_URL = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)(?P<pw>\S*)(?P<tail>@)", re.I)
#: ``password=...`` (libpq key=value DSNs, quoted with backslash escapes or bare) and
#: ``"password": "..."`` (JSON, reprs).
_PASSWORD_KV = re.compile(
    r"""(?P<head>\bpassword\s*=\s*|["']password["']\s*:\s*)"""
    r"""(?P<pw>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s,;}]+)""", re.I)


def redact(text: object) -> str:
    """Return ``text`` with every password in a URL or ``password=`` pair replaced by ``***``.

    >>> redact("postgresql://ana:p@ss:w/rd@db.example:5432/market")
    'postgresql://ana:***@db.example:5432/market'
    >>> redact("host=db.example password='s3 cret' dbname=market")
    'host=db.example password=*** dbname=market'
    """
    s = str(text)
    s = _PASSWORD_IN_URL.sub(lambda m: m.group("head") + "***" + m.group("tail"), s)
    return _PASSWORD_KV.sub(lambda m: m.group("head") + "***", s)


def parse_url(url: str | URL) -> URL:
    """Parse and normalise a PostgreSQL URL (driver psycopg2), or raise ConfigurationError.

    >>> parse_url("postgres://u@localhost/db").drivername
    'postgresql+psycopg2'
    """
    if isinstance(url, URL):
        parsed = url
    else:
        text = str(url).strip()
        if not text:
            raise ConfigurationError("empty database URL; expected postgresql://user:password@host:port/dbname")
        try:
            parsed = make_url(text)
        except (ArgumentError, ValueError):
            raise ConfigurationError(
                f"malformed database URL {redact(text)!r}; expected postgresql://user:password@host:port/dbname"
            ) from None
    if parsed.drivername.split("+")[0] not in ("postgresql", "postgres"):
        raise ConfigurationError(
            f"unsupported database URL scheme {parsed.drivername!r}; expected postgresql:// (PostgreSQL with or without TimescaleDB)"
        )
    if "+" not in parsed.drivername:  # no explicit driver: the kit's default, psycopg2
        parsed = parsed.set(drivername="postgresql+psycopg2")
    if not parsed.database:
        raise ConfigurationError(f"database URL {redact(parsed.render_as_string(hide_password=True))!r} names no database")
    try:
        if parsed.port is not None and not (0 < int(parsed.port) < 65536):
            raise ValueError
    except ValueError:
        raise ConfigurationError(f"database URL has an invalid port: {parsed.port!r}") from None
    return parsed


def configured_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The URL from ``TICKSTOCK_DATABASE_URL`` in ``environ`` (default ``os.environ``), or None."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_URL, "").strip()
    return value or None


def libpq_url(url: str | URL) -> str:
    """The URL in the plain ``postgresql://`` form that psql and libpq accept (password included)."""
    parsed = parse_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def display_url(url: str | URL) -> str:
    """The URL with its password hidden, for logs and reports."""
    return parse_url(url).set(drivername="postgresql").render_as_string(hide_password=True)
