"""The pattern registry, and the short way to add a pattern in a notebook.

>>> from tickstock_research.patterns import get_pattern, all_patterns
>>> get_pattern("HeadAndShoulders", window=40).parameters["window"]
40
>>> "HighOfDay" in [p.name for p in all_patterns("1min")], "HighOfDay" in [p.name for p in all_patterns("1d")]
(True, False)

Adding a pattern in a notebook (a function of the bars and its keyword parameters that returns
a boolean Series, a Series of directions, or a frame with a ``direction`` column)::

    from tickstock_research.patterns import pattern

    @pattern("GapUp", direction="bullish")
    def gap_up(bars, *, gap: float = 0.02):
        return bars.open > bars.close.shift(1) * (1 + gap)

    get_pattern("GapUp", gap=0.03).detect(bars)
"""
from __future__ import annotations

import dataclasses
import inspect
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ..errors import PatternError
from .base import DIRECTIONS, Pattern, TimeframeScope, timeframe_kind

_REGISTRY: dict[str, type[Pattern]] = {}
_BUILTIN_MODULE = __name__.rsplit(".", 1)[0]


def register(cls: type[Pattern] | None = None, *, name: str | None = None, replace: bool = False):
    """Add a Pattern subclass to the registry (usable as a decorator, with or without arguments).

    Re-registering a name defined outside the kit (a re-run notebook cell) replaces it; replacing
    one of the kit's own patterns needs ``replace=True``.
    """
    def add(klass: type[Pattern]) -> type[Pattern]:
        if not (isinstance(klass, type) and issubclass(klass, Pattern)):
            raise PatternError(f"register() expects a Pattern subclass; got {klass!r}")
        key = name or klass.name or klass.__name__
        old = _REGISTRY.get(key)
        if old is not None and old is not klass and old.__module__.startswith(_BUILTIN_MODULE) and not replace:
            raise PatternError(f"pattern {key!r} is one of the kit's patterns; pass replace=True to override it")
        klass.name = key          # only once accepted: a refused class keeps its own name
        _REGISTRY[key] = klass
        return klass

    return add(cls) if cls is not None else add


def unregister(name: str) -> None:
    """Remove a pattern from the registry (no error when absent)."""
    _REGISTRY.pop(name, None)


def pattern_names() -> list[str]:
    """The registered pattern names, in registration order."""
    return list(_REGISTRY)


def get_pattern(name: str | Pattern, **params) -> Pattern:
    """An instance of the registered pattern ``name`` with ``params`` overriding its defaults.

    Raises PatternError naming the known patterns (unknown name) or the valid parameters.
    """
    if isinstance(name, Pattern):
        return dataclasses.replace(name, **params) if params else name
    try:
        klass = _REGISTRY[name]
    except KeyError:
        lowered = {k.lower(): k for k in _REGISTRY}
        if name.lower() in lowered:
            klass = _REGISTRY[lowered[name.lower()]]
        else:
            raise PatternError(f"unknown pattern {name!r}; known: {', '.join(_REGISTRY)}") from None
    valid = [f.name for f in dataclasses.fields(klass)]
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise PatternError(f"{klass.name} has no parameter(s) {', '.join(unknown)}; its parameters: {', '.join(valid) or 'none'}")
    return klass(**params)


def all_patterns(timeframe: str | None = None) -> list[Pattern]:
    """One default instance of every registered pattern (only those accepting ``timeframe``)."""
    if timeframe is not None:
        timeframe_kind(timeframe)  # unknown timeframes raise here
    found = [klass() for klass in _REGISTRY.values()]
    return [p for p in found if timeframe is None or p.accepts(timeframe)]


def resolve_patterns(patterns: Iterable[str | Pattern] | str | Pattern | None, timeframe: str) -> list[Pattern]:
    """Patterns for a scan: names or instances (all registered ones accepting ``timeframe`` when
    None); a named pattern that does not accept the timeframe raises PatternError."""
    if patterns is None:
        return all_patterns(timeframe)
    if isinstance(patterns, (str, Pattern)):
        patterns = [patterns]
    out = []
    for p in patterns:
        inst = get_pattern(p)
        inst.check_timeframe(timeframe)
        out.append(inst)
    return out


def state_pattern_names() -> set[str]:
    """The registered patterns that declare themselves states (``state = True``)."""
    return {name for name, klass in _REGISTRY.items() if getattr(klass, "state", False)}


def pattern(name: str | None = None, *, direction: str = "neutral", scope: TimeframeScope = "any",
            timeframes: tuple[str, ...] | None = None, warmup: int = 1, register_it: bool = True,
            state: bool = False) -> Callable[[Callable], type[Pattern]]:
    """Turn a function ``f(bars, *, param=default, ...)`` into a registered Pattern class.

    The function's keyword parameters with defaults become the pattern's typed parameters. It
    returns a boolean Series/array aligned with ``bars`` (fires with ``direction``), a Series of
    direction strings (None/NaN where it does not fire), or a frame of firing rows with a
    ``direction`` column and optional ``price`` and metadata columns. It must only look back
    (``shift(k)`` with k >= 0, rolling windows): the no-look-ahead contract is the author's.
    ``state=True`` declares a condition that holds over runs of bars: scans record its onsets.
    """
    if direction not in DIRECTIONS:
        raise PatternError(f"direction must be one of {DIRECTIONS}; got {direction!r}")

    def wrap(func: Callable) -> type[Pattern]:
        pname = name or func.__name__
        fields = []
        for p in list(inspect.signature(func).parameters.values())[1:]:
            if p.default is inspect.Parameter.empty:
                raise PatternError(f"parameter {p.name!r} of {pname} needs a default value")
            ann = p.annotation if p.annotation is not inspect.Parameter.empty else type(p.default)
            fields.append((p.name, ann, dataclasses.field(default=p.default)))

        def find(self, bars, timeframe):
            result = func(bars, **{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})
            if isinstance(result, pd.DataFrame):
                if "direction" not in result:
                    result = result.assign(direction=direction)
                return result
            values = result.to_numpy() if isinstance(result, pd.Series) else np.asarray(result)
            if values.dtype == bool or values.dtype == np.bool_:
                return self.rows(bars, values, direction)
            series = pd.Series(values, index=bars.index, dtype=object)
            mask = series.notna().to_numpy() & (series != False).to_numpy()  # noqa: E712
            return self.rows(bars, mask, series.to_numpy())

        namespace = {"name": pname, "scope": scope, "timeframes": timeframes, "find": find, "state": state,
                     "warmup": property(lambda self: warmup), "__doc__": func.__doc__ or f"Pattern {pname}.",
                     "__module__": getattr(func, "__module__", "__main__")}
        klass = dataclasses.make_dataclass(pname, fields, bases=(Pattern,), namespace=namespace)
        if register_it:
            register(klass)
        return klass

    return wrap
