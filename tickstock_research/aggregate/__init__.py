"""Aggregation: ticks -> 1-minute bars -> session-correct daily bars, the incremental nightly
rollup, and live bars (:class:`BarBuilder`) blended with history (:class:`DataBlender`)."""
from ._common import BuildReport
from .daily import build_daily_bars, session_windows
from .minutes import build_minute_bars
from .realtime import BarBuilder, DataBlender, resample_bars
from .rollup import RollupReport, gap_report, rollup_runs, run_rollup

__all__ = [
    "BarBuilder", "BuildReport", "DataBlender", "RollupReport", "build_daily_bars", "build_minute_bars",
    "gap_report", "resample_bars", "rollup_runs", "run_rollup", "session_windows",
]
