"""Deterministic trade ids for inputs that have none.

The ``ticks`` key is (symbol, timestamp, exchange, trade_id). When an input carries no trade id,
the id is derived from the trade itself: ``~<volume>@<price>#<k>`` where ``k`` numbers the
otherwise identical trades (same symbol, microsecond, exchange, price and volume) in input order.
So two distinct trades at the same instant are both kept, and the same trade read from two
overlapping files gets the same id both times (and is stored once).

Occurrence numbers continue across batch boundaries: the counts of the two previous batches are
carried, so the batch size does not change the ids of time-ordered input (vendor files are), where
identical trades sit next to each other. Memory stays bounded because older counts are dropped:
in an id-less file *not* in time order, an identical trade recurring more than two batches
(500,000 rows by default) later is numbered from 0 again and read as the same trade; give such
input a ``trade_id`` (or sort it by time) to keep every one.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


class TradeIds:
    """Assigns derived ids to the rows of successive batches of one input."""

    def __init__(self) -> None:
        self._totals = pd.Series(dtype=np.int64)        # key hash -> rows seen so far (recent keys)
        self._prev_keys = pd.Index([], dtype=np.uint64)  # keys of the previous batch

    def assign(self, cols: dict) -> None:
        """Fill null ``trade_id`` values of a typed, valid batch (``cols`` from validate.Checked)."""
        tid = cols["trade_id"]
        need = tid.is_null().to_numpy(zero_copy_only=False)
        if not need.any():
            return
        rows = np.flatnonzero(need)
        sym = cols["symbol"].take(pa.array(rows))
        keys = pd.DataFrame({
            "symbol": pd.Series(sym.to_numpy(zero_copy_only=False), dtype=object),
            "timestamp": cols["timestamp"][rows],
            "exchange": cols["exchange"][rows],
            "price": cols["price"][rows],
            "volume": cols["volume"][rows],
        })
        h = pd.util.hash_pandas_object(keys, index=False).to_numpy()
        hs = pd.Series(h)
        k = hs.groupby(h, sort=False).cumcount().to_numpy()
        if len(self._totals):
            k = k + hs.map(self._totals).fillna(0).to_numpy(dtype=np.int64)
        counts = hs.value_counts()
        counts = (counts + self._totals.reindex(counts.index).fillna(0)).astype(np.int64)
        older = self._totals.reindex(self._prev_keys.difference(counts.index)).dropna().astype(np.int64)
        self._totals = pd.concat([counts, older])
        self._prev_keys = counts.index
        derived = pc.binary_join_element_wise(
            "~", pc.cast(pa.array(keys["volume"].to_numpy()), pa.string()), "@",
            pc.cast(pa.array(keys["price"].to_numpy()), pa.string()), "#",
            pc.cast(pa.array(k), pa.string()), "")
        if len(rows) == len(tid):
            cols["trade_id"] = derived
        else:
            full = np.array(tid.to_numpy(zero_copy_only=False), dtype=object)
            full[rows] = derived.to_numpy(zero_copy_only=False)
            cols["trade_id"] = pa.array(full, pa.string())
