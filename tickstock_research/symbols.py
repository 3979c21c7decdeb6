"""Symbol lists: the one rule for every function and command that takes symbols.

A list is a string of names separated by commas and/or whitespace, or any iterable of such
strings. Names are upper-cased (the vendors' and exchanges' convention, so ``alph`` and
``ALPH`` are the same symbol), duplicates are dropped, and the result is sorted. ``None``
means "every symbol"; a list that holds no name at all (``""``, ``",,,"``) is an error, never
a silent "every symbol".

>>> parse_symbols("alph, BRVO brvo")
['ALPH', 'BRVO']
>>> parse_symbols(["ALPH,BRVO", "CHRL"])
['ALPH', 'BRVO', 'CHRL']
>>> parse_symbols(None) is None
True
"""
from __future__ import annotations

import re
from typing import Iterable, Union

from .errors import ValidationError

#: Anything accepted as a list of symbols.
Symbols = Union[str, Iterable[str]]

_SEPARATORS = re.compile(r"[,\s]+")


def split_names(values: str | Iterable[str] | None) -> list[str] | None:
    """Split comma- and/or whitespace-separated names, keeping their case and order (pattern
    names, directions). ``None`` stays ``None``; an empty result is ``None`` too."""
    if values is None:
        return None
    items = [values] if isinstance(values, str) else list(values)
    out: list[str] = []
    for item in items:
        out += [p for p in _SEPARATORS.split(str(item)) if p]
    return out or None


def parse_symbols(symbols: Symbols | None) -> list[str] | None:
    """The symbols named by ``symbols`` (see the module docstring), or None for every symbol."""
    if symbols is None:
        return None
    names = split_names(symbols)
    if not names:
        raise ValidationError(f"no symbols in {symbols!r}; expected names such as AAPL or AAPL,MSFT")
    return sorted({n.upper() for n in names})


def named_symbols(symbols: Symbols | None, what: str) -> list[str]:
    """The symbols named by ``symbols`` for ``what``, which needs some (None is an error here).

    >>> named_symbols("aapl, msft", "a scan")
    ['AAPL', 'MSFT']
    """
    names = parse_symbols(symbols)
    if names is None:
        raise ValidationError(f"{what} needs symbols; got none")
    return names
