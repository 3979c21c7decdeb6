"""Pattern markers: one trace per pattern, each with its own shape and colour from a stable
palette, placed beside the bar (below its low for bullish and long events, above its high for the
others) and stacked so that several patterns on one bar do not hide each other.

Why stable: an analyst learns that the red diamond is HeadAndShoulders; the same pattern has the
same marker in every chart, every report and every night. Patterns the kit does not know (your
own ``@pattern``) get a shape and colour chosen from their name (CRC-32), so they are stable too.
"""
from __future__ import annotations

import json
import math
import zlib

import numpy as np
import pandas as pd

#: pattern -> (plotly marker symbol, colour). Colours from ColorBrewer's qualitative and diverging sets.
PATTERN_STYLES: dict[str, tuple[str, str]] = {
    "HeadAndShoulders": ("diamond", "#b2182b"),
    "InverseHeadAndShoulders": ("diamond", "#2166ac"),
    "DoubleBottom": ("star", "#1b7837"),
    "MACrossover": ("x", "#762a83"),
    "Day1Breakout": ("star-diamond", "#e08214"),
    "HighOfDay": ("triangle-up-open", "#01665e"),
    "LowOfDay": ("triangle-down-open", "#8e0152"),
    "TrendingUp": ("triangle-up", "#66bd63"),
    "TrendingDown": ("triangle-down", "#f46d43"),
    "ClosedInTop10Percent": ("square", "#a6d96a"),
    "ClosedInBottom10Percent": ("square", "#fdae61"),
    "Hammer": ("cross", "#8c510a"),
    "Doji": ("circle", "#4575b4"),
}
#: What other patterns draw with (picked by the name's CRC-32).
EXTRA_SYMBOLS = ["hexagon", "pentagon", "bowtie", "hourglass", "star-triangle-up", "circle-cross", "square-x",
                 "diamond-wide", "octagon", "asterisk-open"]
EXTRA_COLOURS = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999",
                 "#17becf", "#bcbd22"]
#: Draw order: structure first (nearest the bar), then signals, then states.
ORDER = list(PATTERN_STYLES)
BELOW = {"bullish", "long"}


def pattern_style(name: str) -> tuple[str, str]:
    """The (marker symbol, colour) of a pattern: fixed for the kit's patterns, from the name otherwise."""
    if name in PATTERN_STYLES:
        return PATTERN_STYLES[name]
    h = zlib.crc32(name.encode("utf-8"))
    return EXTRA_SYMBOLS[h % len(EXTRA_SYMBOLS)], EXTRA_COLOURS[(h // len(EXTRA_SYMBOLS)) % len(EXTRA_COLOURS)]


def pattern_order(names) -> list[str]:
    rank = {p: i for i, p in enumerate(ORDER)}
    return sorted(set(names), key=lambda p: (rank.get(p, len(rank)), p))


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if math.isfinite(value) else "-"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


def hover_text(pattern: str, direction: str, when: str, price, details: dict) -> str:
    lines = [f"<b>{pattern}</b> ({direction})", when, f"price: {_fmt(price)}"]
    meta = details.get("metadata") or {}
    lines += [f"{k}: {_fmt(v)}" for k, v in meta.items()]
    params = details.get("parameters") or {}
    if params:
        lines.append("parameters: " + ", ".join(f"{k}={_fmt(v)}" for k, v in params.items()))
    return "<br>".join(lines)


def marker_positions(ev: pd.DataFrame, bars: pd.DataFrame, at: np.ndarray) -> np.ndarray:
    """The y of each event's marker: below the bar's low (bullish, long) or above its high, the
    k-th pattern on the same side of the same bar one step further out (steps of 0.6 of the
    median bar range); the event's own price when its bar is not on the chart."""
    rng = (bars["high"] - bars["low"]).to_numpy(dtype="float64")
    step = float(np.nanmedian(rng)) if len(rng) else 0.0
    if not step or not math.isfinite(step):
        step = float(np.nanmedian(bars["close"])) * 0.005 if len(bars) else 1.0
    step *= 0.6
    below = ev["direction"].isin(BELOW).to_numpy()
    rank = {p: i for i, p in enumerate(pattern_order(ev["pattern"]))}
    order = np.lexsort((ev["pattern"].map(rank).to_numpy(), below, at))
    y = ev["price"].to_numpy(dtype="float64").copy()
    high, low = bars["high"].to_numpy(dtype="float64"), bars["low"].to_numpy(dtype="float64")
    slot: dict[tuple[int, bool], int] = {}
    for i in order:
        if at[i] < 0:
            continue
        k = slot.get((at[i], below[i]), 0) + 1
        slot[(at[i], below[i])] = k
        y[i] = low[at[i]] - k * step if below[i] else high[at[i]] + k * step
    return y
