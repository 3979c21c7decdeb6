"""What a structure pattern looked like when it fired, drawn from its event's metadata: the
shoulders, head and neckline of a (inverse) head and shoulders, the two troughs and the breakout
level of a double bottom, and the two EMAs of a moving-average cross.

Every shape joins its pattern's legend group, so toggling the pattern in the legend hides its
geometry too. Times in the metadata are the detection's own (ISO strings); they are put on the
chart's axis by the same alignment as the markers.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd
import plotly.graph_objects as go


def _line(x, y, name, colour, group, dash="dash", width=1.5, text=None, mode="lines") -> go.Scatter:
    return go.Scatter(x=x, y=y, mode=mode, name=name, legendgroup=group, showlegend=False,
                      line=dict(color=colour, dash=dash, width=width), text=text, textposition="top center",
                      hoverinfo="name+y" if text is None else "text+name+y", textfont=dict(color=colour, size=11))


def _head_shoulders(meta: dict, fired, place: Callable, colour: str, group: str, inverse: bool) -> list:
    keys = ("left_shoulder", "head", "right_shoulder")
    if any(meta.get(k) is None or meta.get(f"{k}_at") is None for k in keys) or meta.get("neckline") is None:
        return []
    xs = [place(meta[f"{k}_at"]) for k in keys]
    ys = [meta[k] for k in keys]
    pos = "bottom center" if inverse else "top center"
    swings = _line(xs, ys, f"{group}: shoulders and head", colour, group, dash="dot", text=["LS", "H", "RS"],
                   mode="lines+markers+text")
    swings.textposition = pos
    start = place(meta.get("neckline_first_at") or meta["left_shoulder_at"])
    neck = _line([start, fired], [meta["neckline"]] * 2, f"{group}: neckline", colour, group, width=2)
    return [swings, neck]


def _double_bottom(meta: dict, fired, place: Callable, colour: str, group: str) -> list:
    if any(meta.get(k) is None for k in ("first_bottom", "second_bottom", "first_bottom_at", "second_bottom_at")):
        return []
    xs = [place(meta["first_bottom_at"]), place(meta["second_bottom_at"])]
    troughs = _line(xs, [meta["first_bottom"], meta["second_bottom"]], f"{group}: bottoms", colour, group,
                    dash="dot", text=["B1", "B2"], mode="markers+text")
    troughs.textposition = "bottom center"
    out = [troughs]
    if meta.get("resistance") is not None:
        out.append(_line([xs[0], fired], [meta["resistance"]] * 2, f"{group}: breakout level", colour, group, width=2))
    return out


def _emas(bars: pd.DataFrame, x, params: dict, colour: str, group: str) -> list:
    fast, slow = int(params.get("fast", 12)), int(params.get("slow", 26))
    close = bars["close"].astype("float64")
    return [_line(x, close.ewm(span=n, adjust=False, min_periods=slow).mean(), f"EMA({n})", colour, group,
                  dash=dash, width=1.2)
            for n, dash in ((fast, "solid"), (slow, "dash"))]


def geometry_traces(pattern: str, rows: list[dict], fired: list, bars: pd.DataFrame, x, place: Callable,
                    colour: str) -> list:
    """The shapes of one pattern's events (``rows``: their details dicts; ``fired``: their x)."""
    out: list = []
    if pattern in ("HeadAndShoulders", "InverseHeadAndShoulders"):
        for d, f in zip(rows, fired):
            out += _head_shoulders(d.get("metadata") or {}, f, place, colour, pattern,
                                   inverse=pattern.startswith("Inverse"))
    elif pattern == "DoubleBottom":
        for d, f in zip(rows, fired):
            out += _double_bottom(d.get("metadata") or {}, f, place, colour, pattern)
    elif pattern == "MACrossover" and rows:
        out += _emas(bars, x, rows[0].get("parameters") or {}, colour, pattern)
    return out
