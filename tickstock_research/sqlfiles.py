"""Named SQL statements from the ``sql/`` folder.

A query file holds statements introduced by ``-- name: <name>`` lines; :func:`query` returns one
as an SQLAlchemy ``text()`` whose ``:params`` are bind parameters, so values never become SQL.

>>> query("queries/schema", "schema_version").text.strip()
'SELECT max(version) FROM tickstock_schema_version;'
"""
from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

import sqlalchemy as sa

_NAME = re.compile(r"^--\s*(?P<kind>name|fragment):\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*$", re.M)
_INCLUDE = re.compile(r"^\s*--\s*include:\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*$")


def sql_root() -> Path:
    """The folder holding the kit's SQL files."""
    root = Path(str(resources.files("tickstock_research") / "sql"))
    if not root.is_dir():  # pragma: no cover - broken install
        root = Path(__file__).resolve().parents[1] / "sql"
    return root


@functools.lru_cache(maxsize=None)
def read_sql(relpath: str) -> str:
    """The text of ``sql/<relpath>`` (``.sql`` added when missing)."""
    if not relpath.endswith(".sql"):
        relpath += ".sql"
    return (sql_root() / relpath).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def queries(family: str) -> dict[str, str]:
    """All named statements of ``sql/<family>.sql``: name -> SQL text.

    A ``-- fragment: <name>`` block is not a statement: a statement's line ``-- include:
    <name>`` is replaced by it (one rule written once and shared by several statements)."""
    text = read_sql(family)
    bodies: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    marks = list(_NAME.finditer(text))
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        bodies[m.group("name")] = text[m.end():end].splitlines()
        kinds[m.group("name")] = m.group("kind")

    def expand(name: str, seen: tuple[str, ...]) -> list[str]:
        out: list[str] = []
        for line in bodies[name]:
            inc = _INCLUDE.match(line)
            if inc:
                ref = inc.group("name")
                if kinds.get(ref) != "fragment" or ref in seen:
                    raise KeyError(f"sql/{family}.sql: {name} includes {ref!r}, not a fragment (or a cycle)")
                out += expand(ref, seen + (ref,))
            elif not line.lstrip().startswith("--"):
                out.append(line)
        return out

    return {n: "\n".join(expand(n, (n,))).strip() + "\n" for n, k in kinds.items() if k == "name"}


def query(family: str, name: str) -> sa.TextClause:
    """The statement ``name`` of ``sql/<family>.sql`` as a ``text()`` clause."""
    try:
        return sa.text(queries(family)[name])
    except KeyError:
        raise KeyError(f"no statement named {name!r} in sql/{family}.sql") from None


def raw(family: str, name: str) -> str:
    """The statement text itself, for driver-level use (COPY, psycopg2 ``%s`` parameters)."""
    return queries(family)[name]
