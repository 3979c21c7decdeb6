"""Helpers shared by the jobs tests."""
from __future__ import annotations

import gzip
import io
from pathlib import Path

import pandas as pd


def read_trades(path: Path) -> pd.DataFrame:
    """A trades_v1 file read by pandas alone (the second implementation the tests compare with)."""
    with gzip.open(path, "rt") as f:
        return pd.read_csv(io.StringIO(f.read()), dtype={"conditions": str, "id": str, "trf_id": str},
                           keep_default_na=False)
