"""Every example in the package's docstrings runs, and shows what it says.

The examples run against a real database (a fresh one of the main tier) that holds a small
synthetic market: three symbols (ALPH, BRVO, CHRL), five sessions ending 2024-03-08, loaded
from Massive-format files, with minute and daily bars built. Each module's examples run in
their own namespace with ``engine`` and ``url`` (the database), ``pd``, ``np``, ``dt`` and
``Path``, in a working folder that holds the market's files (``2024-03-08.csv.gz``,
``reference_tickers.json``, ``splits.json``, ...), with ``TICKSTOCK_DATABASE_URL`` set, so an
example that relies on the configured database (no ``engine_or_url``) uses it too.

An example may be skipped (``# doctest: +SKIP``) only in a module of the allow-list below, which
may only shrink (the examples of those modules are being rewritten against this world).
"""
from __future__ import annotations

import datetime as dt
import doctest
import importlib
import json
import os
import pkgutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tickstock_research

#: Modules whose examples still skip (each needs this test's world to say what it shows, or names
#: a server of the reader's own). The list may only shrink: a skip in any other module fails.
ALLOWED_SKIPS = {
    "tickstock_research.aggregate.daily",
    "tickstock_research.aggregate.minutes",
    "tickstock_research.aggregate.realtime",
    "tickstock_research.aggregate.rollup",
    "tickstock_research.db.access",
    "tickstock_research.db.engine",
    "tickstock_research.db.localcluster",
    "tickstock_research.db.locks",
    "tickstock_research.distributed",
    "tickstock_research.events",
    "tickstock_research.events.audit",
    "tickstock_research.events.scan",
    "tickstock_research.events.writer",
    "tickstock_research.ingest",
    "tickstock_research.ingest.bars",
    "tickstock_research.ingest.corporate_actions",
    "tickstock_research.ingest.event_store",
    "tickstock_research.ingest.events",
    "tickstock_research.ingest.symbols",
    "tickstock_research.ingest.writers",
    "tickstock_research.jobs",
    "tickstock_research.jobs.demo",
    "tickstock_research.jobs.execute",
    "tickstock_research.jobs.loads",
    "tickstock_research.jobs.nightly",
    "tickstock_research.jobs.report",
    "tickstock_research.jobs.steps",
    "tickstock_research.jobs.synthetic",
    "tickstock_research.load",
    "tickstock_research.load.fetch",
    "tickstock_research.load.loader",
    "tickstock_research.patterns.base",
    "tickstock_research.patterns.synthetic",
    "tickstock_research.plots",
    "tickstock_research.plots.adjustments",
    "tickstock_research.plots.figures",
    "tickstock_research.schema.maintain",
    "tickstock_research.schema.migrate",
    "tickstock_research.schema.retention",
    "tickstock_research.schema.roles",
    "tickstock_research.schema.settings",
    "tickstock_research.schema.tiers",
    "tickstock_research.sessions.lookup",
}


def _modules() -> list[str]:
    """The package's modules that hold examples."""
    names = [tickstock_research.__name__]
    for info in pkgutil.walk_packages(tickstock_research.__path__, tickstock_research.__name__ + "."):
        names.append(info.name)
    return sorted(n for n in names if _examples(importlib.import_module(n), n))


def _examples(module, name: str) -> list[doctest.DocTest]:
    """The module's own docstring tests (not those of names it imports)."""
    found = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    return [t for t in found if t.examples and t.filename == getattr(module, "__file__", None)]


MODULES = _modules()


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    """A folder holding a small market's files, loaded into the database with bars built."""
    from tickstock_research import build_daily_bars, build_minute_bars, load_symbols, load_ticks
    from tickstock_research.jobs.synthetic import generate_market

    folder = tmp_path_factory.mktemp("doctest_world")
    market = generate_market(folder, seed=7, symbols=3, days=5, end="2024-03-08")
    load_symbols(market.tickers_file, engine_or_url=database_url)
    load_ticks(market.files, engine_or_url=database_url, progress=False)
    build_minute_bars("2024-03-04", "2024-03-08", engine_or_url=database_url)
    build_daily_bars("2024-03-04", "2024-03-08", engine_or_url=database_url)
    (folder / "splits.json").write_text(json.dumps({"status": "OK", "results": [
        {"ticker": "CHRL", "execution_date": "2024-03-06", "split_from": 1, "split_to": 4}]}))
    (folder / "dividends.json").write_text(json.dumps({"status": "OK", "results": [
        {"ticker": "BRVO", "ex_dividend_date": "2024-03-07", "cash_amount": 0.24, "currency": "USD",
         "dividend_type": "CD", "pay_date": "2024-03-21", "frequency": 4}]}))
    return folder


@pytest.fixture
def in_world(world, database_url, monkeypatch):
    monkeypatch.chdir(world)
    monkeypatch.setenv("TICKSTOCK_DATABASE_URL", database_url)
    return world


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, in_world, database_url, engine):
    module = importlib.import_module(name)
    tests = _examples(module, name)
    skipped = [t.name for t in tests for ex in t.examples if ex.options.get(doctest.SKIP)]
    if skipped and name not in ALLOWED_SKIPS:
        pytest.fail(f"{name}: examples skipped without a reason in ALLOWED_SKIPS: {', '.join(sorted(set(skipped)))}",
                    pytrace=False)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    failures = []
    for test in sorted(tests, key=lambda t: t.lineno or 0):
        test.globs = dict(vars(module)) | {"engine": engine, "url": database_url, "pd": pd, "np": np, "dt": dt,
                                           "Path": Path, "os": os}
        out: list[str] = []
        runner = doctest.DocTestRunner(optionflags=flags)
        runner.run(test, out=out.append)
        if runner.failures:
            failures.append("".join(out))
    assert not failures, "\n".join(failures)
