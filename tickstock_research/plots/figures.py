"""The kit's plotly figures (see :mod:`tickstock_research.plots`)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

MARKERS = {"long": "triangle-up", "bullish": "triangle-up", "short": "triangle-down", "bearish": "triangle-down",
           "neutral": "circle"}
COLOURS = {"long": "#1a9850", "bullish": "#1a9850", "short": "#d73027", "bearish": "#d73027", "neutral": "#4575b4"}


def _details(ev: pd.DataFrame) -> list[dict]:
    """The details dict of each event: stored ``details`` or rebuilt from a detections frame."""
    if "details" in ev:
        return [dict(d) for d in ev["details"]]
    out = []
    for rec in ev.to_dict("records"):
        out.append({"pattern": rec.get("pattern"), "timestamp": str(rec.get("timestamp")), "price": rec.get("price"),
                     "direction": rec.get("direction"), "parameters": rec.get("parameters") or {},
                     "metadata": rec.get("metadata") or {}})
    return out


def _align(times: pd.Series, index: pd.Index) -> pd.DatetimeIndex:
    """Event times on the bars' axis (daily bars: naive dates; events stored at UTC midnight)."""
    ts = pd.DatetimeIndex(pd.to_datetime(times))
    bars_tz = getattr(index, "tz", None)
    if bars_tz is None and ts.tz is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    elif bars_tz is not None and ts.tz is None:
        ts = ts.tz_localize("UTC")
    return ts


def candlestick(bars: pd.DataFrame, events: pd.DataFrame | None = None, title: str | None = None,
                *, tz: str | None = None) -> go.Figure:
    """A candlestick of ``bars`` over a volume subplot, with ``events`` marked.

    ``events`` is a detections frame (``Pattern.detect``) or a ``query_events`` frame for the
    same symbol; each pattern/direction is one legend entry, marked at the event's price
    (triangles up for long/bullish, down for short/bearish, circles for neutral), and hovering
    shows its details (parameters and metadata). ``tz`` shows intraday bars in that time zone
    (e.g. ``"America/New_York"``).
    """
    x = bars.index
    if tz is not None and getattr(x, "tz", None) is not None:
        x = x.tz_convert(tz)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.03)
    fig.add_trace(go.Candlestick(x=x, open=bars["open"], high=bars["high"], low=bars["low"], close=bars["close"],
                                 name="bars", showlegend=False), row=1, col=1)
    up = (bars["close"] >= bars["open"]).to_numpy()
    fig.add_trace(go.Bar(x=x, y=bars["volume"], name="volume", showlegend=False,
                         marker_color=np.where(up, "#7fbf7b", "#e08080")), row=2, col=1)
    if events is not None and len(events):
        ev = events.reset_index(drop=True)
        details = _details(ev)
        when = _align(ev["timestamp"], bars.index)
        if tz is not None and when.tz is not None:
            when = when.tz_convert(tz)
        for (pattern, direction), grp in ev.groupby(["pattern", "direction"], sort=True):
            pos = grp.index.to_numpy()
            hover = ["<br>".join(f"{k}: {json.dumps(v, default=str)}" for k, v in details[i].items()) for i in pos]
            fig.add_trace(go.Scatter(
                x=when[pos], y=grp["price"], mode="markers", name=f"{pattern} ({direction})",
                marker=dict(symbol=MARKERS.get(direction, "circle"), size=11, color=COLOURS.get(direction, "#555"),
                            line=dict(width=1, color="black")),
                hovertext=hover, hoverinfo="text"), row=1, col=1)
    fig.update_layout(title=title, xaxis_rangeslider_visible=False, hovermode="closest",
                      legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0), margin=dict(t=110, l=50, r=20, b=30))
    fig.update_yaxes(title_text="price", row=1, col=1)
    fig.update_yaxes(title_text="volume", row=2, col=1)
    gaps = _non_session_days(x)
    if gaps:   # daily bars: no empty slots for weekends and holidays, the bars sit side by side
        fig.update_xaxes(rangebreaks=[dict(values=gaps)])
    return fig


def _non_session_days(index) -> list[str]:
    """The calendar days without a bar between the first and last bar of a daily index (weekends,
    holidays), or [] for intraday bars."""
    idx = pd.DatetimeIndex(index)
    if len(idx) < 2 or not (idx == idx.normalize()).all():
        return []
    days = idx.tz_localize(None) if idx.tz is not None else idx
    every = pd.date_range(days.min(), days.max(), freq="D")
    return [d.strftime("%Y-%m-%d") for d in every.difference(days)]


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
