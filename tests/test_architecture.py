"""The package's layers are one-way: a module imports only from its own area or areas below it.

Read from the source with ``ast`` (imports inside functions count too, so a lazy import cannot
hide a back edge). The order is the one docs/architecture.md draws; the test also checks that
every area of the package has a place in it, so a new area must be placed on purpose.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tickstock_research"

#: Areas from the bottom up. An area may import from any area at its level or below.
LAYERS: list[set[str]] = [
    {"errors", "types", "version", "sqlfiles", "symbols", "timeframes"},   # shared rules, no database
    {"db"},                                                   # URLs, engines, the local cluster, locks
    {"distributed"},                                          # Dask fan-out (ships URLs, never engines)
    {"schema"},                                               # migrations, tiers, settings, roles
    {"sessions"},                                             # calendars, exchange time, time ranges
    {"ingest"},                                               # the load pipeline
    {"corporate"},                                            # splits, dividends, adjustment factors
    {"load"},                                                 # HistoricalLoader
    {"aggregate"},                                            # minute and daily bars, live bars
    {"patterns"},                                             # the pattern API and registry
    {"events"},                                               # scanning, recording, auditing
    {"plots"},                                                # plotly figures
    {"jobs"},                                                 # nightly job, notebooks, reports
    {"cli"},                                                  # the `tickstock` command
]
LEVEL = {area: i for i, layer in enumerate(LAYERS) for area in layer}


def area_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "tickstock_research" else None


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import of the kit's own modules in ``path``."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("tickstock_research")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("tickstock_research"):
                continue
            if target == "tickstock_research":          # ``from .. import plots``: the subpackage
                found += [(node.lineno, f"tickstock_research.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, target))
    return found


def sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.resolve().is_relative_to(PACKAGE.resolve()))


def test_every_area_has_a_layer():
    areas = {area_of(module_name(p)) for p in sources()} - {None}
    assert sorted(areas - set(LEVEL)) == []


def test_imports_only_go_down():
    back_edges = []
    for path in sources():
        me = module_name(path)
        mine = area_of(me)
        if mine is None:                                   # the top-level API imports everything (lazily)
            continue
        for line, target in imported(path):
            theirs = area_of(target)
            if theirs is None:
                back_edges.append(f"{me}:{line} imports the top-level package (import from the defining module)")
            elif theirs != mine and LEVEL[theirs] > LEVEL[mine]:
                back_edges.append(f"{me}:{line} -> {target} ({mine} is below {theirs})")
    assert back_edges == []


def test_the_checker_catches_a_back_edge(tmp_path):
    fake = tmp_path / "tickstock_research" / "db"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("def f():\n    from ..jobs import nightly\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path / "tickstock_research"
    try:
        assert imported(fake / "bad.py") == [(2, "tickstock_research.jobs")]
    finally:
        PACKAGE = saved
