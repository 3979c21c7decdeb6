"""The kit's parameterised notebooks, written from this one source with nbformat.

Why generated: the stored notebooks stay without outputs, every parameter cell has the same
``name: type = value  # help`` form (papermill reads it for ``--help-notebook``), and a test
checks that ``notebooks/`` matches this source. Cells only call the package.

    python -m tickstock_research.jobs.notebooks notebooks/   # rewrite the notebooks
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _setup(*imports: str):
    """The first code cell: imports, then plotly.js for the notebook's charts (its last line, so
    that its output is displayed)."""
    return new_code_cell("\n".join(["from tickstock_research.jobs import report as r", *imports, "r.plotly_offline()"]))


def _params(*lines: str):
    return new_code_cell("\n".join(lines), metadata={"tags": ["parameters"]})


def _nb(title: str, intro: str, cells: list) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell(f"# {title}\n\n{intro}")] + cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i:02d}"
    return nb


def _md(text: str):
    return new_markdown_cell(text)


def _code(text: str):
    return new_code_cell(text)


def nightly_report() -> nbformat.NotebookNode:
    return _nb("TickStock nightly report",
               "What the nightly job loaded and built for one session, the data-quality findings, "
               "the pattern events of the day and the state of the database.",
               [_params('date: str = ""  # session date YYYY-MM-DD (empty: the last completed session)',
                        'symbols: str = ""  # comma-separated symbols to report on (empty: all)',
                        'summary_path: str = ""  # the nightly job summary JSON (written by the job)',
                        'max_charts: int = 8  # candlestick charts at most',
                        'sessions_back: int = 90  # sessions shown in each chart'),
                _setup(),
                _code("ctx = r.context(date, summary_path, symbols)\nr.header(ctx)"),
                _md("## Pipeline steps"), _code("r.steps_table(ctx)"),
                _md("## Load reports"), _code("r.load_table(ctx)"),
                _md("## Bars built"), _code("r.bars_totals(ctx)"), _code("r.bars_built(ctx)"),
                _md("## Gaps and reconciliation"), _code("r.quality_checks(ctx)"),
                _md("### Gaps found by this night's rollup"), _code("r.gaps_table(ctx)"),
                _md("### Daily volume against its minutes"), _code("r.reconciliation(ctx)"),
                _md("## Events of the day"), _code("r.events_summary(ctx)"), _code("r.events_table(ctx)"),
                _md("### Charts"), _code("r.display_all(r.event_charts(ctx, max_charts, sessions_back))"),
                _md("## Event audit\n\nReturns 5 sessions after each event of the last 250 sessions (state patterns counted "
                    "once per run, at its first bar), against every bar of the same symbols; in percent."),
                _code("r.audit_table(ctx)"),
                _md("## Database size and compression"), _code("r.database_size(ctx)")])


def load_ticks() -> nbformat.NotebookNode:
    return _nb("Load ticks",
               "Load trade files (Massive trades_v1 flat files, CSV, Parquet) and reference-ticker "
               "pages into the database, exactly once, and show the load reports.",
               [_params('source: str = ""  # a trades file or a folder of them (empty: load nothing)',
                        'tickers: str = ""  # a reference-tickers JSON file to load first (optional)',
                        'date: str = ""  # session date to summarise afterwards (empty: the last session)'),
                _setup(),
                _code("ctx = r.context(date)\nloaded = r.load_files(source, tickers, engine_or_url=ctx.engine)\nloaded"),
                _md("## Load reports"), _code("loaded.table()"),
                _md("## What the session holds now"), _code("r.bars_built(ctx)")])


def build_bars() -> nbformat.NotebookNode:
    return _nb("Build bars",
               "Aggregate ticks to 1-minute bars and session-correct daily bars (incrementally when no "
               "range is given), then show the bars and the gap findings.",
               [_params('start: str = ""  # first session date YYYY-MM-DD (empty: everything new since the last run)',
                        'end: str = ""  # last session date (empty: up to the newest data)',
                        'symbols: str = ""  # comma-separated symbols (empty: all)',
                        'chart_symbol: str = ""  # symbol to chart (empty: the first one)'),
                _setup("from tickstock_research.aggregate import run_rollup"),
                _code("ctx = r.context(end or None, symbols=symbols)\n"
                      "rollup = run_rollup(engine_or_url=ctx.engine, start=start or None, end=end or None, symbols=ctx.symbols)\n"
                      "print(rollup)"),
                _md("## Gaps found by the rollup"), _code("rollup.gaps"),
                _md("## Bars per symbol"), _code("r.bars_in_range(ctx, start or None)"),
                _md("## Chart"), _code("r.symbol_chart(ctx, chart_symbol or None)")])


def audit_events() -> nbformat.NotebookNode:
    return _nb("Audit pattern events",
               "Optionally scan, then judge the recorded pattern events: counts, forward returns and "
               "hit rates per pattern and timeframe.",
               [_params('start: str = ""  # first date YYYY-MM-DD (empty: audit 250 sessions, list 30 days before end)',
                        'end: str = ""  # last date (empty: the last completed session)',
                        'symbols: str = ""  # comma-separated symbols (empty: all)',
                        'patterns: str = ""  # comma-separated pattern names (empty: all)',
                        'timeframe: str = "1d"  # timeframe of the events',
                        'scan_first: bool = False  # scan the range before auditing'),
                _setup("from tickstock_research.events import scan"),
                _code("ctx = r.context(end or None, symbols=symbols)\n"
                      "scan(ctx.symbols or r.symbol_list(ctx), r.split(patterns), timeframe, start or None, ctx.date, "
                      "engine_or_url=ctx.engine) if scan_first else None"),
                _md("## Audit"), _code("r.audit_table(ctx, start or None, patterns, timeframe)"),
                _md("## Events"), _code("r.events_in_range(ctx, start or None, patterns, timeframe)")])


def data_quality() -> nbformat.NotebookNode:
    return _nb("Data quality",
               "Checks for one session: minute coverage against the exchange calendar, daily volume "
               "against its minutes, trades sharing a timestamp, corrections and the quarantine.",
               [_params('date: str = ""  # session date YYYY-MM-DD (empty: the last completed session)',
                        'symbols: str = ""  # comma-separated symbols (empty: every active symbol of the calendar)',
                        'fail_on_findings: bool = False  # raise (papermill exits non-zero) when a check fails'),
                _setup(),
                _code("ctx = r.context(date, symbols=symbols)\nr.header(ctx)"),
                _md("## Checks"), _code("checks = r.quality_checks(ctx)\nr.require_ok(checks) if fail_on_findings else checks"),
                _md("## Minute coverage"), _code("r.minute_coverage(ctx)"),
                _md("## Daily volume against its minutes"), _code("r.reconciliation(ctx)"),
                _md("## Quarantine"), _code("r.quarantine_table(ctx)")])


def pattern_gallery() -> nbformat.NotebookNode:
    return _nb("Pattern gallery",
               "The structural patterns on realistic synthetic daily series: where the swing points are "
               "confirmed and where each formation fires (no database needed).",
               [_params('seed: int = 3  # seed of the synthetic series',
                        'noise: float = 0.25  # daily noise of the series (price units)'),
                _setup("from tickstock_research.patterns import get_pattern",
                       "from tickstock_research.patterns.synthetic import formation_series",
                       "from tickstock_research.plots import candlestick"),
                _md("## Head and shoulders (bearish: close breaks the neckline)"),
                _code('hs = formation_series("head_and_shoulders", seed=seed, noise=noise)\n'
                      'hs_events = get_pattern("HeadAndShoulders").detect(hs)\nhs_events'),
                _code('candlestick(hs, hs_events, title="HeadAndShoulders on a synthetic daily series")'),
                _md("## Double bottom (bullish: close clears the high between the bottoms)"),
                _code('db = formation_series("double_bottom", seed=seed, noise=noise)\n'
                      'db_events = get_pattern("DoubleBottom").detect(db)\ndb_events'),
                _code('candlestick(db, db_events, title="DoubleBottom on a synthetic daily series")')])


def corporate_actions() -> nbformat.NotebookNode:
    return _nb("Corporate actions",
               "Raw (as traded) against split- and dividend-adjusted daily closes of one symbol: a 4-for-1 "
               "split looks like a 75% crash in raw bars, which is why scans and audits read adjusted bars.",
               [_params('symbol: str = ""  # the symbol to show (empty: the first one with a split, else the first one)',
                        'start: str = ""  # first date YYYY-MM-DD (empty: from the first bar)',
                        'end: str = ""  # last date (empty: to the last bar); actions after it are not applied'),
                _setup("from tickstock_research.plots import adjusted_closes"),
                _code("adjusted_closes(symbol or r.example_symbol(), start or None, end or None)")])


NOTEBOOKS = {"nightly_report": nightly_report, "load_ticks": load_ticks, "build_bars": build_bars,
             "audit_events": audit_events, "data_quality": data_quality, "pattern_gallery": pattern_gallery,
             "corporate_actions": corporate_actions}


def render(name: str) -> str:
    """The notebook's JSON text, as stored."""
    return nbformat.writes(NOTEBOOKS[name](), version=4) + "\n"


def write_notebooks(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in NOTEBOOKS:
        path = folder / f"{name}.ipynb"
        path.write_text(render(name), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover
    for p in write_notebooks(sys.argv[1] if len(sys.argv) > 1 else "notebooks"):
        print(p)
