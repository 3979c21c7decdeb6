"""``tickstock demo``: a synthetic market through the real nightly job, ending in a report.

Steps: generate the market into ``<home>/demo/drop`` (deterministic with ``seed``), create or
upgrade the schema, run the nightly job for the second-to-last session without a report (it
catches up every earlier file: ingest, aggregation, scan), then run it for the last session,
a normal incremental night with one new file, which writes ``reports/<last>/nightly.html``.

>>> result = run_demo(seed=7, symbols=30, days=78)   # doctest: +SKIP
>>> result.html                                       # doctest: +SKIP
PosixPath('reports/2026-01-09/nightly.html')
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from ..db.engine import get_engine
from ..types import EngineOrURL, TimestampLike
from .nightly import NightlyResult, run_nightly
from .synthetic import SyntheticMarket, generate_market

log = logging.getLogger(__name__)


@dataclass
class DemoResult:
    market: SyntheticMarket
    nights: list[NightlyResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def html(self) -> Path | None:
        return self.nights[-1].html if self.nights else None

    @property
    def ok(self) -> bool:
        return all(n.ok for n in self.nights)


def run_demo(*, seed: int = 7, symbols: int = 30, days: int = 78, end: TimestampLike | None = None,
             engine_or_url: EngineOrURL = None, drop_folder: str | Path | None = None,
             reports_dir: str | Path = "reports", liquidity: float = 0.3,
             environ: Mapping[str, str] | None = None, echo: Callable[[str], None] = print) -> DemoResult:
    """Generate the market, initialise the schema and run the nightly job over it."""
    from ..db.localcluster import project_home
    from ..schema.migrate import init_schema

    t0 = time.perf_counter()
    drop = Path(drop_folder) if drop_folder else project_home(environ) / "demo" / f"drop-seed{seed}"
    if drop.is_dir():
        for old in drop.glob("*.csv.gz"):
            old.unlink()
    echo(f"generating a synthetic market in {drop} ...")
    market = generate_market(drop, seed=seed, symbols=symbols, days=days, end=end, liquidity=liquidity)
    result = DemoResult(market)
    result.timings["generate"] = time.perf_counter() - t0
    echo(str(market))

    t = time.perf_counter()
    engine = get_engine(engine_or_url, environ=environ)
    echo(str(init_schema(engine_or_url=engine)))
    result.timings["schema"] = time.perf_counter() - t

    nights = [(market.sessions[-2], False)] if len(market.sessions) > 1 else []
    nights.append((market.sessions[-1], True))
    for day, report in nights:
        t = time.perf_counter()
        what = "catching up every earlier session" if not report else "the last session, with the report"
        echo(f"nightly job for {day} ({what}) ...")
        night = run_nightly(day, engine_or_url=engine, drop_folder=drop, reports_dir=reports_dir,
                            environ=environ, report=report)
        result.nights.append(night)
        result.timings[f"nightly {day}"] = time.perf_counter() - t
        echo(str(night))
    result.timings["total"] = time.perf_counter() - t0
    return result
