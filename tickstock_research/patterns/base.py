"""The pattern API: a base class with typed parameters, frame checks and one detections shape.

A pattern is a dataclass whose fields are its parameters (with the platform's defaults from
SPEC section 5). Subclasses implement :meth:`Pattern.find`, which sees a checked float64 OHLCV
frame and returns the rows that fire; :meth:`Pattern.detect` wraps it and returns the
*detections* frame every pattern shares:

========== ==============================================================================
column     meaning
========== ==============================================================================
timestamp  the bar's index value (UTC Timestamp for intraday bars, the session date as a
           naive midnight Timestamp for daily bars)
pattern    the pattern's ``name``
direction  one of long, short, bullish, bearish, neutral
price      the price the detection is reported at (the bar's close unless stated)
parameters dict of the pattern's parameters (for the event's ``details``)
metadata   dict of pattern-specific numbers (neckline, head, volume multiple, ...)
========== ==============================================================================

No look-ahead is part of the contract: a detection at bar ``t`` only uses bars ``<= t``, so
``detect(frame.iloc[:t+1])`` gives the same rows up to ``t`` as ``detect(frame)``.

>>> from tickstock_research.patterns import get_pattern
>>> det = get_pattern("Doji").detect(bars)            # doctest: +SKIP
>>> det[["timestamp", "direction", "price"]].head()   # doctest: +SKIP
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from ..errors import PatternError, TickstockError
from ..timeframes import parse_timeframe
from ..types import DIRECTIONS  # noqa: F401 (DIRECTIONS re-exported)
from ..types import json_value as _plain

Direction = Literal["long", "short", "bullish", "bearish", "neutral"]
#: Which timeframes a pattern accepts: every one, only intraday bars, or only daily-and-longer bars.
TimeframeScope = Literal["any", "intraday", "daily"]

OHLCV = ("open", "high", "low", "close", "volume")
DETECTION_COLUMNS = ["timestamp", "pattern", "direction", "price", "parameters", "metadata"]


def timeframe_kind(timeframe: str) -> tuple[str, str]:
    """``(canonical name, "intraday"|"daily")`` for a timeframe string such as ``1min`` or ``1d``,
    by the kit's one timeframe vocabulary (:mod:`..timeframes`), so aliases mean the same
    everywhere.

    >>> timeframe_kind("1d"), timeframe_kind("5min")
    (('1d', 'daily'), ('5min', 'intraday'))
    """
    tf = parse_timeframe(timeframe)
    return tf.name, ("intraday" if tf.intraday else "daily")


def infer_timeframe(frame: pd.DataFrame) -> str:
    """The timeframe of a bar frame: ``frame.attrs["timeframe"]`` when set, else from its index.

    Daily frames are indexed by date (``datetime.date`` values, or midnight timestamps without
    a time zone); intraday frames by tz-aware UTC timestamps, and their bar size is the most
    common gap between consecutive bars (1min when there is only one bar).
    """
    if frame.attrs.get("timeframe"):
        return timeframe_kind(str(frame.attrs["timeframe"]))[0]
    idx = frame.index
    if not isinstance(idx, pd.DatetimeIndex):
        if len(idx) and isinstance(idx[0], dt.date):
            return "1d"
        raise PatternError(f"bars must be indexed by time (DatetimeIndex or dates); got {type(idx).__name__}")
    if idx.tz is None:
        return "1d"
    if len(idx) < 2:
        return "1min"
    steps = pd.Series(np.diff(idx.as_unit("ns").asi8)).value_counts()
    minutes = int(steps.index[0]) // 60_000_000_000
    if minutes >= 24 * 60:
        return "1d"
    name = f"{minutes // 60}h" if minutes >= 60 and minutes % 60 == 0 else f"{max(minutes, 1)}min"
    try:
        return timeframe_kind(name)[0]
    except TickstockError:  # a bar size the kit has no name for (e.g. 7min): treat as 1-minute bars
        return "1min"


def prepare_frame(frame: pd.DataFrame, columns=OHLCV) -> pd.DataFrame:
    """A float64 copy of the OHLCV columns, index checked (sorted, unique, dates made Timestamps)."""
    if not isinstance(frame, pd.DataFrame):
        raise PatternError(f"expected a pandas DataFrame of bars; got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PatternError(f"bars are missing column(s) {', '.join(missing)}; expected {', '.join(OHLCV)}")
    idx = frame.index
    if not isinstance(idx, pd.DatetimeIndex):
        try:
            idx = pd.DatetimeIndex(pd.to_datetime(list(idx)))
        except (TypeError, ValueError) as exc:
            raise PatternError(f"bars must be indexed by time; {exc}") from None
    if not idx.is_monotonic_increasing or not idx.is_unique:
        raise PatternError("bars must be sorted by time with one row per timestamp (one symbol per frame)")
    out = pd.DataFrame({c: frame[c].to_numpy(dtype="float64") for c in columns}, index=idx, copy=False)
    out.attrs = dict(frame.attrs)
    return out


@dataclasses.dataclass
class Pattern:
    """Base class of every pattern: dataclass fields are its parameters.

    Subclasses set ``name``, ``scope`` (``"any"``, ``"intraday"`` or ``"daily"``) or an explicit
    ``timeframes`` tuple, and implement :meth:`find`. Analysts can subclass in a notebook::

        @register
        @dataclasses.dataclass
        class BigBody(Pattern):
            name: ClassVar[str] = "BigBody"
            ratio: float = 0.8
            def find(self, bars, timeframe):
                hit = (bars.close - bars.open).abs() > self.ratio * (bars.high - bars.low)
                return self.rows(bars, hit, direction="neutral")

    or use the shorter :func:`tickstock_research.patterns.pattern` decorator on a function.
    """

    name: ClassVar[str] = ""
    scope: ClassVar[TimeframeScope] = "any"
    #: Explicit canonical timeframes accepted (None: decided by ``scope``).
    timeframes: ClassVar[tuple[str, ...] | None] = None
    #: A *state* holds over runs of bars (a trend, closes near the high) rather than happening at
    #: one bar; ``detect`` still returns every bar where it holds, and a scan records its onsets
    #: (the first bar of each run, see :func:`onsets`) unless asked for every bar.
    state: ClassVar[bool] = False

    # ----------------------------------------------------------------- contract
    def find(self, bars: pd.DataFrame, timeframe: str) -> pd.DataFrame:  # pragma: no cover
        """Rows that fire: a frame indexed by a subset of ``bars.index`` with a ``direction``
        column, optionally ``price`` (default: the bar's close) and other columns (metadata)."""
        raise NotImplementedError

    @property
    def warmup(self) -> int:
        """Bars of history before a range that a scan should read so the first bars can fire."""
        return 1

    # ----------------------------------------------------------------- public API
    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters as a plain dict (what goes into an event's ``details.parameters``)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def accepts(self, timeframe: str) -> bool:
        """Whether the pattern runs on bars of ``timeframe``."""
        name, kind = timeframe_kind(timeframe)
        if self.timeframes is not None:
            return name in self.timeframes
        return self.scope == "any" or self.scope == kind

    def check_timeframe(self, timeframe: str) -> str:
        """The canonical timeframe, or PatternError saying which timeframes the pattern accepts."""
        name, kind = timeframe_kind(timeframe)
        if not self.accepts(name):
            allowed = ", ".join(self.timeframes) if self.timeframes else f"{self.scope} timeframes"
            if kind == "daily" and (self.scope == "intraday" or self.timeframes):
                raise PatternError(f"{self.name} is intraday-only (it needs the bars of a session) and cannot run "
                                   f"on a daily frame ({name}); it accepts {allowed}")
            raise PatternError(f"{self.name} does not run on {name} bars; it accepts {allowed}")
        return name

    def detect(self, frame: pd.DataFrame, timeframe: str | None = None) -> pd.DataFrame:
        """The detections in ``frame`` (one symbol's bars), in the shared detections shape.

        ``timeframe`` defaults to :func:`infer_timeframe`. Raises PatternError for frames the
        pattern cannot handle (wrong timeframe, missing columns, unsorted index).
        """
        tf = self.check_timeframe(timeframe or infer_timeframe(frame))
        bars = prepare_frame(frame)
        if bars.empty:
            return empty_detections()
        found = self.find(bars, tf)
        return self._to_detections(bars, found)

    def __call__(self, frame: pd.DataFrame, timeframe: str | None = None) -> pd.DataFrame:
        return self.detect(frame, timeframe)

    # ----------------------------------------------------------------- helpers for subclasses
    @staticmethod
    def rows(bars: pd.DataFrame, mask: pd.Series | np.ndarray, direction: str | pd.Series | np.ndarray,
             **metadata) -> pd.DataFrame:
        """The rows of ``bars`` where ``mask`` is true, with direction and metadata columns."""
        mask = np.asarray(mask, dtype=bool)
        cols: dict[str, object] = {
            "direction": direction if isinstance(direction, str) else np.asarray(direction)[mask]}
        for key, value in metadata.items():
            if np.isscalar(value):
                cols[key] = value
            elif isinstance(value, pd.Index):
                cols[key] = value[mask]
            elif isinstance(value, pd.Series):
                cols[key] = value.array[mask]
            else:
                cols[key] = np.asarray(value)[mask]
        index = bars.index[mask]
        if isinstance(direction, str):
            cols["direction"] = np.full(len(index), direction, dtype=object)
        return pd.DataFrame(cols, index=index, copy=False)

    def _to_detections(self, bars: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
        if found is None or len(found) == 0:
            return empty_detections()
        if not found.index.is_monotonic_increasing:
            found = found.sort_index()
        direction = found["direction"].to_numpy(dtype=object)
        bad = set(direction) - set(DIRECTIONS)
        if bad:
            raise PatternError(f"{self.name} produced direction(s) {sorted(bad)}; expected one of {DIRECTIONS}")
        if "price" in found:
            price = found["price"].to_numpy(dtype="float64")
        else:
            price = bars["close"].to_numpy()[bars.index.get_indexer(found.index)]
        meta_cols = [c for c in found.columns if c not in ("direction", "price")]
        columns = [_plain_column(found[c]) for c in meta_cols]
        metadata = [dict(zip(meta_cols, vals)) for vals in zip(*columns)] if meta_cols \
            else [{} for _ in range(len(found))]
        params = self.parameters
        n = len(found)
        return pd.DataFrame({
            "timestamp": found.index,
            "pattern": np.full(n, self.name, dtype=object),
            "direction": direction,
            "price": price,
            "parameters": [dict(params) for _ in range(n)],
            "metadata": metadata,
        })


def onsets(found: pd.DataFrame, index: pd.Index, states: set[str] | None = None) -> pd.DataFrame:
    """The detections with each state pattern's runs reduced to their first bar.

    ``found`` is a detections frame of one symbol on the bars ``index``; ``states`` names the
    state patterns (default: the registered patterns that declare ``state``). A run is a
    sequence of consecutive bars of ``index`` where the same pattern holds with the same
    direction. The onset row's metadata gains ``run_length`` (bars in the run, up to the last bar
    of ``index``: a run still going on grows when later bars are scanned) and ``run_last`` (the
    run's last bar so far). Other patterns' rows are returned unchanged, in the same order.
    """
    if states is None:
        from .registry import state_pattern_names
        states = state_pattern_names()
    if found.empty or not states:
        return found
    found = found.reset_index(drop=True)
    is_state = found["pattern"].isin(states).to_numpy()
    if not is_state.any():
        return found
    keep = ~is_state
    meta = list(found["metadata"])
    at = pd.Index(index).get_indexer(pd.Index(found["timestamp"]))
    part = pd.DataFrame({"pattern": found["pattern"], "direction": found["direction"], "at": at})[is_state]
    for _, grp in part.sort_values("at", kind="stable").groupby(["pattern", "direction"], sort=False):
        pos = grp["at"].to_numpy()
        rows = grp.index.to_numpy()
        starts = np.r_[True, np.diff(pos) != 1] | (pos < 0)
        run_id = np.cumsum(starts)
        lengths = np.bincount(run_id)[run_id]
        last = {r: rows[run_id == r][-1] for r in np.unique(run_id)}
        for row, start, n, r in zip(rows, starts, lengths, run_id):
            if start:
                keep[row] = True
                meta[row] = {**(meta[row] or {}), "run_length": int(n),
                             "run_last": _plain(pd.Timestamp(found["timestamp"].iloc[last[r]]))}
    out = found.assign(metadata=meta)[keep].reset_index(drop=True)
    return out


def empty_detections() -> pd.DataFrame:
    """A detections frame with no rows (the shared columns, right dtypes)."""
    return pd.DataFrame({"timestamp": pd.Series([], dtype="datetime64[ns]"),
                         "pattern": pd.Series([], dtype=object), "direction": pd.Series([], dtype=object),
                         "price": pd.Series([], dtype="float64"), "parameters": pd.Series([], dtype=object),
                         "metadata": pd.Series([], dtype=object)})


def _plain_column(col: pd.Series) -> list:
    """A metadata column as JSON-friendly Python values (vectorised for numeric columns)."""
    values = col.to_numpy()
    if values.dtype.kind == "f":
        out = values.tolist()
        if np.isnan(values).any():
            out = [None if v != v else v for v in out]
        return out
    if values.dtype.kind in "iub":
        return values.tolist()
    return [_plain(v) for v in col.tolist()]

