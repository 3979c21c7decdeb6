"""Server tiers: what the server can do, which objects the kit builds on it, and ``db info``.

=============  ===========================================================================
tier           what the kit builds
=============  ===========================================================================
``timescale``  hypertables, compression policies, retention by the kit's own server job
               (``tickstock_retention_job``; TimescaleDB community licence)
``apache``     hypertables; retention by ``tickstock maintain`` (``drop_chunks``);
               compression reported as unavailable
``plain``      plain tables; retention by ``tickstock maintain`` (row deletes)
=============  ===========================================================================
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from ..sqlfiles import query
from ..types import Tier

#: Hypertables and their time partitioning.
HYPERTABLES = ("ticks", "ohlcv_1min")
#: Default retention (drop older data) and compression ages, per table.
DEFAULT_RETENTION = {"ticks": "1 year"}
DEFAULT_COMPRESSION = {"ticks": "30 days", "ohlcv_1min": "90 days"}
#: Default number of hash partitions of ``ticks`` by symbol. 1 means none: measured in
#: benchmarks/partitions.py, 100 partitions ingest at 0.66x the rate and make 66x the chunks;
#: their faster one-symbol reads come from each symbol's rows sitting together, which time-only
#: partitioning gets too because ingest writes in (symbol, time) order (see the README). The
#: seed's 100 stay available via ``--space-partitions``.
DEFAULT_SPACE_PARTITIONS = 1
DATA_TABLES = ("symbols", "ticks", "ohlcv_1min", "ohlcv_daily", "events", "quarantine")


@dataclass
class ServerFacts:
    server_version: str
    server_version_num: int
    preloaded: bool
    licence: str | None
    available_timescaledb: str | None
    timescaledb: str | None
    database: str

    @property
    def timescaledb_loadable(self) -> bool:
        return bool(self.available_timescaledb) and bool(self.preloaded)


def server_facts(conn: Connection) -> ServerFacts:
    row = conn.execute(query("queries/schema", "server")).mappings().one()
    return ServerFacts(**row)


def detect_tier(conn: Connection) -> Tier:
    """``timescale``, ``apache`` or ``plain``, from the extension and ``timescaledb.license``."""
    facts = server_facts(conn)
    if not facts.timescaledb:
        return "plain"
    return "timescale" if (facts.licence or "").lower() == "timescale" else "apache"


def _hypertables(conn: Connection) -> dict[str, dict]:
    return {r["hypertable_name"]: dict(r) for r in conn.execute(query("tiers/timescaledb", "hypertables")).mappings()}


def apply_tier_objects(conn: Connection, tier: Tier, space_partitions: int | None = None) -> list[str]:
    """Build the tier's objects (idempotent). Returns notes for the caller to show."""
    from .migrate import get_setting, put_setting

    notes: list[str] = []
    if get_setting(conn, "retention") is None:
        put_setting(conn, "retention", DEFAULT_RETENTION)
    if get_setting(conn, "compression") is None:
        put_setting(conn, "compression", DEFAULT_COMPRESSION)
    if tier == "plain":
        put_setting(conn, "space_partitions", 1)
        notes.append("plain PostgreSQL: no hypertables; retention runs in `tickstock maintain` (row deletes)")
        return notes

    existing = _hypertables(conn)
    if space_partitions is not None and int(space_partitions) < 1:
        raise ValueError(f"space_partitions must be >= 1; got {space_partitions}")
    if "ticks" not in existing:
        parts = int(space_partitions or get_setting(conn, "space_partitions", DEFAULT_SPACE_PARTITIONS))
        conn.execute(query("tiers/timescaledb", "ticks_hypertable"))
        if parts > 1:
            conn.execute(query("tiers/timescaledb", "ticks_space_partitions"), {"partitions": parts})
        put_setting(conn, "space_partitions", parts)
    elif space_partitions is not None:
        current = space_partitions_of(conn).get("ticks", 1)
        if current != int(space_partitions):
            notes.append(f"ticks already has {current} space partition(s); "
                         f"{space_partitions} only applies to a new database")
    if "ohlcv_1min" not in existing:
        conn.execute(query("tiers/timescaledb", "ohlcv_1min_hypertable"))

    if tier == "timescale":
        compression = get_setting(conn, "compression", DEFAULT_COMPRESSION)
        existing = _hypertables(conn)
        for table in HYPERTABLES:
            if table in compression and not existing.get(table, {}).get("compression_enabled"):
                conn.execute(query("tiers/timescale_licence", f"{table}_compression"))
            if table in compression:
                conn.execute(query("tiers/timescale_licence", "compression_policy"),
                             {"hypertable": table, "after": compression[table]})
            # never the server's retention policy (it drops unaggregated rows): the kit's job
            conn.execute(query("tiers/timescale_licence", "remove_retention_policy"), {"hypertable": table})
        if not conn.execute(query("tiers/timescale_licence", "retention_job_exists")).scalar():
            conn.execute(query("tiers/timescale_licence", "add_retention_job"))
    else:
        notes.append("TimescaleDB licence apache: compression unavailable; retention runs in `tickstock maintain` (drop_chunks)")
    return notes


def space_partitions_of(conn: Connection) -> dict[str, int]:
    return {r.hypertable_name: int(r.num_partitions) for r in conn.execute(query("tiers/timescaledb", "space_partitions"))}


@dataclass
class DatabaseInfo:
    """What ``tickstock db info`` prints."""

    url: str
    server_version: str
    tier: Tier
    timescaledb_version: str | None
    licence: str | None
    schema_version: int | None
    latest_schema_version: int
    hypertables: list[str] = field(default_factory=list)
    space_partitions: dict[str, int] = field(default_factory=dict)
    features: dict[str, str] = field(default_factory=dict)
    table_bytes: dict[str, int] = field(default_factory=dict)
    #: per hypertable on the timescale tier: before_bytes, after_bytes (compressed chunks only),
    #: compressed_chunks, total_chunks
    compression: dict[str, dict] = field(default_factory=dict)

    def __str__(self) -> str:
        tsdb = f"TimescaleDB {self.timescaledb_version} (licence {self.licence})" if self.timescaledb_version else "none"
        sv = "not initialised (run `tickstock db init`)" if self.schema_version is None else str(self.schema_version)
        lines = [
            f"database:        {self.url}",
            f"server:          PostgreSQL {self.server_version}",
            f"timescaledb:     {tsdb}",
            f"tier:            {self.tier}",
            f"schema version:  {sv} (kit supports {self.latest_schema_version})",
            "features:",
        ]
        lines += [f"  {k + ':':<24}{v}" for k, v in self.features.items()]
        if self.table_bytes:
            lines.append("table sizes:")
            lines += [f"  {k + ':':<24}{_human(v)}" for k, v in sorted(self.table_bytes.items())]
        if self.compression:
            lines.append("compression (compressed chunks: uncompressed -> compressed):")
            for k, c in sorted(self.compression.items()):
                before, after = c.get("before_bytes") or 0, c.get("after_bytes") or 0
                ratio = f", {before / after:.1f}x" if after else ""
                lines.append(f"  {k + ':':<24}{c.get('compressed_chunks') or 0} of {c.get('total_chunks') or 0} "
                             f"chunk(s) compressed; {_human(before)} -> {_human(after)}{ratio}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def table_sizes(conn: Connection, tier: Tier) -> dict[str, int]:
    sizes = {r.table_name: int(r.total_bytes) for r in
             conn.execute(query("queries/schema", "table_sizes"), {"tables": list(DATA_TABLES)})}
    if tier != "plain":
        for r in conn.execute(query("tiers/timescaledb", "hypertable_sizes")):
            if r.table_name in DATA_TABLES:
                sizes[r.table_name] = int(r.total_bytes or 0)
    return sizes


def describe(conn: Connection, shown_url: str) -> DatabaseInfo:
    """Inspect the server and schema behind ``conn``: what ``tickstock db info`` prints (tier,
    features, retention horizons, sizes, whether the read-only analyst role is enforced).
    ``shown_url`` is the password-free URL (or any label) the report names the database by.

    >>> with get_engine().connect() as conn:                     # doctest: +SKIP
    ...     print(describe(conn, "local").tier)
    timescale
    """
    from .migrate import get_setting, latest_version, schema_version

    facts = server_facts(conn)
    tier = detect_tier(conn)
    version = schema_version(conn)
    info = DatabaseInfo(url=shown_url, server_version=facts.server_version, tier=tier,
                        timescaledb_version=facts.timescaledb, licence=facts.licence if facts.timescaledb else None,
                        schema_version=version, latest_schema_version=latest_version())
    feats = info.features
    if tier == "plain":
        feats["hypertables"] = "no (plain PostgreSQL tables)"
        feats["space partitions"] = "no"
        feats["compression"] = "unavailable (no TimescaleDB)"
        feats["retention"] = "by `tickstock maintain` (row deletes)" if version else "off"
        feats["continuous aggregates"] = "unavailable (no TimescaleDB)"
    else:
        hts = _hypertables(conn)
        info.hypertables = sorted(hts)
        info.space_partitions = space_partitions_of(conn)
        feats["hypertables"] = ", ".join(info.hypertables) or "none"
        feats["space partitions"] = (", ".join(f"{k} x{v}" for k, v in info.space_partitions.items())
                                     or "none (time partitioning only)")
        if tier == "timescale":
            jobs = list(conn.execute(query("tiers/timescale_licence", "policy_jobs")).mappings())
            comp = [j["hypertable_name"] for j in jobs if j["proc_name"] == "policy_compression"]
            ret = [j["hypertable_name"] for j in jobs if j["proc_name"] == "policy_retention"]
            kit_job = any(j["proc_name"] == "tickstock_retention_job" for j in jobs)
            caggs = [r.view_name for r in conn.execute(query("tiers/timescale_licence", "continuous_aggregates"))]
            feats["compression"] = ("on: " + ", ".join(comp)) if comp else "available, no policy"
            feats["retention"] = ("policies: " + ", ".join(ret)) if ret else "available, no policy"
            if kit_job and not ret:
                feats["retention"] = "daily server job tickstock_retention_job (drops only aggregated data)"
            feats["continuous aggregates"] = ", ".join(caggs) if caggs else "available, none defined"
        else:
            feats["compression"] = "unavailable (TimescaleDB licence apache)"
            feats["retention"] = "by `tickstock maintain` (drop_chunks)" if version else "off"
            feats["continuous aggregates"] = "unavailable (TimescaleDB licence apache)"
    if version is not None:
        gaps = [r.gap for r in conn.execute(query("queries/access", "analyst_gaps"))]
        feats["read-only analyst"] = ("enforced (sql/grants.sql)" if not gaps else
                                      "NOT enforced: tickstock_analyst can use " + ", ".join(gaps)
                                      + " (run `tickstock db init` as a superuser)")
        feats["retention ages"] = ", ".join(f"{k} {v}" for k, v in get_setting(conn, "retention", {}).items())
        rules = get_setting(conn, "bar_rules")          # recorded by the first bar build (aggregate/eligibility.py)
        feats["bar rules"] = (f"{rules['rule_set']} (condition table {rules.get('table', '?')})" if rules
                              else "consolidated (default; no build has recorded one yet)")
        info.table_bytes = table_sizes(conn, tier)
        if version >= 60:
            feats["retention ages"] = (feats["retention ages"] or "off") + \
                " (kept until their minute and daily bars are built; `tickstock db retention` changes them)"
        if tier == "timescale":
            from .compression import compression_sizes
            info.compression = compression_sizes(conn)
    return info
