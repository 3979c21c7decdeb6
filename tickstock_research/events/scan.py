"""The scanner: read bars per symbol, run patterns, record the detections as events.

Each symbol is read with enough warm-up history for the slowest pattern (``Pattern.warmup``
bars before ``start``), detected on the whole frame, and only detections inside [start, end]
are written, in one transaction per symbol. Re-scanning the same range adds and updates nothing;
a stored event of the scanned patterns on the scanned bars that the bars no longer show (late or
corrected data changed them) is removed in the same transaction.

>>> report = scan(["AAPL", "MSFT"], timeframe="1d", start="2024-01-01", end="2024-06-30")  # doctest: +SKIP
>>> print(report)                                                                         # doctest: +SKIP
scan 1d: 2 symbols, 250 bars, 31 detections -> 31 inserted, 0 updated, 0 unchanged (0.2 s)
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

import pandas as pd

from ..db.access import require
from ..db.engine import get_engine
from ..distributed import map_symbol_groups, resolve_client
from ..errors import InvalidRangeError
from ..patterns.base import Pattern, onsets, timeframe_kind
from ..patterns.registry import resolve_patterns
from ..sessions import to_utc
from ..symbols import named_symbols
from ..types import EngineOrURL, SessionFilter, TimestampLike
from .bars import read_bars_many
from .writer import WriteCounts, remove_stale_events, write_events

log = logging.getLogger(__name__)


@dataclass
class ScanReport:
    """What a scan read, found and wrote."""

    timeframe: str
    patterns: list[str]
    symbols: int = 0
    bars: int = 0
    detections: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    per_pattern: dict[str, int] = field(default_factory=dict)
    no_bars: list[str] = field(default_factory=list)
    seconds: float = 0.0
    states: str = "onset"

    def __repr__(self) -> str:
        return f"ScanReport({self})"

    def _repr_html_(self) -> str:
        from html import escape

        top = ", ".join(f"{p} {n}" for p, n in sorted(self.per_pattern.items(), key=lambda kv: -kv[1])[:8])
        return (f"<p><b>Scan {escape(self.timeframe)}</b>: {self.symbols} symbol(s), {self.bars:,} bars, "
                f"{self.detections:,} detection(s) ({escape(self.states)} of state patterns) &rarr; "
                f"{self.inserted:,} inserted, {self.updated:,} updated, {self.unchanged:,} unchanged, "
                f"{self.removed:,} removed <small>({self.seconds:.1f} s)</small>"
                + (f"<br><small>{escape(top)}</small>" if top else "") + "</p>")

    @property
    def inserted(self) -> int:
        return self.counts.inserted

    @property
    def updated(self) -> int:
        return self.counts.updated

    @property
    def unchanged(self) -> int:
        return self.counts.unchanged

    @property
    def removed(self) -> int:
        return self.counts.removed

    def __str__(self) -> str:
        text = (f"scan {self.timeframe}: {self.symbols} symbols, {self.bars} bars, {self.detections} detections -> "
                f"{self.inserted} inserted, {self.updated} updated, {self.unchanged} unchanged"
                + (f", {self.removed} removed" if self.removed else "") + f" ({self.seconds:.1f} s)")
        if self.no_bars:
            text += f"; no bars for {', '.join(self.no_bars[:10])}{' ...' if len(self.no_bars) > 10 else ''}"
        return text


def detect_all(bars: pd.DataFrame, patterns: Iterable[Pattern], timeframe: str) -> pd.DataFrame:
    """Every pattern's detections on one symbol's bars, concatenated (shared detections shape)."""
    found = [p.detect(bars, timeframe) for p in patterns]
    found = [f for f in found if len(f)]
    if not found:
        from ..patterns.base import empty_detections
        return empty_detections()
    return pd.concat(found, ignore_index=True)


def scan(symbols: str | Iterable[str], patterns: Iterable[str | Pattern] | str | None = None,
         timeframe: str = "1d", start: TimestampLike | None = None, end: TimestampLike | None = None,
         *, engine_or_url: EngineOrURL = None, adjustment: str | None = "splits",
         session: SessionFilter | None = None, batch: int = 50, client=None, states: str = "onset") -> ScanReport:
    """Scan ``symbols`` with ``patterns`` (default: every registered pattern accepting the
    timeframe) over [start, end] and record the detections in ``events``.

    Naming an intraday-only pattern with a daily timeframe raises PatternError before any work.
    Bars are read with the loader ``batch`` symbols at a time; ``session`` as in
    :func:`~tickstock_research.events.bars.read_bars_many` (intraday default ``"extended"``).
    Writing needs the ``tickstock_writer`` role. ``adjustment``: bars are split-adjusted by
    default (a 4-for-1 split is not a 75% crash); None scans raw bars, "all" adds dividends. The
    adjustment used is recorded in each event's details.

    ``client``: a ``dask.distributed`` Client or scheduler address (default
    ``TICKSTOCK_DASK_SCHEDULER``, else in-process). Symbol groups of ``batch`` become tasks; each
    opens its own connection from the URL, and writes are idempotent, so a retried task (a
    worker died) writes nothing twice.

    ``states``: ``"onset"`` (default) records a state pattern (one that declares ``state``:
    TrendingUp/Down, ClosedInTop/Bottom10Percent, ...) at the first bar of each run only, with
    ``run_length`` and ``run_last`` in its metadata (see
    :func:`~tickstock_research.patterns.base.onsets`; the warm-up bars count, so a run that began
    before ``start`` is not recorded again); ``"bars"`` records every bar where it holds.
    """
    if states not in ("onset", "bars"):
        from ..errors import ValidationError
        raise ValidationError(f"states must be 'onset' or 'bars'; got {states!r}")
    began = time.perf_counter()
    tf = timeframe_kind(timeframe)[0]
    chosen = resolve_patterns(patterns, tf)
    if start is not None and end is not None and to_utc(start) > to_utc(end):
        raise InvalidRangeError(f"start {start} is after end {end}")
    engine = get_engine(engine_or_url)
    require(engine, "scanning (scan writes events)", "writer")      # a read-only login: say so first
    wanted = named_symbols(symbols, "a scan")
    dask_client = resolve_client(client)
    if dask_client is None:
        report = _scan_local(engine, wanted, chosen, tf, start, end, adjustment, session, batch, states)
    else:
        url = engine.url.render_as_string(hide_password=False)
        parts = map_symbol_groups(_scan_group, wanted, url=url, client=dask_client, group_size=max(1, batch),
                                  patterns=chosen, timeframe=tf, start=start, end=end, adjustment=adjustment,
                                  session=session, states=states)
        report = merge_reports(parts, tf, [p.name for p in chosen])
        report.states = states
    report.seconds = time.perf_counter() - began
    return report


def merge_reports(parts: Iterable[ScanReport], timeframe: str, patterns: list[str]) -> ScanReport:
    """One report from the reports of symbol groups."""
    report = ScanReport(timeframe=timeframe, patterns=patterns)
    per_pattern: Counter = Counter()
    for part in parts:
        report.symbols += part.symbols
        report.bars += part.bars
        report.detections += part.detections
        report.counts = report.counts + part.counts
        report.no_bars += part.no_bars
        per_pattern.update(part.per_pattern)
    report.per_pattern = dict(per_pattern)
    return report


def _scan_group(url: str, group: list[str], *, patterns, timeframe, start, end, adjustment, session,
                states="onset") -> ScanReport:
    """A Dask task: scan one symbol group with a connection of its own."""
    return _scan_local(get_engine(url), group, patterns, timeframe, start, end, adjustment, session, len(group),
                       states)


def _scan_local(engine, symbols, chosen, tf, start, end, adjustment, session, batch, states="onset") -> ScanReport:
    warmup = max((p.warmup for p in chosen), default=1)
    report = ScanReport(timeframe=tf, patterns=[p.name for p in chosen], states=states)
    per_pattern: Counter = Counter()
    for i in range(0, len(symbols), max(1, batch)):
        group = symbols[i:i + max(1, batch)]
        frames = read_bars_many(engine, group, tf, start, end, warmup=warmup, session=session, adjust=adjustment)
        for symbol in group:
            _scan_one(engine, symbol, frames[symbol], chosen, tf, adjustment, report, per_pattern)
    report.per_pattern = dict(per_pattern)
    return report


def _scan_one(engine, symbol, bars, chosen, tf, adjustment, report, per_pattern) -> None:
    """Detect on one symbol's bars and write the detections inside the range (one transaction)."""
    first = bars.attrs.get("first_in_range")
    if first is None:
        report.no_bars.append(symbol)
        return
    report.symbols += 1
    report.bars += int((bars.index >= first).sum())
    found = detect_all(bars, chosen, tf)
    if report.states == "onset":     # on the whole frame, warm-up included: runs begun earlier stay unrecorded
        found = onsets(found, bars.index, {p.name for p in chosen if p.state})
    if len(found):
        found = found[found["timestamp"] >= first]
    report.detections += len(found)
    per_pattern.update(found["pattern"].tolist())
    with engine.begin() as conn:   # one transaction: a retried task (Dask) writes and removes nothing twice
        counts = write_events(conn, found, symbol=symbol, timeframe=tf, adjustment=adjustment)
        removed = remove_stale_events(conn, found, symbol=symbol, timeframe=tf, patterns=[p.name for p in chosen],
                                      first=first, last=bars.index.max())
        report.counts = report.counts + counts + WriteCounts(removed=removed)
    log.info("scanned %s: %d bars, %d detections", symbol, len(bars), len(found))
