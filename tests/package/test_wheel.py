"""The kit as a pip-installed package: a wheel built from the checkout, installed into a fresh
virtual environment outside it, used from another folder with no checkout in sight.

Smoke run: ``db start``, ``db init``, ingest a hand-written Massive trades file, ``aggregate``,
read bars in Python through the top-level imports, ``scan``, and the nightly report. The
expected bars are computed from the same file with pandas.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tickstock_research.sessions import sessions

REPO = Path(__file__).resolve().parents[2]
#: three recent full XNYS sessions (recent: a retention horizon of a year must not touch them)
_RECENT = sessions(pd.Timestamp.now("UTC").date() - pd.Timedelta(days=30), pd.Timestamp.now("UTC").date() - pd.Timedelta(days=7))
DAYS = [pd.Timestamp(d) for d in _RECENT.index[~_RECENT["early_close"].to_numpy()][-3:]]
FIRST, LAST = (f"{DAYS[0]:%Y-%m-%d}", f"{DAYS[-1]:%Y-%m-%d}")


def massive_trades(day: pd.Timestamp) -> pd.DataFrame:
    """A day of Massive ``trades_v1`` rows for two symbols, one trade a minute of a full session
    (none of the chosen days is an early close: 390 minutes from 09:30 New York time)."""
    rng = np.random.default_rng(int(day.strftime("%Y%m%d")))
    rows = []
    open_ns = pd.Timestamp(day.date()).tz_localize("America/New_York").replace(hour=9, minute=30).value
    for sym, base in (("WHLA", 40.0), ("WHLB", 15.0)):
        price = base
        for k in range(390):
            price = round(max(1.0, price + rng.normal(0, 0.05)), 2)
            ts = open_ns + k * 60_000_000_000 + 1_000_000_000
            rows.append({"ticker": sym, "conditions": "", "correction": 0, "exchange": 4, "id": f"{sym}{k}",
                         "participant_timestamp": ts - 1000, "price": price, "sequence_number": k + 1,
                         "sip_timestamp": ts, "size": int(rng.integers(1, 500)), "tape": 3, "trf_id": "",
                         "trf_timestamp": ""})
    return pd.DataFrame(rows)


def run(cmd, env, cwd, timeout=600):
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (cmd, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc.stdout


@pytest.fixture(scope="module")
def installed():
    base = Path(tempfile.mkdtemp(prefix="tickstock-wheel-"))
    os.chmod(base, 0o755)                         # the server's OS user must reach the data folder
    wheels = base / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)], os.environ, base)
    wheel = next(wheels.glob("tickstock_research-*.whl"))
    venv = base / "venv"
    run([sys.executable, "-m", "venv", str(venv)], os.environ, base)
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], os.environ, base, timeout=900)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TICKSTOCK_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", TICKSTOCK_HOME=str(base / "home"),
               TICKSTOCK_SKIP_BROWSER="1")
    work = base / "work"
    work.mkdir()
    yield {"wheel": wheel, "python": str(venv / "bin" / "python"), "tickstock": str(venv / "bin" / "tickstock"),
           "env": env, "work": work}
    subprocess.run([str(venv / "bin" / "tickstock"), "db", "stop"], env=env, cwd=work, capture_output=True, timeout=120)
    shutil.rmtree(base, ignore_errors=True)


def test_the_wheel_carries_sql_and_notebooks():
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, str(REPO)], check=True,
                       capture_output=True)
        names = zipfile.ZipFile(next(Path(out).glob("*.whl"))).namelist()
    migrations = sorted(p.name for p in (REPO / "sql" / "migrations").glob("*.sql"))
    assert sorted(Path(n).name for n in names if n.startswith("tickstock_research/sql/migrations/")) == migrations
    assert "tickstock_research/sql/grants.sql" in names
    notebooks = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    assert sorted(Path(n).name for n in names if n.startswith("tickstock_research/notebooks/")) == notebooks


def test_installed_kit_runs_the_whole_path_from_another_folder(installed):
    env, work, cli, py = installed["env"], installed["work"], installed["tickstock"], installed["python"]
    where = run([py, "-c", "import tickstock_research as t; print(t.__file__)"], env, work)
    assert "site-packages" in where and str(REPO) not in where
    run([cli, "db", "start"], env, work)
    assert "schema version" in run([cli, "db", "init"], env, work)
    frames = []
    for day in DAYS:
        frame = massive_trades(day)
        path = work / "trades_v1" / f"{day:%Y-%m-%d}.csv.gz"
        path.parent.mkdir(exist_ok=True)
        frame.to_csv(path, index=False)
        frames.append(frame)
    report = run([cli, "ingest", "ticks", "--no-progress", "--json", str(work / "trades_v1")], env, work)
    assert f'"inserted": {sum(map(len, frames))}' in report
    run([cli, "aggregate"], env, work)
    script = (
        "from tickstock_research import HistoricalLoader, scan\n"
        f"bars = HistoricalLoader().bars(['WHLA', 'WHLB'], '1d', '{FIRST}', '{LAST}')\n"
        "bars.to_csv('daily.csv')\n"
        f"print(scan(['WHLA', 'WHLB'], timeframe='1d', start='{FIRST}', end='{LAST}'))\n")
    assert "scan" in run([py, "-c", script], env, work).lower()
    got = pd.read_csv(work / "daily.csv")
    trades = pd.concat(frames)
    want = trades.groupby("ticker").agg(high=("price", "max"), low=("price", "min"), volume=("size", "sum"))
    for sym in ("WHLA", "WHLB"):
        mine = got[got["symbol"] == sym]
        assert len(mine) == 3
        assert mine["high"].max() == pytest.approx(want.loc[sym, "high"])
        assert mine["low"].min() == pytest.approx(want.loc[sym, "low"])
        assert mine["volume"].sum() == want.loc[sym, "volume"]
    out = run([cli, "nightly", "--date", LAST, "--reports-dir", str(work / "reports")], env, work)
    assert "ok" in out
    html = work / "reports" / LAST / "nightly.html"
    assert html.is_file() and "WHLA" in html.read_text()
