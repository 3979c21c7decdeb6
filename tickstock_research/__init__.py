"""TickStock research kit: load, aggregate, scan and audit market data in PostgreSQL/TimescaleDB.

The public API is importable from the top level; each name lives in its area's module and is
imported on first use, so ``import tickstock_research`` stays fast.

>>> import tickstock_research as ts
>>> sorted(set(ts.__all__) - set(dir(ts)))
[]
>>> sorted(ts._HOMES) == sorted(set(ts.__all__) - {"__version__"})
True
>>> ts.load_ticks.__module__
'tickstock_research.ingest.writers'
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import __version__

#: public name -> the module that defines it
_HOMES: dict[str, str] = {
    # database and schema
    "get_engine": "tickstock_research.db.engine",
    "redact": "tickstock_research.db.url",
    "init_schema": "tickstock_research.schema.migrate",
    "describe": "tickstock_research.schema.tiers",
    "run_maintenance": "tickstock_research.schema.maintain",
    "create_login": "tickstock_research.schema.roles",
    # loading
    "load_ticks": "tickstock_research.ingest.writers",
    "load_bars": "tickstock_research.ingest.bars",
    "load_symbols": "tickstock_research.ingest.symbols",
    "load_events": "tickstock_research.ingest.events",
    "load_splits": "tickstock_research.ingest.corporate_actions",
    "load_dividends": "tickstock_research.ingest.corporate_actions",
    # reading
    "HistoricalLoader": "tickstock_research.load.loader",
    # aggregation
    "build_minute_bars": "tickstock_research.aggregate.minutes",
    "build_daily_bars": "tickstock_research.aggregate.daily",
    "run_rollup": "tickstock_research.aggregate.rollup",
    # patterns and events
    "pattern": "tickstock_research.patterns.registry",
    "scan": "tickstock_research.events.scan",
    "audit": "tickstock_research.events.audit",
    "query_events": "tickstock_research.events.writer",
    # charts and jobs
    "candlestick": "tickstock_research.plots.figures",
    "run_nightly": "tickstock_research.jobs.nightly",
}

__all__ = [
    "__version__",
    "HistoricalLoader",
    "audit",
    "build_daily_bars",
    "build_minute_bars",
    "candlestick",
    "create_login",
    "describe",
    "get_engine",
    "init_schema",
    "load_bars",
    "load_dividends",
    "load_events",
    "load_splits",
    "load_symbols",
    "load_ticks",
    "pattern",
    "query_events",
    "redact",
    "run_maintenance",
    "run_nightly",
    "run_rollup",
    "scan",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .aggregate.daily import build_daily_bars
    from .aggregate.minutes import build_minute_bars
    from .aggregate.rollup import run_rollup
    from .db.engine import get_engine
    from .db.url import redact
    from .events.audit import audit
    from .events.scan import scan
    from .events.writer import query_events
    from .ingest.bars import load_bars
    from .ingest.corporate_actions import load_dividends, load_splits
    from .ingest.events import load_events
    from .ingest.symbols import load_symbols
    from .ingest.writers import load_ticks
    from .jobs.nightly import run_nightly
    from .load.loader import HistoricalLoader
    from .patterns.registry import pattern
    from .plots.figures import candlestick
    from .schema.maintain import run_maintenance
    from .schema.migrate import init_schema
    from .schema.roles import create_login
    from .schema.tiers import describe


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tickstock_research' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
