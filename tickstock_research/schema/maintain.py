"""Maintenance: enforce retention on every tier, and report compression.

On the ``timescale`` tier the server's own policies do the work and this only reports them.
On ``apache`` it drops whole chunks older than the retention age (``drop_chunks``); on
``plain`` PostgreSQL it deletes the rows.

>>> run_maintenance(engine)  # doctest: +SKIP
MaintenanceReport(tier='apache', actions=['ticks: dropped 3 chunk(s) older than 1 year'])
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import sqlalchemy as sa

from ..db.access import require
from ..db.engine import get_engine
from ..sqlfiles import query
from ..types import EngineOrURL
from .migrate import check_schema, get_setting
from .tiers import DEFAULT_RETENTION, detect_tier

# Retention deletes on plain PostgreSQL, one statement per table: the table name is never
# taken from input, only from this fixed map.
_PLAIN_DELETE = {
    "ticks": sa.text('DELETE FROM ticks WHERE "timestamp" < now() - CAST(:older_than AS interval)'),
    "ohlcv_1min": sa.text('DELETE FROM ohlcv_1min WHERE "timestamp" < now() - CAST(:older_than AS interval)'),
}


@dataclass
class MaintenanceReport:
    tier: str
    actions: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"maintenance on tier {self.tier}:\n" + "\n".join(f"  {a}" for a in self.actions)


def run_maintenance(engine_or_url: EngineOrURL = None, environ: Mapping[str, str] | None = None) -> MaintenanceReport:
    """Enforce retention and report compression for the database's tier."""
    engine = get_engine(engine_or_url, environ)
    require(engine, "maintenance (retention)", "admin")
    with engine.begin() as conn:
        check_schema(conn)
        tier = detect_tier(conn)
        report = MaintenanceReport(tier)
        retention = get_setting(conn, "retention", DEFAULT_RETENTION)
        for table, age in retention.items():
            if table not in _PLAIN_DELETE:
                report.actions.append(f"{table}: retention {age} ignored (not a time-partitioned table)")
                continue
            if tier == "timescale":
                report.actions.append(f"{table}: retention {age} enforced by the server's policy")
            elif tier == "apache":
                n = conn.execute(query("tiers/timescaledb", "drop_chunks"),
                                 {"hypertable": table, "older_than": age}).scalar()
                report.actions.append(f"{table}: dropped {n} chunk(s) older than {age}")
            else:
                n = conn.execute(_PLAIN_DELETE[table], {"older_than": age}).rowcount
                report.actions.append(f"{table}: deleted {n} row(s) older than {age}")
        if tier != "timescale":
            report.actions.append("compression: unavailable on this tier "
                                  f"({'TimescaleDB licence apache' if tier == 'apache' else 'no TimescaleDB'})")
        else:
            report.actions.append("compression: enforced by the server's policies")
    return report
