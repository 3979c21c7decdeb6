"""What the benchmark scripts share: a scratch PostgreSQL server and fresh databases on it.

``scratch_server()`` yields an admin URL: ``TICKSTOCK_DATABASE_URL`` when set (a server where
the benchmark may create databases), else a private local cluster (the kit's own
:class:`LocalCluster`) in a temporary folder, destroyed afterwards.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import psycopg2
from psycopg2 import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tickstock_research.db.localcluster import LocalCluster  # noqa: E402


@contextlib.contextmanager
def scratch_server() -> Iterator[str]:
    url = os.environ.get("TICKSTOCK_DATABASE_URL")
    if url:
        yield url
        return
    home = Path(tempfile.mkdtemp(prefix="tickstock-bench-"))
    os.chmod(home, 0o755)  # the server's unprivileged OS user must reach it
    cluster = LocalCluster(home)
    cluster.start()
    try:
        yield cluster.url("postgres")
    finally:
        cluster.destroy()


def fresh_database(admin: str, name: str) -> str:
    """Drop and create database ``name`` on the admin URL's server; return its URL."""
    from sqlalchemy.engine import make_url

    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    conn.close()
    return make_url(admin).set(database=name).render_as_string(hide_password=False)
