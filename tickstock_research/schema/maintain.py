"""Maintenance: enforce retention on every tier, and keep compressed chunks compressed.

Retention (:mod:`.retention`) drops a chunk (TimescaleDB) or a UTC day of rows (plain
PostgreSQL) past its table's horizon only when its minute and daily bars are built and current;
never by "older than a year" alone. ``dry_run`` lists exactly what a real run would drop. On the
``timescale`` tier the kit's daily server job runs the same retention, and maintenance also
compresses again the chunks late data made partially compressed.

>>> print(run_maintenance(engine_or_url=engine, dry_run=True))  # doctest: +SKIP
maintenance on tier apache (dry run):
  ticks: would drop 3 chunk(s), 120,000 row(s) older than 1 year
    ticks [2024-01-02 00:00:00+00:00 .. 2024-01-03 00:00:00+00:00) 40000 row(s)
  ...
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..db.access import require
from ..db.engine import get_engine
from ..types import EngineOrURL
from .migrate import check_schema
from .retention import RETENTION_TABLES, RetentionUnit, apply_in, horizons
from .tiers import detect_tier

#: Dropped units listed by a real run's report (a dry run lists them all).
SHOWN = 20


@dataclass
class MaintenanceReport:
    tier: str
    dry_run: bool = False
    actions: list[str] = field(default_factory=list)
    #: every unit past its horizon: what was (or would be) dropped, and what is kept and why
    retention: list[RetentionUnit] = field(default_factory=list)
    #: chunks compressed again (timescale tier)
    recompressed: list[str] = field(default_factory=list)

    @property
    def dropped(self) -> list[RetentionUnit]:
        return [u for u in self.retention if u.action == "drop"]

    @property
    def kept(self) -> list[RetentionUnit]:
        return [u for u in self.retention if u.action == "keep"]

    def __str__(self) -> str:
        head = f"maintenance on tier {self.tier}{' (dry run)' if self.dry_run else ''}:"
        lines = [head] + [f"  {a}" for a in self.actions]
        drops = self.dropped
        shown = drops if self.dry_run else drops[:SHOWN]     # a dry run lists every unit
        if shown:
            lines.append("  would drop:" if self.dry_run else "  dropped:")
            lines += [f"    {u.table} [{u.start} .. {u.end}) {u.rows} row(s)" for u in shown]
            if len(drops) > len(shown):
                lines.append(f"    ... {len(drops) - len(shown)} more")
        return "\n".join(lines)


def _unit_word(tier: str) -> str:
    return "day(s) of rows" if tier == "plain" else "chunk(s)"


def run_maintenance(*, engine_or_url: EngineOrURL = None, environ: Mapping[str, str] | None = None,
                    dry_run: bool = False) -> MaintenanceReport:
    """Enforce retention and (timescale tier) recompress late-written chunks. With ``dry_run``
    nothing changes and the report lists exactly what a real run would drop."""
    engine = get_engine(engine_or_url, environ=environ)
    if not dry_run:
        require(engine, "maintenance (retention)", "admin")
    with engine.begin() as conn:
        check_schema(conn)
        tier = detect_tier(conn)
        report = MaintenanceReport(tier, dry_run)
        ages = horizons(conn)
        report.retention = apply_in(conn, dry_run)
        verb = "would drop" if dry_run else "dropped"
        for table, age in ages.items():
            if table not in RETENTION_TABLES:
                report.actions.append(f"{table}: retention {age} ignored (not a time-partitioned table)")
                continue
            if age == "off":
                report.actions.append(f"{table}: retention off")
                continue
            drop = [u for u in report.retention if u.table == table and u.action == "drop"]
            keep = [u for u in report.retention if u.table == table and u.action == "keep"]
            report.actions.append(f"{table}: {verb} {len(drop)} {_unit_word(tier)}, "
                                  f"{sum(u.rows for u in drop):,} row(s) older than {age}")
            if keep:
                report.actions.append(f"{table}: kept {len(keep)} {_unit_word(tier)} older than {age}, "
                                      f"{sum(u.rows for u in keep):,} row(s), until aggregated: {keep[0].reason}")
        if tier == "timescale":
            from .compression import partial_chunks, recompress_partial

            if dry_run:
                n = len(partial_chunks(conn))
                report.actions.append(f"compression: would compress {n} chunk(s) holding late rows again")
            else:
                report.recompressed = recompress_partial(conn)
                report.actions.append(f"compression: by the server's policies; compressed "
                                      f"{len(report.recompressed)} chunk(s) holding late rows again")
        else:
            report.actions.append("compression: unavailable on this tier "
                                  f"({'TimescaleDB licence apache' if tier == 'apache' else 'no TimescaleDB'})")
    return report
