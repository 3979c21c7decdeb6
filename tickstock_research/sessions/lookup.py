"""Which exchange calendar a stored symbol trades on: its ``calendar`` column, else its
``market`` (stocks: XNYS; crypto and forex: 24/7). One lookup for every reader, build and
loader.

>>> with engine.connect() as conn:                 # doctest: +SKIP
...     symbol_calendars(conn, ["AAPL", "X:BTCUSD"])
{'AAPL': 'XNYS', 'X:BTCUSD': '24/7'}
"""
from __future__ import annotations

from typing import Sequence

from sqlalchemy.engine import Connection

from ..errors import UnknownSymbolError
from ..sqlfiles import query
from .calendar import calendar_for


def symbol_calendars(conn: Connection, symbols: Sequence[str] | None) -> dict[str, str]:
    """symbol -> calendar name for ``symbols`` (``None``: every stored symbol); a symbol that is
    not in ``symbols`` raises :class:`UnknownSymbolError` naming every unknown one."""
    rows = conn.execute(query("queries/sessions", "symbol_calendars"),
                        {"symbols": list(symbols) if symbols else None}).all()
    found = {r.symbol: calendar_for(r.market, r.calendar) for r in rows}
    if symbols:
        missing = [s for s in symbols if s not in found]
        if missing:
            raise UnknownSymbolError(missing)
    return found
