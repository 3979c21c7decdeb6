"""The database password never appears in logs (CLI commands with -v), reports (the nightly HTML,
ipynb and JSON), notebook outputs, or exception messages (wrong password, unreachable server,
malformed URL). A login with a distinctive password (with characters that URLs percent-encode)
is created for the test and dropped after.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from psycopg2 import sql
from sqlalchemy.engine import make_url

from tickstock_research.db.engine import dispose_engines, get_engine
from tickstock_research.errors import TickstockError
from tickstock_research.ingest import load_ticks

PASSWORD = "Zebra@Secret%7e:" + secrets.token_hex(6)
FORMS = [PASSWORD, quote(PASSWORD, safe=""), quote(PASSWORD), PASSWORD.split(":")[-1]]


def leaked(text: str) -> list[str]:
    return [f for f in FORMS if f in text]


@pytest.fixture(scope="module")
def user_url(database_url):
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    name = f"t_secret_{secrets.token_hex(4)}"
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD %s").format(sql.Identifier(name)), (PASSWORD,))
    url = make_url(database_url).set(username=name, password=PASSWORD).render_as_string(hide_password=False)
    assert quote(PASSWORD, safe="") in url or PASSWORD in url
    yield url
    dispose_engines()
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
        for _ in range(100):
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (name,))
            if cur.fetchone()[0] == 0:
                break
            time.sleep(0.05)
        cur.execute(sql.SQL("REASSIGN OWNED BY {} TO CURRENT_USER").format(sql.Identifier(name)))
        cur.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
    admin.close()


def tickstock(args: list[str], env: dict, url: str | None = None) -> subprocess.CompletedProcess:
    prefix = ["--url", url] if url else []
    return subprocess.run([sys.executable, "-m", "tickstock_research.cli.main", "-v", *prefix, *args],
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    from tickstock_research.jobs.synthetic import generate_market

    drop = tmp_path_factory.mktemp("drop")
    os.chmod(drop, 0o755)
    return generate_market(drop, seed=9, symbols=3, days=3, liquidity=0.05)


def test_cli_logs_and_nightly_reports_hold_no_password(user_url, cli_env, market, tmp_path):
    reports = tmp_path / "reports"
    day = str(market.sessions[-1])[:10]
    runs = [
        tickstock(["db", "info"], cli_env, user_url),
        tickstock(["ingest", "ticks", "--no-progress", str(market.files[0])], cli_env, user_url),
        tickstock(["aggregate"], cli_env, user_url),
        tickstock(["nightly", "--date", day, "--drop-folder", str(market.drop_folder),
                   "--reports-dir", str(reports)], cli_env, user_url),
    ]
    env = dict(cli_env, TICKSTOCK_DATABASE_URL=user_url)   # the URL from the environment, too
    runs.append(tickstock(["aggregate", "--runs", "5"], env))
    for proc in runs:
        assert proc.returncode == 0, proc.args[-3:] + [proc.stderr[-2000:]]
        assert not leaked(proc.stdout + proc.stderr), proc.args
    assert any("INFO" in p.stderr for p in runs)          # -v did log
    written = [p for p in reports.rglob("*") if p.is_file()]
    assert {p.suffix for p in written} >= {".html", ".ipynb", ".json"}
    for path in written:
        assert not leaked(path.read_text(errors="replace")), path.name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bad_urls(user_url: str) -> dict[str, str]:
    good = make_url(user_url)
    return {
        "wrong password": good.set(password=PASSWORD + "x").render_as_string(hide_password=False),
        "unreachable server": good.set(port=_free_port()).render_as_string(hide_password=False),
        "unknown database": good.set(database="no_such_db").render_as_string(hide_password=False),
        "malformed port": f"postgresql://{good.username}:{quote(PASSWORD, safe='')}@127.0.0.1:notaport/x",
        "unknown driver": f"postgresqlx://{good.username}:{quote(PASSWORD, safe='')}@127.0.0.1/x",
    }


@pytest.mark.parametrize("case", ["wrong password", "unreachable server", "unknown database", "malformed port",
                                  "unknown driver"])
def test_exceptions_and_cli_errors_hold_no_password(user_url, cli_env, case):
    url = bad_urls(user_url)[case]
    with pytest.raises(Exception) as info:
        engine = get_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("select 1")
    assert isinstance(info.value, TickstockError), repr(info.value)
    assert not leaked(str(info.value)) and not leaked(repr(info.value))
    with pytest.raises(TickstockError) as info:
        load_ticks(Path(__file__).resolve().parents[1] / "data" / "ingest" / "ticks_basic.csv", engine_or_url=url, progress=False)
    assert not leaked(str(info.value))
    proc = tickstock(["ingest", "ticks", "--no-progress",
                      str(Path(__file__).resolve().parents[1] / "data" / "ingest" / "ticks_basic.csv")], cli_env, url)
    assert proc.returncode != 0
    assert not leaked(proc.stdout + proc.stderr), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("tickstock: error:")
