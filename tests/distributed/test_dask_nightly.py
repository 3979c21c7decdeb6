"""The nightly job with a Dask client: its scan and the report's audit run on the workers.

Reference: an in-process scan of the same range afterwards finds exactly the events the Dask
run recorded (it adds nothing and changes nothing). The scheduler's task stream shows which
work ran on the cluster, including the audit started by the report notebook's own kernel (it
reaches the cluster through TICKSTOCK_DASK_SCHEDULER).
"""
from __future__ import annotations

import pytest

distributed = pytest.importorskip("distributed")

from tickstock_research.events import scan  # noqa: E402
from tickstock_research.jobs.nightly import LOOKBACK_SESSIONS, _scan_start, run_nightly  # noqa: E402
from tickstock_research.jobs.synthetic import generate_market  # noqa: E402


def test_nightly_on_dask_scans_and_audits_on_the_workers(database_url, tmp_path):
    market = generate_market(tmp_path / "drop", seed=5, symbols=4, days=78, liquidity=0.1)
    day = market.sessions[-1]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1", silence_logs=40) as cluster, \
            distributed.Client(cluster) as client, distributed.get_task_stream(client) as stream:
        result = run_nightly(day, engine_or_url=database_url, drop_folder=market.drop_folder,
                             reports_dir=tmp_path / "reports", client=client)
    assert result.ok, result
    keys = [str(t["key"]) for t in stream.data]
    assert any("_scan_group" in k for k in keys), keys
    assert any("_audit_group" in k for k in keys), keys
    html = result.html.read_text(encoding="utf-8")
    assert "Event audit" in html and "hit_rate" in html

    again = scan(market.symbols, timeframe="1d", start=_scan_start(day, LOOKBACK_SESSIONS), end=day,
                 engine_or_url=database_url)
    assert again.detections > 0
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, again.detections)


def test_nightly_cli_names_an_unreachable_scheduler(database_url, tmp_path):
    """A scheduler address nobody listens on: a clear error before any step runs."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "tickstock_research.cli.main", "--url", database_url, "nightly",
                           "--drop-folder", str(tmp_path), "--reports-dir", str(tmp_path / "r"), "--date", "2024-03-04",
                           "--dask-scheduler", "tcp://127.0.0.1:9"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "cannot reach the Dask scheduler" in proc.stderr and "Traceback" not in proc.stderr
