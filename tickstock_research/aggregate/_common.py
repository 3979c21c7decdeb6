"""Shared pieces of the aggregation modules: reports, windows, symbol calendars, arrays."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass
from typing import Iterable

import pandas as pd
from sqlalchemy.engine import Connection

from ..errors import ConfigurationError, InvalidRangeError
from ..schema.settings import daily_session, get_setting, put_setting  # noqa: F401 (daily_session re-exported)
from ..sessions.lookup import symbol_calendars  # noqa: F401 (used by the builds)
from ..sessions.ranges import resolve_range
from ..sqlfiles import query
from ..symbols import parse_symbols as symbol_list  # noqa: F401 (the rule's home is ..symbols)
from ..types import TimestampLike

FAMILY = "queries/aggregate"
MINUTE = pd.Timedelta(minutes=1)
DAY = pd.Timedelta(days=1)
#: Upper bound of windows passed to one statement (keeps arrays and transactions small).
MAX_WINDOWS = 20_000


def claim_daily_session(conn: Connection, session: str) -> None:
    """Refuse a daily build whose session filter differs from the stored bars' own: one
    ``extended`` build over ``regular`` bars would silently change what every daily read, scan,
    audit and dividend adjustment sees. An empty table takes the first build's filter."""
    stored = get_setting(conn, "daily_session")
    current = stored or "regular"
    if session == current:
        return
    if stored is None and not conn.execute(query(FAMILY, "daily_bars_built")).scalar():
        put_setting(conn, "daily_session", session)
        return
    raise ConfigurationError(
        f"ohlcv_daily holds {current}-session daily bars; a {session}-session build would overwrite them. "
        f"Read {session}-session daily bars with HistoricalLoader.bars(..., '1d', session='{session}'), "
        "which computes them from the 1-minute bars")


def stored_bar_rules(conn: Connection) -> str:
    """The rule set the stored bars are built with, without recording one (a read): the
    setting ``bar_rules``, else ``all-trades`` when bars predate it, else the default."""
    from .eligibility import DEFAULT_RULE_SET
    stored = get_setting(conn, "bar_rules")
    if stored:
        return stored["rule_set"]
    return "all-trades" if conn.execute(query(FAMILY, "bars_built")).scalar() else DEFAULT_RULE_SET


def claim_bar_rules(conn: Connection, rule_set: str | None = None) -> str:
    """The rule set the stored bars are built with (setting ``bar_rules``), recorded by the
    first build (``rule_set``, else ``consolidated``). A database whose bars predate the setting
    was built by ``all-trades`` and keeps it. A rule set that differs from the stored bars'
    raises ConfigurationError (build the other one into another database)."""
    from .eligibility import DEFAULT_RULE_SET, TABLE_VERSION, check_rule_set
    stored = get_setting(conn, "bar_rules")
    current = stored["rule_set"] if stored else None
    if current is None and conn.execute(query(FAMILY, "bars_built")).scalar():
        current = "all-trades"                        # bars built before the rules existed
    if rule_set is None:
        rule_set = current or DEFAULT_RULE_SET
    check_rule_set(rule_set)
    if current == rule_set:
        return rule_set
    if current is None:
        put_setting(conn, "bar_rules", {"rule_set": rule_set, "table": TABLE_VERSION})
        return rule_set
    raise ConfigurationError(
        f"the stored bars are built with bar rules {current!r}; a {rule_set!r} build would mix two rule "
        f"sets. Build {rule_set!r} bars into another database")


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk statement did: bars upserted, inputs (trades or volume), stale rows deleted."""

    bars: int
    inputs: int
    deleted: int


@dataclass
class BuildReport:
    """What a build did: bars upserted, stale bars deleted, inputs read, chunks, seconds.

    Every bar a chunk computes is upserted (``bars``); ``deleted`` counts bars a chunk removed
    because their inputs are gone (e.g. trades flagged as corrected since the last build).
    """

    target: str
    start: pd.Timestamp | dt.date | None = None
    end: pd.Timestamp | dt.date | None = None
    bars: int = 0
    deleted: int = 0
    inputs: int = 0          # trades (minutes) or volume (daily)
    chunks: int = 0
    seconds: float = 0.0
    session: str | None = None

    @property
    def written(self) -> int:
        """Rows written (upserted or deleted)."""
        return self.bars + self.deleted

    def add(self, chunk: "ChunkResult") -> None:
        self.bars += chunk.bars
        self.deleted += chunk.deleted
        self.chunks += 1

    def to_dict(self) -> dict:
        d = asdict(self)
        d["start"] = None if self.start is None else str(self.start)
        d["end"] = None if self.end is None else str(self.end)
        d["written"] = self.written
        return d

    def __str__(self) -> str:
        what = {"ohlcv_1min": "trades", "ohlcv_daily": "shares"}.get(self.target, "inputs")
        sess = f" ({self.session} session)" if self.session else ""
        return (f"{self.target}{sess} {self.start} .. {self.end}: {self.bars} bars from {self.inputs} {what}, "
                f"{self.deleted} stale deleted, {self.chunks} chunk(s), {self.seconds:.2f}s")


class Timer:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.t0


def utc_range(start: TimestampLike, end: TimestampLike) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Minute-aligned UTC [lo, hi) for a build range: bare dates are UTC days (builds work per
    UTC day), so a bare ``end`` includes that whole UTC day (:mod:`..sessions.ranges`)."""
    first, last = resolve_range(start, end, "UTC")
    if first is None or last is None:
        raise InvalidRangeError(f"a build needs both a start and an end; got start={start!r}, end={end!r}")
    lo, hi = first.floor("min"), last.ceil("min")
    if hi <= lo:
        raise InvalidRangeError(f"empty or reversed range: start {start} is not before end {end}")
    return lo, hi




def utc_list(values) -> list:
    """Python datetimes (UTC) for psycopg2 array parameters."""
    return [pd.Timestamp(v).to_pydatetime() for v in values]


def chunks(frame: pd.DataFrame, size: int = MAX_WINDOWS) -> Iterable[pd.DataFrame]:
    for i in range(0, len(frame), size):
        yield frame.iloc[i:i + size]
