"""The pattern gallery notebook: HeadAndShoulders and DoubleBottom shown firing on realistic
synthetic series (executed for real with papermill; no database)."""
from __future__ import annotations

import nbformat

from tickstock_research.jobs.execute import execute_notebook, notebook_path
from tickstock_research.patterns import get_pattern
from tickstock_research.patterns.synthetic import formation_series


def test_gallery_shows_both_formations_firing(tmp_path):
    out = execute_notebook(notebook_path("pattern_gallery"), tmp_path / "gallery.ipynb", {"seed": 3})
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    figures = [o["data"]["application/vnd.plotly.v1+json"] for o in outputs
               if "application/vnd.plotly.v1+json" in o.get("data", {})]
    titles = [f["layout"]["title"]["text"] for f in figures]
    # each chart also as HTML (what nbconvert and viewers without plotly's renderer show), drawn by
    # the plotly.js the first cell put in the notebook
    charts = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert all("plotly-graph-div" in o["data"].get("text/html", "") for o in charts)
    assert any("Plotly" in o.get("data", {}).get("text/html", "") and len(o["data"]["text/html"]) > 1_000_000
               for o in outputs)
    assert titles == ["HeadAndShoulders on a synthetic daily series", "DoubleBottom on a synthetic daily series"]
    for fig, (kind, name) in zip(figures, [("head_and_shoulders", "HeadAndShoulders"), ("double_bottom", "DoubleBottom")]):
        marked = [t for t in fig["data"] if t.get("legendgroup") == name and t.get("mode") == "markers"
                  and t.get("showlegend", True)]
        assert len(marked) == 1, f"{name} should be marked on its chart"
        # the same detections as running the pattern directly (independent of the notebook)
        expected = get_pattern(name).detect(formation_series(kind, seed=3))
        assert len(expected) >= 1
        assert len(marked[0]["x"]) == len(expected)
