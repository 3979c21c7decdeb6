"""Schema: versioned migrations, server tiers, and maintenance."""
from .maintain import MaintenanceReport, run_maintenance
from .migrate import (
    SchemaReport,
    check_schema,
    init_schema,
    latest_version,
    schema_version,
)
from .tiers import DatabaseInfo, describe, detect_tier

__all__ = [
    "DatabaseInfo", "MaintenanceReport", "SchemaReport", "check_schema", "describe", "detect_tier",
    "init_schema", "latest_version", "run_maintenance", "schema_version",
]
