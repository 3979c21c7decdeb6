"""Every SQL file says in its header which bind-parameter style it uses, and uses only that
one (``:name`` for SQLAlchemy ``text()``, ``%(name)s`` for statements run on a psycopg2
cursor); every named statement is used somewhere in the code."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SQL = ROOT / "sql"
FILES = sorted(SQL.rglob("*.sql"))
STYLES = {"none": (False, False), ":name": (False, True), "%(name)s": (True, False)}


def _body(text: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in text.splitlines())


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SQL)) for p in FILES])
def test_one_placeholder_style_stated_in_the_header(path):
    text = path.read_text()
    header = re.search(r"^-- Bind parameters: (none|:name|%\(name\)s)", text, flags=re.M)
    assert header, f"{path.name}: no '-- Bind parameters: ...' line"
    body = _body(text)
    got = (bool(re.search(r"%\(\w+\)s", body)), bool(re.search(r"(?<![:\w]):[a-z_]\w*", body)))
    assert got == STYLES[header.group(1)], f"{path.name}: states {header.group(1)}, uses {got}"


def test_every_named_statement_is_used():
    code = "\n".join(p.read_text() for d in ("tickstock_research", "benchmarks", "scripts")
                     for p in (ROOT / d).rglob("*.py"))
    # names picked by a pattern, such as f"copy_{table}" or f"{role}_settings"
    templates = [re.compile(re.escape(a) + r"\w+" + re.escape(b) + "$")
                 for a, b in re.findall(r'f"(\w*)\{[\w.]+\}(\w*)"', code)]
    unused = []
    for path in SQL.glob("queries/*.sql"):
        for name in re.findall(r"^-- name: (\w+)", path.read_text(), flags=re.M):
            if f'"{name}"' not in code and f"'{name}'" not in code and not any(t.match(name) for t in templates):
                unused.append(f"{path.name}: {name}")
    assert unused == []
