"""Synthetic but realistic-looking bar series with a known formation, for demos and tests.

>>> bars = formation_series("head_and_shoulders", seed=7)                           # doctest: +SKIP
>>> get_pattern("HeadAndShoulders").detect(bars)                                     # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: Key points (bar, price) of each formation's path; noise is added around the lines joining them.
SHAPES: dict[str, list[tuple[int, float]]] = {
    # left shoulder 110 at bar 40, head 116 at 80, right shoulder 110 at 120, neckline ~104
    "head_and_shoulders": [(0, 100), (40, 110), (60, 104), (80, 116), (100, 104), (120, 110), (160, 92)],
    "inverse_head_and_shoulders": [(0, 120), (40, 110), (60, 116), (80, 104), (100, 116), (120, 110), (160, 128)],
    # two bottoms near 90 at bars 40 and 80 with a 100 peak between, then a rally
    "double_bottom": [(0, 104), (40, 90), (60, 100), (80, 90.5), (130, 112)],
}


def formation_series(kind: str = "head_and_shoulders", *, seed: int = 0, noise: float = 0.25,
                     start: str = "2023-01-02", volume: int = 1_000_000) -> pd.DataFrame:
    """Daily OHLCV bars following ``SHAPES[kind]`` with random-walk noise and realistic wicks."""
    points = SHAPES[kind]
    rng = np.random.default_rng(seed)
    n = points[-1][0] + 1
    path = np.interp(np.arange(n), [p[0] for p in points], [p[1] for p in points])
    wobble = np.cumsum(rng.normal(0, noise, n))
    wobble -= np.interp(np.arange(n), [0, n - 1], [wobble[0], wobble[-1]])  # pinned at both ends
    close = path + 0.5 * wobble + rng.normal(0, noise, n)
    open_ = np.r_[close[0], close[:-1]] + rng.normal(0, noise / 2, n)
    high = np.maximum(open_, close) + rng.exponential(noise, n)
    low = np.minimum(open_, close) - rng.exponential(noise, n)
    vol = (volume * rng.lognormal(0, 0.3, n)).astype("int64")
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close, "volume": vol},
                        index=pd.bdate_range(start, periods=n, name="date"))
