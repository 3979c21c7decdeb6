"""``tickstock lab`` as a real process: it opens a working copy of the notebooks (never the
tracked ``notebooks/``) and stops its JupyterLab server on SIGTERM and on SIGINT."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tickstock_research.jobs.execute import notebooks_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _children(pid: int) -> list[int]:
    """Every process whose session is the lab's JupyterLab (started in a session of its own)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:          # ppid
                out.append(int(d.name))
    return out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_lab_works_on_a_copy_and_stops_its_server(database_url, cli_env, tmp_path, sig):
    port = _free_port()
    work = tmp_path / "lab"
    before = {p.name: p.read_bytes() for p in notebooks_dir().glob("*.ipynb")}
    proc = subprocess.Popen([sys.executable, "-m", "tickstock_research.cli.main", "--url", database_url, "lab",
                             "--no-browser", "--port", str(port), "--notebook-dir", str(work)],
                            env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not _listening(port):
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "JupyterLab did not start"
            time.sleep(0.5)
        children = _children(proc.pid)
        assert children, "no JupyterLab child process"
        assert sorted(p.name for p in work.glob("*.ipynb")) == sorted(before)     # the working copy
        (work / "build_bars.ipynb").write_text("{}")                               # an analyst's edit ...
        os.kill(proc.pid, sig)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert f"JupyterLab on {work}" in out and "JupyterLab stopped" in out
    deadline = time.monotonic() + 30
    while (_listening(port) or any(Path(f"/proc/{c}").exists() for c in children)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _listening(port), "the server still holds the port"
    assert not any(Path(f"/proc/{c}").exists() and "Z" not in Path(f"/proc/{c}/stat").read_text().split(")")[1][:3]
                   for c in children), "JupyterLab still running"
    # ... stays in the copy; the tracked notebooks are as they were
    assert {p.name: p.read_bytes() for p in notebooks_dir().glob("*.ipynb")} == before
