"""``tickstock demo`` and ``tickstock lab`` from the command line."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url


def _cli(args, env, timeout=600):
    return subprocess.run([sys.executable, "-m", "tickstock_research.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_demo_generates_runs_and_prints_the_report(new_database, cli_env, tmp_path):
    url = new_database(None, init=False, label="demo")           # an empty database: the demo initialises it
    proc = _cli(["--url", url, "demo", "--seed", "3", "--symbols", "4", "--days", "78", "--liquidity", "0.05",
                 "--reports-dir", str(tmp_path / "reports"), "--drop-folder", str(tmp_path / "drop")], cli_env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = re.search(r"^report: (.+nightly\.html)$", proc.stdout, re.M)
    assert m, proc.stdout
    html = Path(m.group(1))
    assert html.is_file() and html.parent.parent == (tmp_path / "reports").resolve()
    assert "planted patterns: HeadAndShoulders on ALPH" in proc.stdout
    assert "nightly" in proc.stdout and "catching up" in proc.stdout
    assert make_url(url).password not in proc.stdout + proc.stderr + html.read_text()
    assert len(list((tmp_path / "drop").glob("*.csv.gz"))) == 78


def test_lab_and_nightly_help(cli_env):
    for cmd in (["lab", "--help"], ["nightly", "--help"], ["demo", "--help"]):
        proc = _cli(cmd, cli_env, timeout=60)
        assert proc.returncode == 0, proc.stderr
    assert "--drop-folder" in _cli(["nightly", "--help"], cli_env).stdout
