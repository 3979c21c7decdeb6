"""Type aliases and the string options used across the kit."""
from __future__ import annotations

import datetime as _dt
from typing import Literal, Union

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
