"""Type aliases and the string options used across the kit."""
from __future__ import annotations

import datetime as _dt
from typing import Any, Literal, Union

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

#: Anything a helper accepts as a database: an SQLAlchemy Engine, a URL string, or ``None``
#: (meaning: ``TICKSTOCK_DATABASE_URL``, else the embedded local cluster).
EngineOrURL = Union[Engine, str, None]

#: Anything accepted as a point in time; naive values are read as UTC.
TimestampLike = Union[str, _dt.date, _dt.datetime, pd.Timestamp]

#: The server kinds the kit runs on.
Tier = Literal["timescale", "apache", "plain"]

#: What part of the trading day a bar covers.
SessionFilter = Literal["regular", "extended", "all"]

#: How unknown symbols in an input are treated.
UnknownSymbolPolicy = Literal["register", "reject"]

#: Whether the kit creates the TimescaleDB extension.
ExtensionMode = Literal["auto", "require", "none"]

#: Directions a pattern event can have.
DIRECTIONS: tuple[str, ...] = ("long", "short", "bullish", "bearish", "neutral")


def json_value(value: Any) -> Any:
    """JSON-friendly Python scalars (numpy numbers to int/float, timestamps to ISO strings)."""
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        return None if value is pd.NaT else value.isoformat()
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, _dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, (tuple, list)):
        return [json_value(v) for v in value]
    return value
