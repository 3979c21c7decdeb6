"""Which trades may move a bar: the rule sets and Massive's condition table.

A rule set decides, per trade, whether it may set high/low, the last price (open/close) and
volume (with vwap and trade_count, which follow volume), and which ``correction`` indicators
count. Two rule sets:

- ``consolidated`` (default): the CTA/UTP consolidated processing guidelines as Massive
  publishes them for its condition codes (``sql/conditions/massive_conditions_v1.csv``, package
  data). Daily bars use the end-of-day (``daily``) columns, minute bars Massive's minute-
  aggregate columns (extended-hours trades set OHLC there). A trade with several conditions is
  eligible for a field only if every sale condition allows it ("no" takes precedence). Trades
  with correction 0 (regular) or 1 (a corrected trade: the record carries the corrected values)
  count; 7/8 (later erroneous/cancelled), 10/11 (cancel/error records), 12 (the correction's
  original values) and any other code do not.
- ``all-trades``: every trade with correction 0 moves every field (the kit's behaviour before).

The footnoted rule "only if it is the first or only qualifying trade" (``last = first``) lets
such a trade set the bar's open when no other last-eligible trade precedes it, and the close
only when the bar has no fully last-eligible trade.

>>> rules("consolidated", "minute").no_high_low[:3]
(2, 7, 15)
>>> rules("all-trades", "daily").corrections
(0,)
"""
from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass

from ..errors import ValidationError
from ..sqlfiles import sql_root

RULE_SETS = ("consolidated", "all-trades")
DEFAULT_RULE_SET = "consolidated"
CONTEXTS = ("daily", "minute")
TABLE = "conditions/massive_conditions_v1.csv"
TABLE_VERSION = "massive_conditions_v1"
#: Correction indicators whose trade counts, per rule set.
CORRECTIONS = {"consolidated": (0, 1), "all-trades": (0,)}


@dataclass(frozen=True)
class Rules:
    """Code sets of one rule set in one context (what SQL takes as ``smallint[]`` parameters)."""

    rule_set: str
    context: str
    no_high_low: tuple[int, ...]
    no_last: tuple[int, ...]
    first_last: tuple[int, ...]
    no_volume: tuple[int, ...]
    corrections: tuple[int, ...]

    def params(self) -> dict:
        """Bind parameters of the bar statements (``sql/queries/aggregate.sql``)."""
        return {"no_hl": list(self.no_high_low), "no_last": list(self.no_last),
                "first_last": list(self.first_last), "no_vol": list(self.no_volume),
                "corrections": list(self.corrections)}

    def flags(self, conditions, correction=0) -> tuple[bool, bool, bool, bool] | None:
        """(high_low, last_full, last_first, volume) of one trade, None if its correction is
        excluded. ``conditions`` is an iterable of codes or None.

        >>> rules("consolidated", "daily").flags([37])
        (False, False, False, True)
        """
        if int(correction or 0) not in self.corrections:
            return None
        codes = set() if conditions is None else {int(c) for c in conditions}
        hl = not codes & set(self.no_high_low)
        blocked = bool(codes & set(self.no_last))
        first = bool(codes & set(self.first_last))
        return hl, hl and not blocked and not first, hl and not blocked and first, not codes & set(self.no_volume)


def check_rule_set(rule_set: str) -> str:
    """The rule set's name, or ValidationError naming the choices."""
    if rule_set not in RULE_SETS:
        raise ValidationError(f"bar rules must be one of {', '.join(RULE_SETS)}; got {rule_set!r}")
    return rule_set


@functools.lru_cache(maxsize=None)
def condition_table() -> tuple[dict, ...]:
    """The shipped condition table as dicts (comment lines dropped), checked: every code that
    may set the last price may set high/low (so open and close lie within them)."""
    text = (sql_root() / TABLE).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    rows = list(csv.DictReader(io.StringIO(body)))
    for r in rows:
        for ctx in CONTEXTS:
            if r[f"{ctx}_last"] not in ("yes", "no", "first") or r[f"{ctx}_high_low"] not in ("yes", "no") \
                    or r[f"{ctx}_volume"] not in ("yes", "no"):
                raise ValidationError(f"{TABLE}: code {r['code']}: expected yes/no(/first); got {r}")
            if r[f"{ctx}_last"] != "no" and r[f"{ctx}_high_low"] == "no":
                raise ValidationError(f"{TABLE}: code {r['code']} sets the last price but not high/low")
    return tuple(rows)


@functools.lru_cache(maxsize=None)
def rules(rule_set: str = DEFAULT_RULE_SET, context: str = "minute") -> Rules:
    """The :class:`Rules` of ``rule_set`` for ``context`` (``minute`` or ``daily``)."""
    check_rule_set(rule_set)
    if context not in CONTEXTS:
        raise ValidationError(f"bar context must be one of {', '.join(CONTEXTS)}; got {context!r}")
    if rule_set == "all-trades":
        return Rules(rule_set, context, (), (), (), (), CORRECTIONS[rule_set])
    sale = [r for r in condition_table() if r["kind"] == "sale"]

    def codes(column: str, value: str) -> tuple[int, ...]:
        return tuple(sorted(int(r["code"]) for r in sale if r[f"{context}_{column}"] == value))

    return Rules(rule_set, context, codes("high_low", "no"), codes("last", "no"), codes("last", "first"),
                 codes("volume", "no"), CORRECTIONS[rule_set])
