"""Retention that never drops research data, on every tier.

Horizons are the database's ``retention`` setting (``{"ticks": "1 year"}`` by default; per table
an interval or ``"off"``), shown by ``tickstock db info`` and changed by ``tickstock db
retention``. A unit past its horizon (a chunk on TimescaleDB, a UTC day on plain PostgreSQL) is
dropped only when its minute and daily bars are built and current by the rollup's watermarks;
otherwise it is kept and listed with the reason. The plan and its enforcement are one SQL
function (``sql/migrations/0060_retention.sql``), so a dry run lists exactly what a run drops,
and on the ``timescale`` tier the server's daily job calls the same function.

>>> set_retention("ticks", "2 years", engine_or_url=url)    # doctest: +SKIP
>>> for unit in apply_retention(engine_or_url=url, dry_run=True): print(unit)   # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import pandas as pd
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError

from ..db.engine import get_engine
from ..errors import ConfigurationError
from ..sqlfiles import query
from ..types import EngineOrURL
from .migrate import check_schema, get_setting, put_setting

#: Tables retention may apply to (time-partitioned research data).
RETENTION_TABLES = ("ticks", "ohlcv_1min")
OFF = "off"
FAMILY = "queries/retention"


@dataclass(frozen=True)
class RetentionUnit:
    """A chunk (or UTC day) past its table's horizon, and what retention does with it."""

    table: str
    start: pd.Timestamp
    end: pd.Timestamp
    rows: int
    horizon: str
    action: str            # drop | keep
    reason: str

    def __str__(self) -> str:
        return f"{self.table} [{self.start} .. {self.end}) {self.rows} row(s): {self.action} ({self.reason})"


def horizons(conn: Connection) -> dict[str, str]:
    from .tiers import DEFAULT_RETENTION

    return dict(get_setting(conn, "retention", DEFAULT_RETENTION))


def set_retention(table: str, age: str, *, engine_or_url: EngineOrURL = None,
                  environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Set ``table``'s retention horizon (an interval such as ``"2 years"``, or ``"off"``);
    returns every horizon."""
    if table not in RETENTION_TABLES:
        raise ConfigurationError(f"retention applies to {', '.join(RETENTION_TABLES)}; got {table!r}")
    age = str(age).strip()
    engine = get_engine(engine_or_url, environ=environ)
    with engine.begin() as conn:
        check_schema(conn)
        if age.lower() == OFF:
            age = OFF
        else:
            try:
                with conn.begin_nested():
                    positive = conn.execute(query(FAMILY, "check_horizon"), {"age": age}).scalar()
            except DataError:
                positive = False
            if not positive:
                raise ConfigurationError(f"retention horizon for {table} must be a positive interval "
                                         f"such as '1 year' or '90 days', or 'off'; got {age!r}")
        current = horizons(conn)
        current[table] = age
        put_setting(conn, "retention", current)
    return current


def apply_retention(*, engine_or_url: EngineOrURL = None, dry_run: bool = False,
                    environ: Mapping[str, str] | None = None) -> list[RetentionUnit]:
    """Drop the units past their horizon whose bars are current (with ``dry_run``, only list
    them); returns every unit past its horizon, dropped (or to drop) and kept."""
    engine = get_engine(engine_or_url, environ=environ)
    with engine.begin() as conn:
        check_schema(conn)
        return apply_in(conn, dry_run)


def apply_in(conn: Connection, dry_run: bool) -> list[RetentionUnit]:
    if dry_run:      # the plan itself: what a real run computes under its lock, then drops
        rows = conn.execute(query(FAMILY, "plan")).all()
    else:
        rows = conn.execute(query(FAMILY, "apply"), {"dry_run": False}).all()
    return [RetentionUnit(r.table_name, pd.Timestamp(r.range_start), pd.Timestamp(r.range_end), int(r.row_count),
                          r.horizon, r.action, r.reason) for r in rows]


def cutoff(conn: Connection, table: str) -> pd.Timestamp | None:
    """The instant before which ``table``'s rows are past their horizon now (None: off)."""
    age = horizons(conn).get(table)
    if age is None or age == OFF:
        return None
    return pd.Timestamp(conn.execute(query(FAMILY, "cutoff"), {"age": age}).scalar())
