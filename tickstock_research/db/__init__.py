"""Connections: URL handling, engines, and the embedded local PostgreSQL cluster."""
from .engine import (
    check_connection,
    create_engine,
    dispose_engines,
    get_engine,
    resolve_url,
)
from .url import ENV_URL, display_url, libpq_url, parse_url, redact

__all__ = [
    "ENV_URL", "check_connection", "create_engine", "dispose_engines", "display_url", "get_engine",
    "libpq_url", "parse_url", "redact", "resolve_url",
]
