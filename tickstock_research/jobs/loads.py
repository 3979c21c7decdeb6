"""Loading files from a notebook: the ingest API called directly, so a bad file raises.

Why not the nightly job's step wrapper: a notebook run by papermill must exit non-zero when its
load fails (papermill keeps the failed notebook); turning the failure into a status line is the
nightly job's business only (:mod:`.steps`).

>>> run = load_files("drop/2025-12-12.csv.gz", tickers="drop/reference_tickers.json")  # doctest: +SKIP
>>> run                                                                                 # doctest: +SKIP
LoadRun(2 file(s): 1 ticker page(s), 1 trade file(s); 41,250 trade(s) inserted, 0 already present, 0 rejected)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import pandas as pd

from ..db.engine import get_engine
from ..ingest.report import LoadReport

TABLE_FRONT = ["file", "kind", "target", "rows_read", "inserted", "already_present", "corrected", "rejected",
               "duration_s", "rows_per_second"]


@dataclass
class LoadRun:
    """The load reports of the files one call loaded, in load order (``(file, kind, report)``)."""

    loads: list[tuple[str, str, LoadReport]] = field(default_factory=list)

    def _sum(self, attr: str, kind: str = "trades") -> int:
        return sum(int(getattr(r, attr, 0) or 0) for _, k, r in self.loads if k == kind)

    @property
    def inserted(self) -> int:
        """Trades inserted by this run."""
        return self._sum("inserted")

    def summary(self) -> str:
        trades = [f for f, k, _ in self.loads if k == "trades"]
        pages = len(self.loads) - len(trades)
        rejected = sum(r.rejected_total for _, k, r in self.loads if k == "trades")
        return (f"{len(self.loads)} file(s): {pages} ticker page(s), {len(trades)} trade file(s); "
                f"{self.inserted:,} trade(s) inserted, {self._sum('already_present'):,} already present, "
                f"{rejected:,} rejected")

    def table(self) -> pd.DataFrame:
        """One row per file: rows read, inserted, already present, rejected by reason, speed."""
        rows = []
        for name, kind, report in self.loads:
            d = {k: v for k, v in report.to_dict().items() if k != "sources"}
            rej = d.get("rejected")
            if isinstance(rej, dict):
                d["rejected"] = ", ".join(f"{k}: {v}" for k, v in sorted(rej.items()))
            rows.append({"file": name, "kind": kind, **d})
        out = pd.DataFrame(rows)
        if out.empty:
            return pd.DataFrame(columns=TABLE_FRONT)
        front = [c for c in TABLE_FRONT if c in out.columns]
        out = out[front + [c for c in out.columns if c not in front]]
        if "duration_s" in out:
            out["duration_s"] = pd.to_numeric(out["duration_s"], errors="coerce").round(2)
        if "rows_per_second" in out:
            out["rows_per_second"] = pd.to_numeric(out["rows_per_second"], errors="coerce").round().astype("Int64")
        return out

    def __repr__(self) -> str:
        return f"LoadRun({self.summary()})"

    def _repr_html_(self) -> str:
        return f"<p><b>Loaded</b> {escape(self.summary())}</p>"


def load_files(source: str | Path | None, tickers: str | Path | None = None, *, engine_or_url=None) -> LoadRun:
    """Load reference-ticker pages (``tickers``, and any ``.json`` in ``source``), then the trade
    files of ``source`` (a file or a folder), with :func:`~tickstock_research.ingest.load_symbols`
    and :func:`~tickstock_research.ingest.load_ticks`. Any failure raises (one line, the file
    named); files loaded before it stay loaded (each load is exactly once)."""
    from ..ingest import load_symbols, load_ticks
    from .steps import source_files

    engine = get_engine(engine_or_url)
    files = source_files(source)
    pages = source_files(tickers) + [p for p in files if p.suffix == ".json"]
    trades = [p for p in files if p.suffix != ".json"]
    run = LoadRun()
    for path in pages:
        run.loads.append((path.name, "tickers", load_symbols(path, engine_or_url=engine)))
    for path in trades:
        run.loads.append((path.name, "trades", load_ticks(path, engine_or_url=engine, progress=False)))
    return run
