"""The ``tickstock db`` CLI as a user runs it: real subprocesses, real servers."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
import sqlalchemy as sa

from tickstock_research.db.engine import get_engine
from tickstock_research.db.url import parse_url, redact


def run(args, env, timeout=180):
    return subprocess.run([sys.executable, "-m", "tickstock_research.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_redact_hides_passwords():
    assert redact("postgresql://ana:s3cr%40t@h:5432/db") == "postgresql://ana:***@h:5432/db"
    assert "s3cret" not in redact("host=h password=s3cret dbname=x")
    assert "s3cret" not in repr(parse_url("postgresql://ana:s3cret@h/db"))


def test_malformed_url_is_a_clear_error(cli_env):
    cli_env["TICKSTOCK_DATABASE_URL"] = "postgresql://ana:s3cret@host:notaport/db"
    proc = run(["db", "info"], cli_env)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "s3cret" not in proc.stderr
    assert "port" in proc.stderr.lower() or "malformed" in proc.stderr.lower()
    proc = run(["--url", "mysql://u:p@h/db", "db", "info"], cli_env)
    assert proc.returncode == 2 and "expected postgresql://" in proc.stderr


def test_unreachable_server_is_a_clear_error(cli_env):
    cli_env["TICKSTOCK_DATABASE_URL"] = "postgresql://ana:s3cret@127.0.0.1:1/db"
    for cmd in (["db", "info"], ["db", "init"], ["maintain"]):
        proc = run(cmd, cli_env)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr and "s3cret" not in proc.stderr
        assert "cannot connect to postgresql://ana:***@127.0.0.1:1/db" in proc.stderr


def test_newer_schema_is_a_clear_error(new_database, cli_env):
    url = new_database("plain", label="cli_newer")
    with get_engine(url).begin() as conn:
        conn.execute(sa.text("insert into tickstock_schema_version values (9999, 'future', 'x', '99', now())"))
    cli_env["TICKSTOCK_DATABASE_URL"] = url
    proc = run(["db", "init"], cli_env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "9999 is newer than this kit supports" in proc.stderr
    proc = run(["maintain"], cli_env)
    assert proc.returncode == 2 and "newer" in proc.stderr


def test_init_and_info_against_a_url(new_database, cli_env, has_timescaledb):
    url = new_database(None, init=False, label="cli_init")
    cli_env["TICKSTOCK_DATABASE_URL"] = url
    first = run(["db", "init"], cli_env)
    second = run(["db", "init"], cli_env)
    assert first.returncode == 0 and "applied 1" in first.stdout, first.stderr
    assert second.returncode == 0 and "already up to date" in second.stdout
    info = run(["db", "info"], cli_env)
    assert info.returncode == 0
    password = parse_url(url).password
    assert password and password not in info.stdout + info.stderr
    if has_timescaledb:
        tier = new_database.main_tier()          # the server's licence: timescale or apache
        assert "TimescaleDB 2." in info.stdout and f"licence {tier}" in info.stdout
        assert "ohlcv_1min, ticks" in info.stdout
        if tier == "timescale":                  # issue 15: sizes of compressed chunks, the kit's job
            assert "compression (compressed chunks" in info.stdout
            assert "tickstock_retention_job" in info.stdout


@pytest.mark.slow
def test_embedded_cluster_lifecycle(cli_env, has_timescaledb, new_database):
    """start / status / url / init / info / stop on a private embedded cluster."""
    try:
        assert run(["db", "status"], cli_env).returncode == 3
        start = run(["db", "start"], cli_env)
        assert start.returncode == 0, start.stderr
        assert "running on 127.0.0.1" in run(["db", "status"], cli_env).stdout
        url = run(["db", "url"], cli_env).stdout.strip()
        assert url.startswith("postgresql://tickstock:") and "@127.0.0.1:" in url
        with sa.create_engine(parse_url(url)).connect() as conn:  # SQLAlchemy accepts it
            assert conn.execute(sa.text("select 1")).scalar() == 1
        psql = subprocess.run(["psql", url, "-Atc", "select current_database()"], capture_output=True, text=True)
        assert psql.returncode == 0 and psql.stdout.strip() == "tickstock", psql.stderr  # psql accepts it
        assert run(["db", "init"], cli_env).returncode == 0
        info = run(["db", "info"], cli_env)
        assert info.returncode == 0 and "schema version:  " in info.stdout
        if has_timescaledb:   # issue 2: TimescaleDB 2.x, the build's licence, hypertables on ticks and ohlcv_1min
            tier = new_database.main_tier()
            assert "TimescaleDB 2." in info.stdout and f"licence {tier}" in info.stdout, info.stdout
            assert f"tier:            {tier}" in info.stdout
            assert "ohlcv_1min, ticks" in info.stdout
    finally:
        stop = run(["db", "stop"], cli_env)
    assert stop.returncode == 0 and "stopped" in stop.stdout
    assert run(["db", "status"], cli_env).returncode == 3


def test_unreachable_data_folder_is_a_clear_error(tmp_path, cli_env):
    import os

    if os.geteuid() != 0:
        pytest.skip("only root hands the server to another OS user")
    cli_env["TICKSTOCK_HOME"] = str(tmp_path / "private" / "home")  # pytest's tmp folders are 0700
    proc = run(["db", "start"], cli_env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "not reachable by OS user" in proc.stderr


def test_default_cluster_moves_out_of_a_private_checkout(tmp_path):
    """Run as root from a folder the server's OS user cannot enter: the data folder moves."""
    import os
    import pwd

    from tickstock_research.db import localcluster as lc

    if os.geteuid() != 0:
        pytest.skip("only root hands the server to another OS user")
    user = pwd.getpwnam("postgres")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    assert not lc._traversable(private / "repo", user)
    assert lc._traversable(__import__("pathlib").Path("/tmp"), user)
    public = __import__("pathlib").Path(__import__("tempfile").mkdtemp())
    os.chmod(public, 0o755)
    try:
        assert lc._traversable(public / "repo", user)
    finally:
        public.rmdir()


REDACTION_CASES = [
    # (text holding a password, the password)
    ("postgresql://tickstock:SECRETpw@more@127.0.0.1:5432/tickstock", "SECRETpw@more"),
    ("connect to postgresql://ana:a:b:c@db.example/market failed", "a:b:c"),
    ("postgresql://ana:left/right@db.example:5432/market", "left/right"),
    ("postgresql+psycopg2://ana:50%off%zz@db.example/market", "50%off%zz"),
    ("postgresql://ana:pässwörd€ü@db.example/market", "pässwörd€ü"),
    ("'postgresql://ana:q@u:o/t%e@db.example:5432/market?sslmode=require'", "q@u:o/t%e"),
    ("from postgresql://a:first1@h/db to postgresql://b:second2@h/db", "first1"),
    ("from postgresql://a:first1@h/db to postgresql://b:second2@h/db", "second2"),
    ("host=db.example password=s3cret dbname=market", "s3cret"),
    ("host=db.example password = 'with space' dbname=market", "with space"),
    ("password='it\\'s@here' host=h", "it\\'s@here"),
    ('{"user": "ana", "password": "json-secret"}', "json-secret"),
]


@pytest.mark.parametrize("text,password", REDACTION_CASES)
def test_redact_hides_every_url_shape(text, password):
    shown = redact(text)
    assert password not in shown
    for piece in (p for p in re.split(r"[@:/%'\s]", password) if len(p) >= 3):
        assert piece not in shown, (piece, shown)
    assert "***" in shown


def test_redact_keeps_the_rest_readable():
    assert redact("postgresql://ana:p@ss@db.example:5432/market") == "postgresql://ana:***@db.example:5432/market"
    assert redact("host=h password=x dbname=d") == "host=h password=*** dbname=d"
    assert redact("postgresql://ana@db.example/market") == "postgresql://ana@db.example/market"
    assert redact("password authentication failed for user \"ana\"") == "password authentication failed for user \"ana\""
