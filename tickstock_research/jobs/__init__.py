"""Jobs: the nightly pipeline (ingest, aggregate, scan, maintain, papermill report), the demo,
the synthetic market they run on, and the helpers behind the notebooks.

>>> from tickstock_research.jobs import run_nightly, generate_market   # doctest: +SKIP
>>> market = generate_market("drop", seed=7)                            # doctest: +SKIP
>>> run_nightly(market.sessions[-1], drop_folder="drop").html           # doctest: +SKIP
PosixPath('reports/2026-11-24/nightly.html')
"""
from .demo import DemoResult, run_demo
from .execute import execute_notebook, export_html
from .nightly import NightlyResult, default_date, last_runs, run_nightly
from .steps import StepResult
from .synthetic import SyntheticMarket, generate_market

__all__ = ["DemoResult", "NightlyResult", "StepResult", "SyntheticMarket", "default_date", "execute_notebook",
           "export_html", "generate_market", "last_runs", "run_demo", "run_nightly"]
