"""TickStock research kit: load, aggregate, scan and audit market data in PostgreSQL/TimescaleDB.

>>> import tickstock_research as ts                       # doctest: +SKIP
>>> engine = ts.get_engine()          # TICKSTOCK_DATABASE_URL, else the embedded database
>>> ts.init_schema(engine)
"""
__version__ = "0.1.0"

from .db import get_engine, redact  # noqa: E402
from .schema import describe, init_schema, run_maintenance  # noqa: E402

__all__ = ["__version__", "describe", "get_engine", "init_schema", "redact", "run_maintenance"]
