"""Compression on the ``timescale`` tier: sizes for ``db info`` and recompression after late data.

Writes into a compressed chunk (a late trade, a correction, a re-load or a rollup rebuild of an
old day) leave it *partially* compressed: the new rows sit uncompressed beside the compressed
ones. :func:`recompress_partial` (run by ``tickstock maintain``) compresses such chunks again;
the server's compression policy would too, on its own schedule.
"""
from __future__ import annotations

from sqlalchemy.engine import Connection

from ..sqlfiles import query

FAMILY = "tiers/timescale_licence"


def compression_sizes(conn: Connection) -> dict[str, dict]:
    """Per hypertable: ``before_bytes`` / ``after_bytes`` (the compressed chunks, uncompressed and
    compressed), ``compressed_chunks``, ``total_chunks``."""
    return {r["table_name"]: {k: (int(v) if v is not None else None) for k, v in r.items() if k != "table_name"}
            for r in conn.execute(query(FAMILY, "compression_sizes")).mappings()}


def partial_chunks(conn: Connection) -> list[str]:
    """Compressed chunks holding rows written since they were compressed."""
    return list(conn.execute(query(FAMILY, "partial_chunks")).scalars())


def recompress_partial(conn: Connection) -> list[str]:
    """Compress the partially compressed chunks again; returns their names."""
    chunks = partial_chunks(conn)
    for chunk in chunks:
        conn.execute(query(FAMILY, "recompress_chunk"), {"chunk": chunk})
    return chunks
