"""The load progress bar: off for scripts and cron, a widget in a notebook (run by papermill)."""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from tickstock_research.ingest.writers import _progress_bar
from tickstock_research.jobs.execute import execute_notebook


def test_off_without_a_terminal_unless_asked():
    # pytest captures stderr: not a terminal, not a kernel
    assert _progress_bar(None, 10, "ticks").disable
    assert _progress_bar(False, 10, "ticks").disable
    assert not _progress_bar(True, 10, "ticks").disable


def test_a_notebook_gets_a_widget_bar(tmp_path):
    code = ("from tickstock_research.ingest.writers import _progress_bar\n"
            "bar = _progress_bar(None, 10, 'ticks')\n"
            "print(type(bar).__module__, bar.disable)")
    nb = new_notebook(cells=[new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "bar.ipynb")
    out = nbformat.read(execute_notebook(tmp_path / "bar.ipynb", tmp_path / "out.ipynb"), as_version=4)
    text = "".join(o.get("text", "") for o in out.cells[0].outputs)
    assert text.strip() == "tqdm.notebook False", text
