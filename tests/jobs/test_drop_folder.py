"""The nightly job with an empty drop folder: a warning that says so (exit 0), and a failure
(exit 1) when the job was told to expect files."""
from __future__ import annotations

import subprocess
import sys

from tickstock_research.jobs.nightly import run_nightly


def test_empty_drop_folder_is_a_warning_and_a_failure_when_files_are_expected(database_url, tmp_path, cli_env):
    drop = tmp_path / "drop"
    drop.mkdir()
    day = "2026-11-27"
    result = run_nightly(day, engine_or_url=database_url, drop_folder=drop, report=False)
    check = next(s for s in result.steps if s.name == "drop folder")
    assert check.status == "warning" and "no trade file for 2026-11-27" in check.summary
    assert result.status == "ok" and result.message.startswith("warning: no trade file")
    assert "\n" not in repr(check)

    expected = run_nightly(day, engine_or_url=database_url, drop_folder=drop, report=False, expect_files=True)
    assert expected.status == "failed" and "drop folder" in expected.message

    base = [sys.executable, "-m", "tickstock_research.cli.main", "--url", database_url, "nightly", "--date", day,
            "--drop-folder", str(drop), "--no-report"]
    warn = subprocess.run(base, env=cli_env, capture_output=True, text=True, timeout=300)
    assert warn.returncode == 0, warn.stderr[-2000:]
    assert "warning" in warn.stdout and "no trade file for 2026-11-27" in warn.stdout
    fail = subprocess.run(base + ["--expect-files"], env=cli_env, capture_output=True, text=True, timeout=300)
    assert fail.returncode == 1, fail.stdout + fail.stderr
    assert "failed" in fail.stdout and "no trade file for 2026-11-27" in fail.stdout
