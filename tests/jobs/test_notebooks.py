"""Every notebook: stored as generated (no outputs, one ``parameters`` cell of typed lines), and
executed with papermill on small parameters against a fresh database, in the order an analyst
would run them (load, build, audit, quality, report). What they show is checked against pandas
reading the same files."""
from __future__ import annotations

import json
import re

import nbformat
import pandas as pd
import pytest
from jobs_helpers import read_trades
from sqlalchemy.engine import make_url

from tickstock_research.jobs.execute import execute_notebook, export_html, notebook_path, notebooks_dir
from tickstock_research.jobs.notebooks import NOTEBOOKS, render

PARAM_LINE = re.compile(r"^[a-z_][a-z0-9_]*: (str|int|float|bool) = .+  # \S.*$")


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_stored_notebook_is_the_generated_one_without_outputs(name):
    path = notebooks_dir() / f"{name}.ipynb"
    assert path.read_text() == render(name), "run: python -m tickstock_research.jobs.notebooks notebooks"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for line in params[0].source.splitlines():
        assert PARAM_LINE.match(line), line
    # cells only call the package: no loops, no SQL, no function or class definitions
    for c in code:
        assert not re.search(r"^\s*(def |class |for |while )|SELECT |sqlalchemy|psycopg2", c.source, re.M | re.I), c.source


@pytest.fixture(scope="module")
def run(new_database, tmp_path_factory):
    url = new_database("timescale", label="notebooks")
    out = tmp_path_factory.mktemp("nb")

    def execute(name: str, **params) -> tuple[nbformat.NotebookNode, str]:
        nb_out = execute_notebook(notebook_path(name), out / f"{name}.ipynb", params, database_url=url)
        html = export_html(nb_out, database_url=url).read_text()
        password = make_url(url).password
        assert password not in nb_out.read_text() and password not in html
        return nbformat.read(nb_out, as_version=4), html

    execute.url = url
    return execute


def _outputs(nb) -> str:
    parts = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            assert o.get("output_type") != "error", o
            parts.append(json.dumps(o.get("data", {})) + o.get("text", ""))
    return "\n".join(parts)


def _row(html: str, *cells) -> bool:
    pattern = r"\s*".join(f"<td>{re.escape(str(c))}</td>" for c in cells)
    return re.search(pattern, html) is not None


def test_notebooks_in_order(run, market):
    day = market.sessions[-1]
    files = pd.concat([read_trades(p) for p in market.files])

    # 1. load ticks: the whole drop folder (tickers JSON first), counts as pandas reads them
    nb, html = run("load_ticks", source=str(market.drop_folder), date=day.isoformat())
    n_last = len(read_trades(market.files[-1]))
    assert _row(html, market.files[-1].name, "trades", "ticks", n_last, n_last, 0)   # read, inserted, present
    assert _row(html, "reference_tickers.json", "tickers", "symbols", len(market.symbols))
    assert f"{len(files):,} trade(s) inserted" in html

    # 2. build bars over every session; daily bars per symbol = sessions
    nb, html = run("build_bars", start=market.sessions[0].isoformat(), end=day.isoformat(),
                   chart_symbol=market.symbols[0])
    for sym in market.symbols:
        assert re.search(rf"<td>{sym}</td>\s*<td>{len(market.sessions)}</td>", html), sym
    assert "plotly-graph-div" in html and "Plotly.newPlot" in html

    # 3. audit after a scan: the planted formations are there, with the audit's columns
    nb, html = run("audit_events", start=market.sessions[0].isoformat(), end=day.isoformat(), scan_first=True)
    text = _outputs(nb)
    assert "HeadAndShoulders" in text and "DoubleBottom" in text and "hit_rate" in text
    # its parameters reach the audit too: one pattern asked for, one pattern audited and listed
    nb, html = run("audit_events", start=market.sessions[0].isoformat(), end=day.isoformat(), patterns="DoubleBottom")
    text = _outputs(nb)
    assert "DoubleBottom" in text and "hit_rate" in text and "HeadAndShoulders" not in text

    # 4. data quality on a day with a planted gap: the missing minutes pandas counts
    gap = next(g for g in market.gaps)
    t = read_trades(market.drop_folder / f"{gap['date']}.csv.gz")
    ts = pd.to_datetime(t["sip_timestamp"], unit="ns", utc=True).dt.tz_convert("America/New_York")
    m = ts.dt.hour * 60 + ts.dt.minute - (9 * 60 + 30)
    session_minutes = 210 if pd.Timestamp(gap["date"]).date() in market.early_closes else 390
    # a minute bar needs a trade that may set its price (an odd lot, condition 37, sets the
    # volume only), but a minute of odd lots alone was traded and is not missing: the present
    # minutes are those with any trade that counts (corrections 0 and 1 under consolidated)
    counting = t[(t["ticker"] == gap["symbol"]) & (m >= 0) & (m < session_minutes) & t["correction"].isin([0, 1])]
    present = m[counting.index].nunique()
    traded = t[(t["ticker"] == gap["symbol"]) & (m >= 0) & (m < session_minutes) & (t["correction"] == 0)]
    assert m[traded.index].nunique() == session_minutes - gap["minutes"]     # the planted gap, no trade at all
    nb, html = run("data_quality", date=gap["date"], symbols=gap["symbol"])
    assert _row(html, gap["symbol"], present, session_minutes, session_minutes - present)

    # 5. the nightly report notebook on its own (no job summary): every section, the charts
    nb, html = run("nightly_report", date=day.isoformat())
    for section in ("Load-reports", "Bars-built", "Gaps-and-reconciliation", "Events-of-the-day", "Event-audit",
                    "Database-size-and-compression"):
        assert f'id="{section}"' in html
    assert html.count('class="plotly-graph-div"') >= 2
    assert _row(html, "ticks", len(files))                              # database table: rows of ticks
