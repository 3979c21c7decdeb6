"""Small pieces of the jobs area without a database: the drop folder, secrets, the offline HTML."""
from __future__ import annotations

import datetime as dt

import nbformat
import pytest

from tickstock_research.errors import ConfigurationError, JobError
from tickstock_research.jobs.dropfolder import file_date, find_files
from tickstock_research.jobs.execute import check_no_secret, export_html, secrets_of
from tickstock_research.jobs.nightly import default_date, run_nightly


def test_drop_folder_catch_up_takes_the_date_and_earlier_files_only(tmp_path):
    for name in ("2025-12-10.csv.gz", "2025-12-11.csv.gz", "2025-12-12.csv.gz", "notes.txt", "2025-12-11.csv.gz.part"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "2025-12-09.parquet").write_bytes(b"x")
    (tmp_path / "reference_tickers.json").write_text("{}")
    found = find_files(tmp_path, dt.date(2025, 12, 11))
    assert [p.name for p in found.trades] == ["2025-12-09.parquet", "2025-12-10.csv.gz", "2025-12-11.csv.gz"]
    assert [p.name for p in found.tickers] == ["reference_tickers.json"]
    only = find_files(tmp_path, dt.date(2025, 12, 11), catch_up=False)
    assert [p.name for p in only.trades] == ["2025-12-11.csv.gz"]
    assert find_files(None, dt.date(2025, 12, 11)).trades == []
    assert file_date(tmp_path / "2025-02-30.csv.gz") is None


def test_a_mistyped_drop_folder_fails_the_job_before_it_starts(tmp_path):
    with pytest.raises(ConfigurationError, match=r"drop folder .*trades_vl does not exist"):
        run_nightly("2025-12-11", engine_or_url="postgresql://nobody@127.0.0.1:1/none", drop_folder=tmp_path / "trades_vl")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ConfigurationError, match=r"drop folder .*a-file is not a folder"):
        find_files(tmp_path / "a-file", dt.date(2025, 12, 11))


def test_secrets_are_found_and_the_file_blanked(tmp_path):
    url = "postgresql://ana:s3cr3t-pw@127.0.0.1:5432/market"
    assert "s3cr3t-pw" in secrets_of(url)
    assert secrets_of("postgresql://ana@127.0.0.1/market") == []
    leaky = tmp_path / "out.html"
    leaky.write_text("<p>connected with s3cr3t-pw</p>")
    with pytest.raises(JobError, match="contained the database password"):
        check_no_secret(leaky, secrets_of(url))
    assert "s3cr3t-pw" not in leaky.read_text()


def test_exported_html_hides_inputs_and_loads_nothing_from_the_network(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("secret_input_code = 1")])
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<b>shown output</b>"})]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    html = export_html(path).read_text()
    assert "shown output" in html and "secret_input_code" not in html
    assert "require.js" not in html and "mathjax" not in html.lower().replace("mathjaxconfig", "")
    assert "https://cdn" not in html


def test_default_date_is_the_last_session_after_its_post_market():
    # Friday 2025-12-12 at 19:59 New York: post-market still open -> Thursday
    assert default_date("2025-12-13 00:59") == dt.date(2025, 12, 11)
    assert default_date("2025-12-13 01:00") == dt.date(2025, 12, 12)
    # Monday morning: Friday; the day after Thanksgiving (early close, post-market to 17:00)
    assert default_date("2025-12-15 12:00") == dt.date(2025, 12, 12)
    assert default_date("2025-11-28 22:00") == dt.date(2025, 11, 28)
