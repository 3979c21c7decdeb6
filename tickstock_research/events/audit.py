"""The event audit (US11): what happened after each pattern event, against the plain baseline.

For every event the forward return after N bars is ``close[t+N] / close[t] - 1`` on the
symbol's bars of the event's timeframe (t is the event's bar; NaN when fewer than N bars
follow). A *hit* is a forward return in the stated direction (> 0 for long/bullish, < 0 for
short/bearish; neutral events have no hit rate). The baseline is the same statistic over every
bar in [start, end] of the same symbols (those of the group's events), so an analyst can see
whether a pattern beats just holding those symbols.

>>> result = audit(patterns=["Doji", "Hammer"], horizons=(1, 5))   # doctest: +SKIP
>>> result.summary.sort_values("excess_mean", ascending=False)           # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

from ..db.engine import get_engine
from ..distributed import map_symbol_groups, resolve_client
from ..patterns.base import timeframe_kind
from ..sessions import to_date
from ..symbols import named_symbols
from ..types import EngineOrURL, TimestampLike
from .bars import intraday_bounds, read_bars_many
from .writer import query_events

SIGN = {"long": 1.0, "bullish": 1.0, "short": -1.0, "bearish": -1.0, "neutral": np.nan}
SUMMARY_COLUMNS = ["pattern", "timeframe", "direction", "horizon", "events", "n", "mean", "median", "std",
                   "hit_rate", "baseline_n", "baseline_mean", "baseline_median", "baseline_hit_rate",
                   "excess_mean", "excess_hit_rate"]


@dataclass
class AuditResult:
    """``summary``: one row per (pattern, timeframe, direction, horizon), sortable;
    ``returns``: one row per event and horizon (symbol, timestamp, pattern, timeframe,
    direction, horizon, forward_return, hit); ``baseline``: per horizon over all audited symbols;
    ``adjustment``: the bars the returns were computed on (None raw, "splits", "all")."""

    summary: pd.DataFrame
    returns: pd.DataFrame
    baseline: pd.DataFrame
    timeframe: str
    horizons: tuple[int, ...]
    symbols: list[str] = field(default_factory=list)
    adjustment: str | None = "splits"

    states: str = "onset"

    def table(self, *, horizon: int | None = None) -> pd.DataFrame:
        """The summary, best excess mean first: every horizon, or the one ``horizon`` (in bars:
        ``table(horizon=5)`` is the returns five bars after each event)."""
        if horizon is not None and int(horizon) not in self.horizons:
            from ..errors import ValidationError
            raise ValidationError(f"horizon {horizon} was not audited; the audit has horizons {list(self.horizons)}")
        s = self.summary if horizon is None else self.summary[self.summary["horizon"] == int(horizon)]
        return s.sort_values("excess_mean", ascending=False, na_position="last").reset_index(drop=True)

    def _line(self) -> str:
        events = int(self.summary.drop_duplicates(["pattern", "timeframe", "direction"])["events"].sum()) \
            if len(self.summary) else 0
        patterns = self.summary["pattern"].nunique() if len(self.summary) else 0
        return (f"audit {self.timeframe}: {events:,} event(s) ({self.states} of state patterns) of {patterns} "
                f"pattern(s) on {len(self.symbols)} symbol(s), horizons {', '.join(map(str, self.horizons))} bars, "
                f"{self.adjustment or 'raw'} bars")

    def __repr__(self) -> str:
        return f"AuditResult({self._line()})"

    def __str__(self) -> str:
        return self._line()

    def _repr_html_(self) -> str:
        from html import escape

        h = self.horizons[min(1, len(self.horizons) - 1)] if self.horizons else None
        body = self.table(horizon=h).head(20).to_html(index=False, border=0, na_rep="") if h is not None else ""
        return (f"<p><b>{escape(self._line())}</b><br><small>best excess mean first, horizon {h} bars "
                f"(<code>.table(horizon=N)</code> for another, <code>.summary</code> for all, "
                f"<code>.returns</code> per event)</small></p>{body}")


def forward_returns(bars: pd.DataFrame, horizons: Iterable[int]) -> pd.DataFrame:
    """``close[t+N] / close[t] - 1`` for each N, as columns named by N (NaN near the end)."""
    close = bars["close"].astype("float64")
    return pd.DataFrame({int(h): close.shift(-int(h)) / close - 1.0 for h in horizons}, index=bars.index)


def _event_bar_keys(timestamps: pd.Series, daily: bool) -> pd.DatetimeIndex:
    ts = pd.DatetimeIndex(pd.to_datetime(timestamps, utc=True))
    return ts.tz_convert("UTC").tz_localize(None).normalize() if daily else ts


def _onsets_only(ev: pd.DataFrame, index: pd.Index, daily: bool, states: set[str]) -> pd.DataFrame:
    """Stored events of state patterns reduced to their onsets on the symbol's bars (events
    recorded bar by bar with ``scan(states="bars")``; onsets recorded as such stay as they are)."""
    if ev.empty or not states or not ev["pattern"].isin(states).any():
        return ev
    at = index.get_indexer(_event_bar_keys(ev["timestamp"], daily))
    ev = ev.assign(_at=at).sort_values(["pattern", "direction", "_at"], kind="stable")
    prev = ev.groupby(["pattern", "direction"])["_at"].shift(1)
    first = (ev["_at"] < 0) | prev.isna() | (ev["_at"] - prev != 1) | ~ev["pattern"].isin(states)
    return ev[first].drop(columns="_at").sort_index()


def _forward_returns_of(engine, symbols, events, tf, start, end, horizons, daily, adjustment="splits",
                        states=None):
    """Forward returns at each event and the baseline returns of ``symbols`` (one group);
    ``states``: state pattern names whose events count at onset only (None: every event)."""
    pieces, base = [], {}
    all_bars = read_bars_many(engine, symbols, tf, start, None, adjust=adjustment) if symbols else {}
    if daily:
        last_day = pd.Timestamp(to_date(end)) if end is not None else None
    else:
        last_day = intraday_bounds(None, end)[1] if end is not None else None
    for sym in symbols:
        bars = all_bars[sym]
        fwd = forward_returns(bars, horizons)
        inside = np.ones(len(bars), dtype=bool)
        if last_day is not None:
            inside = (bars.index <= last_day) if daily else (bars.index < last_day)
        base[sym] = fwd[inside]
        ev = events[events["symbol"] == sym]
        if states:
            ev = _onsets_only(ev, bars.index, daily, states)
        if len(ev):
            at = fwd.reindex(_event_bar_keys(ev["timestamp"], daily))
            part = ev[["symbol", "timestamp", "pattern", "timeframe", "direction"]].reset_index(drop=True)
            for h in horizons:
                pieces.append(part.assign(horizon=h, forward_return=at[h].to_numpy()))
    return pieces, base


def _audit_group(url, group, *, events, timeframe, start, end, horizons, daily, adjustment, states=None):
    """A Dask task: forward returns of one symbol group (``events`` are that group's), read with
    a connection of its own."""
    return _forward_returns_of(get_engine(url), group, events, timeframe, start, end, horizons, daily, adjustment,
                               states)


def audit(symbols: str | Iterable[str] | None = None,
          patterns: str | Iterable[str] | None = None, timeframe: str = "1d", horizons: Iterable[int] = (1, 5, 20),
          start: TimestampLike | None = None, end: TimestampLike | None = None, *,
          engine_or_url: EngineOrURL = None, client=None, batch: int = 50, adjustment: str | None = "splits", states: str = "onset") -> AuditResult:
    """Audit the stored events of ``timeframe`` (filtered by symbols, patterns, [start, end]).

    Bars are read from ``start`` onwards (with no end, so events near ``end`` still get their
    forward bars); the baseline uses the bars inside [start, end]. ``client``: a Dask client or
    scheduler address (default ``TICKSTOCK_DASK_SCHEDULER``) to compute forward returns by
    symbol groups of ``batch`` on workers; the summary is computed here either way.
    ``adjustment``: forward returns use split-adjusted bars by default (None raw, "all" adds
    dividends), so a split is not read as a return. ``states``: ``"onset"`` (default) counts a
    state pattern's run of consecutive bars once, at its first bar, however it was recorded;
    ``"bars"`` counts every stored event.
    """
    horizons = tuple(int(h) for h in horizons)
    if not horizons or min(horizons) < 1:
        from ..errors import ValidationError
        raise ValidationError(f"horizons must be positive bar counts; got {horizons}")
    tf, kind = timeframe_kind(timeframe)
    daily = kind == "daily"
    engine = get_engine(engine_or_url)
    if daily:
        ev_start, ev_end = start, end
    else:
        ev_start, ev_end = intraday_bounds(start, end)      # half-open, as the reader reads
    events = query_events(engine_or_url=engine, symbols=symbols, patterns=patterns, start=ev_start, end=ev_end, timeframe=tf)
    chosen = sorted(events["symbol"].unique()) if symbols is None else named_symbols(symbols, "an audit")

    if states not in ("onset", "bars"):
        from ..errors import ValidationError
        raise ValidationError(f"states must be 'onset' or 'bars'; got {states!r}")
    from ..patterns import state_pattern_names
    state_names = state_pattern_names() if states == "onset" else None
    dask_client = resolve_client(client)
    if dask_client is None:
        parts = [_forward_returns_of(engine, chosen, events, tf, start, end, horizons, daily, adjustment,
                                     state_names)]
    else:
        url = engine.url.render_as_string(hide_password=False)
        parts = map_symbol_groups(_audit_group, chosen, url=url, client=dask_client, group_size=max(1, batch),
                                  group_kwargs=lambda group: {"events": events[events["symbol"].isin(group)]},
                                  timeframe=tf, start=start, end=end, horizons=horizons, daily=daily,
                                  adjustment=adjustment, states=state_names)
    pieces, base = [], {}
    for part_pieces, part_base in parts:
        pieces += part_pieces
        base.update(part_base)
    cols = ["symbol", "timestamp", "pattern", "timeframe", "direction", "horizon", "forward_return"]
    returns = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=cols)
    returns["forward_return"] = returns["forward_return"].astype("float64")
    sign = returns["direction"].map(SIGN).astype("float64")
    returns["hit"] = np.where(returns["forward_return"].isna() | sign.isna(), np.nan,
                              (returns["forward_return"] * sign > 0).astype("float64"))

    rows = []
    for (pattern, tframe, direction, h), grp in returns.groupby(["pattern", "timeframe", "direction", "horizon"], sort=True):
        r = grp["forward_return"].dropna()
        s = SIGN[direction]
        b = pd.concat([base[x][h] for x in grp["symbol"].unique() if x in base]).dropna() if len(grp) else pd.Series(dtype=float)
        hit = grp["hit"].dropna()
        b_hit = float((b * s > 0).mean()) if len(b) and not np.isnan(s) else np.nan
        row = {"pattern": pattern, "timeframe": tframe, "direction": direction, "horizon": int(h),
               "events": int(grp[["symbol", "timestamp"]].drop_duplicates().shape[0]), "n": int(len(r)),
               "mean": r.mean() if len(r) else np.nan, "median": r.median() if len(r) else np.nan,
               "std": r.std() if len(r) > 1 else np.nan,
               "hit_rate": hit.mean() if len(hit) else np.nan, "baseline_n": int(len(b)),
               "baseline_mean": b.mean() if len(b) else np.nan, "baseline_median": b.median() if len(b) else np.nan,
               "baseline_hit_rate": b_hit}
        row["excess_mean"] = row["mean"] - row["baseline_mean"]
        row["excess_hit_rate"] = row["hit_rate"] - row["baseline_hit_rate"]
        rows.append(row)
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)

    brow = []
    allb = {h: pd.concat([base[s][h] for s in base]).dropna() if base else pd.Series(dtype=float) for h in horizons}
    for h in horizons:
        b = allb[h]
        brow.append({"horizon": h, "n": len(b), "mean": b.mean() if len(b) else np.nan,
                     "median": b.median() if len(b) else np.nan, "up_rate": float((b > 0).mean()) if len(b) else np.nan})
    return AuditResult(summary=summary, returns=returns, baseline=pd.DataFrame(brow), timeframe=tf,
                       horizons=horizons, symbols=list(chosen), adjustment=adjustment, states=states)
