"""The kit's plotly figures (see :mod:`tickstock_research.plots`)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .geometry import geometry_traces
from .markers import hover_text, marker_positions, pattern_order, pattern_style

#: Colours of the audit's directions (box plots).
COLOURS = {"long": "#1a9850", "bullish": "#1a9850", "short": "#d73027", "bearish": "#d73027", "neutral": "#4575b4"}


def _details(ev: pd.DataFrame) -> list[dict]:
    """The details dict of each event: stored ``details`` or rebuilt from a detections frame."""
    if "details" in ev:
        return [dict(d) if isinstance(d, dict) else {} for d in ev["details"]]
    out = []
    for rec in ev.to_dict("records"):
        out.append({"pattern": rec.get("pattern"), "timestamp": str(rec.get("timestamp")), "price": rec.get("price"),
                    "direction": rec.get("direction"), "parameters": rec.get("parameters") or {},
                    "metadata": rec.get("metadata") or {}})
    return out


def _align(times, index: pd.Index) -> pd.DatetimeIndex:
    """Event times (Timestamps or ISO strings) on the bars' axis: naive dates for daily bars
    (events are stored at UTC midnight of the session date), UTC for intraday bars."""
    aware = getattr(pd.DatetimeIndex(index), "tz", None) is not None
    out = []
    for t in times:
        t = pd.Timestamp(t)
        if aware:
            t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
        elif t.tzinfo is not None:
            t = t.tz_convert("UTC").tz_localize(None)
        out.append(t)
    return pd.DatetimeIndex(out)


def _wall(index: pd.DatetimeIndex, tz: str | None) -> pd.DatetimeIndex:
    """Times as plotly draws them: naive wall-clock times in ``tz`` (UTC when none is given);
    plotly ignores UTC offsets, so the axis, the events and the range breaks all use these."""
    index = pd.DatetimeIndex(index)
    if index.tz is None:
        return index
    return index.tz_convert(tz or "UTC").tz_localize(None)


def candlestick(bars: pd.DataFrame, events: pd.DataFrame | None = None, title: str | None = None,
                *, tz: str | None = None, patterns=None, geometry: bool = True, calendar: str = "XNYS") -> go.Figure:
    """A candlestick of ``bars`` over a volume subplot, with ``events`` marked.

    ``events`` is a detections frame (``Pattern.detect``) or a ``query_events`` frame for the same
    symbol. Each pattern is one trace and one legend entry (click it to hide or show the pattern),
    with its own marker shape and colour (:mod:`.markers`), placed below the bar for bullish and
    long events and above it for the others, stacked when several patterns share a bar; hovering
    shows the event's details. Structure patterns also draw their geometry (``geometry=False``
    to leave it out): shoulders, head and neckline; the two bottoms and the breakout level; the two
    EMAs of a cross. ``patterns`` shows only the patterns named. ``tz`` shows intraday bars in
    that time zone (e.g. ``"America/New_York"``); intraday charts skip the time between sessions
    (nights, weekends, holidays) by the exchange ``calendar``, daily charts the days without a bar.

    >>> bars = HistoricalLoader().bars("ALPH", "1d", "2024-01-01", "2024-06-30")      # doctest: +SKIP
    >>> candlestick(bars, get_pattern("Doji").detect(bars), title="ALPH").show()      # doctest: +SKIP
    """
    x = _wall(bars.index, tz)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.03)
    fig.add_trace(go.Candlestick(x=x, open=bars["open"], high=bars["high"], low=bars["low"], close=bars["close"],
                                 name="bars", showlegend=False), row=1, col=1)
    up = (bars["close"] >= bars["open"]).to_numpy()
    fig.add_trace(go.Bar(x=x, y=bars["volume"], name="volume", showlegend=False,
                         marker_color=np.where(up, "#7fbf7b", "#e08080")), row=2, col=1)
    if events is not None and len(events):
        ev = events.reset_index(drop=True)
        if patterns is not None:
            wanted = {patterns} if isinstance(patterns, str) else set(patterns)
            ev = ev[ev["pattern"].isin(wanted)].reset_index(drop=True)
        _add_events(fig, bars, ev, x, tz, geometry)
    fig.update_layout(title=title, xaxis_rangeslider_visible=False, hovermode="closest",
                      legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0, title_text="patterns "),
                      margin=dict(t=110, l=50, r=20, b=30))
    fig.update_yaxes(title_text="price", row=1, col=1)
    fig.update_yaxes(title_text="volume", row=2, col=1)
    breaks = _non_session_days(x) if _is_daily(bars.index) else session_breaks(bars.index, tz, calendar)
    if breaks:
        fig.update_xaxes(rangebreaks=breaks)
    return fig


def _add_events(fig, bars: pd.DataFrame, ev: pd.DataFrame, x: pd.DatetimeIndex, tz, geometry: bool) -> None:
    if ev.empty:
        return
    details = _details(ev)
    when = _align(ev["timestamp"], bars.index)
    at = pd.DatetimeIndex(bars.index).get_indexer(when)
    where = _wall(when, tz)
    ys = marker_positions(ev, bars, at)
    daily = _is_daily(bars.index)

    def place(value):
        return _wall(_align([value], bars.index), tz)[0]

    for pattern in pattern_order(ev["pattern"]):
        pos = np.flatnonzero((ev["pattern"] == pattern).to_numpy())
        symbol, colour = pattern_style(pattern)
        dirs = sorted(set(ev["direction"].iloc[pos]))
        label = "%Y-%m-%d" if daily else "%Y-%m-%d %H:%M"
        hover = [hover_text(pattern, ev["direction"].iloc[i], where[i].strftime(label) + ("" if daily else f" {tz or 'UTC'}"),
                            ev["price"].iloc[i], details[i]) for i in pos]
        fig.add_trace(go.Scatter(
            x=where[pos], y=ys[pos], mode="markers", name=f"{pattern} ({'/'.join(dirs)})", legendgroup=pattern,
            marker=dict(symbol=symbol, size=11, color=colour, line=dict(width=1, color="#333")),
            hovertext=hover, hoverinfo="text"), row=1, col=1)
        if geometry:
            for trace in geometry_traces(pattern, [details[i] for i in pos], list(where[pos]), bars, x, place, colour):
                fig.add_trace(trace, row=1, col=1)


def _is_daily(index) -> bool:
    idx = pd.DatetimeIndex(index)
    return len(idx) > 0 and idx.tz is None and bool((idx == idx.normalize()).all())


def _non_session_days(index) -> list[dict]:
    """The calendar days without a bar between the first and last bar of a daily index (weekends,
    holidays) as one range break."""
    idx = pd.DatetimeIndex(index)
    if len(idx) < 2:
        return []
    every = pd.date_range(idx.min(), idx.max(), freq="D")
    gaps = [d.strftime("%Y-%m-%d") for d in every.difference(idx)]
    return [dict(values=gaps)] if gaps else []


def session_breaks(index, tz: str | None = None, calendar: str = "XNYS") -> list[dict]:
    """Range breaks that skip the time between the sessions of intraday bars: from each session's
    end to the next session's start, by the exchange calendar (regular hours when every bar is in
    them, else the extended hours), in the chart's wall-clock time (``tz``, UTC when None)."""
    from ..sessions import session_bounds, sessions

    idx = pd.DatetimeIndex(index)
    if len(idx) < 2 or idx.tz is None:
        return []
    idx = idx.tz_convert("UTC")
    days = sessions(idx.min().date() - pd.Timedelta(days=1), idx.max().date() + pd.Timedelta(days=1), calendar)
    if len(days) < 2:
        return []
    regular = session_bounds(days, "regular", calendar)
    inside = np.zeros(len(idx), dtype=bool)
    for b in regular.itertuples(index=False):
        inside |= (idx >= b.start) & (idx < b.end)
    bounds = regular if inside.all() else session_bounds(days, "extended", calendar)
    starts, ends = _wall(pd.DatetimeIndex(bounds["start"]), tz), _wall(pd.DatetimeIndex(bounds["end"]), tz)
    first, last = _wall(idx, tz).min(), _wall(idx, tz).max()
    out = []
    for end, nxt in zip(ends[:-1], starts[1:]):
        if nxt > first and end <= last:
            out.append(dict(bounds=[end.strftime("%Y-%m-%d %H:%M:%S"), nxt.strftime("%Y-%m-%d %H:%M:%S")]))
    return out


def forward_return_distribution(audit_result, horizons=None, title: str | None = None) -> go.Figure:
    """Box plots of forward returns per pattern and direction, one panel per horizon, with the
    baseline's mean return of the audited symbols as a dashed line in each panel."""
    returns = audit_result.returns
    horizons = list(horizons or audit_result.horizons)
    fig = make_subplots(rows=1, cols=len(horizons), shared_yaxes=True,
                        subplot_titles=[f"after {h} bar{'s' if h != 1 else ''}" for h in horizons])
    seen = set()
    for col, h in enumerate(horizons, start=1):
        part = returns[(returns["horizon"] == h) & returns["forward_return"].notna()]
        for direction, grp in part.groupby("direction", sort=True):
            fig.add_trace(go.Box(x=grp["pattern"], y=grp["forward_return"], name=direction,
                                 marker_color=COLOURS.get(direction, "#555"), legendgroup=direction,
                                 showlegend=direction not in seen, boxmean=True), row=1, col=col)
            seen.add(direction)
        base = audit_result.baseline
        if len(base) and h in set(base["horizon"]):
            mean = float(base.loc[base["horizon"] == h, "mean"].iloc[0])
            if not np.isnan(mean):
                fig.add_hline(y=mean, line_dash="dash", line_color="grey", row=1, col=col, exclude_empty_subplots=False,
                              annotation_text="baseline mean", annotation_position="top left")
    fig.update_layout(title=title or f"Forward returns after events ({audit_result.timeframe})", boxmode="group")
    fig.update_yaxes(title_text="forward return", tickformat=".1%", row=1, col=1)
    return fig
