"""CLI conventions as a user meets them (the package-and-CLI issue's cases), through real
subprocesses against a real database: symbol lists, ``--url`` anywhere, ``--version``,
examples in every ``--help``, one-line errors for impossible input, ``events list --limit``,
a closed pipe, and ``tickstock export``."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from tickstock_research import __version__
from tickstock_research.aggregate import run_rollup
from tickstock_research.cli.main import _commands, build_parser
from tickstock_research.errors import TickstockError
from tickstock_research.events import scan
from tickstock_research.ingest import load_ticks
from tickstock_research.load import HistoricalLoader

SESSIONS = pd.bdate_range("2024-03-04", periods=30, tz="UTC")


@pytest.fixture(scope="module")
def url(database_url):
    rows = []
    for i, day in enumerate(SESSIONS):
        for sym, base in (("ALPH", 50.0), ("BRVO", 20.0)):
            for k in range(0, 390, 2):
                price = base + i * 0.3 + ((k * 7919 + i) % 23 - 11) / 10
                rows.append((sym, day + pd.Timedelta(hours=14, minutes=30 + k), round(price, 2), 100 + k))
    load_ticks(pd.DataFrame(rows, columns=["symbol", "timestamp", "price", "volume"]), engine_or_url=database_url, progress=False)
    run_rollup(engine_or_url=database_url)
    scan(["ALPH", "BRVO"], timeframe="1d", engine_or_url=database_url)
    return database_url


def run(args, env, url=None, timeout=180):
    cmd = [sys.executable, "-m", "tickstock_research.cli.main"] + (["--url", url] if url else []) + list(args)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def one_line_error(proc) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


@pytest.mark.parametrize("symbols", [["ALPH", "BRVO"], ["ALPH,BRVO"], ["alph", "brvo"], ["alph,", "BRVO"]])
def test_symbol_lists_by_space_or_comma_in_every_command(url, cli_env, symbols):
    for args in (["aggregate", "--start", "2024-03-04", "--end", "2024-03-05", "--symbols", *symbols],
                 ["scan", "--timeframe", "1d", "--symbols", *symbols],
                 ["events", "list", "--symbols", *symbols],
                 ["events", "audit", "--symbols", *symbols],
                 ["export", "bars", "--symbols", *symbols, "--start", "2024-03-04", "--end", "2024-03-05", "-o", "-"],
                 ["nightly", "--date", "2024-03-08", "--no-report", "--symbols", *symbols]):
        proc = run(args, cli_env, url)
        assert proc.returncode == 0, (args, proc.stderr)
        assert "unknown symbol" not in proc.stderr, args
    exported = run(["export", "bars", "--symbols", *symbols, "--start", "2024-03-04", "--end", "2024-03-04", "-o", "-"],
                   cli_env, url)
    assert sorted(set(line.split(",")[1] for line in exported.stdout.splitlines()[1:])) == ["ALPH", "BRVO"]


@pytest.mark.parametrize("args", [["aggregate", "--symbols", ",,,"], ["scan", "--symbols", ",", "--timeframe", "1d"],
                                  ["events", "list", "--symbols", " , "]])
def test_an_empty_symbol_list_is_an_error_not_everything(url, cli_env, args):
    assert "no symbols in" in one_line_error(run(args, cli_env, url))


def test_a_lower_case_symbol_reads_its_bars(url):
    lower = HistoricalLoader(engine_or_url=url).bars("alph", "1d", "2024-03-04", "2024-03-08")
    upper = HistoricalLoader(engine_or_url=url).bars("ALPH", "1d", "2024-03-04", "2024-03-08")
    assert len(lower) == 5
    pd.testing.assert_frame_equal(lower, upper)


def test_url_before_or_after_the_command(url, cli_env):
    for args in (["--url", url, "db", "info"], ["db", "info", "--url", url], ["events", "list", "--url", url]):
        proc = run(args, cli_env)
        assert proc.returncode == 0, (args, proc.stderr)
    assert "events" in run(["db", "info", "--url", url], cli_env).stdout


def test_version_and_an_example_in_every_help(cli_env):
    proc = run(["--version"], cli_env)
    assert proc.returncode == 0 and proc.stdout.strip() == f"tickstock-research {__version__}"
    paths = [path for path, _ in _commands(build_parser())]
    assert {"db login", "ingest ticks", "export bars", "events list", "nightly", "lab"} <= set(paths)
    for path in paths:
        proc = run([*path.split(), "--help"], cli_env)
        assert proc.returncode == 0, path
        assert "example" in proc.stdout and "tickstock" in proc.stdout.split("example", 1)[1], path


@pytest.mark.parametrize("args,needle", [
    (["nightly", "--date", "2024-02-30", "--no-report"], "cannot read '2024-02-30' as a date"),
    (["events", "list", "--start", "2024-03-20", "--end", "2024-03-01"], "after end"),
    (["events", "list", "--patterns", "Dojii"], "unknown pattern(s): Dojii"),
    (["scan", "--timeframe", "1d", "--symbols", "ALPH", "--patterns", "GapUpp"], "GapUpp"),
    (["scan", "--timeframe", "7x", "--symbols", "ALPH"], "unknown timeframe"),
    (["export", "bars", "--symbols", "ALPH", "--start", "2024-13-01", "-o", "-"], "2024-13-01"),
    (["export", "bars", "--symbols", "ALPH", "-o", "out.txt"], "no known format"),
    (["events", "list", "--limit", "-1"], "--limit"),
])
def test_impossible_values_are_one_line_errors(url, cli_env, args, needle):
    assert needle in one_line_error(run(args, cli_env, url))


def test_impossible_dates_in_python_are_the_kits_errors(url):
    with pytest.raises(TickstockError, match="2024-02-30"):
        HistoricalLoader(engine_or_url=url).bars("ALPH", "1d", "2024-02-30", "2024-03-08")


def test_events_list_has_a_limit(url, cli_env):
    total = len(HistoricalLoader(engine_or_url=url).events())
    assert total > 10
    shown = run(["events", "list", "--limit", "5"], cli_env, url)
    assert shown.returncode == 0 and len(shown.stdout.strip().splitlines()) == 1 + 5
    assert f"of {total:,}" in shown.stderr
    every = run(["events", "list", "--limit", "0"], cli_env, url)
    assert len(every.stdout.strip().splitlines()) == 1 + total


def test_a_closed_pipe_ends_quietly(url, cli_env):
    cmd = (f"{sys.executable} -m tickstock_research.cli.main --url '{url}' export ticks --symbols ALPH BRVO "
           "--start 2024-03-04 --end 2024-04-30 -o - | head -n 1")
    proc = subprocess.run(["bash", "-c", cmd], env=cli_env, capture_output=True, text=True, timeout=180)
    assert proc.stdout.startswith("timestamp,")
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("what,suffix", [("bars", "csv"), ("bars", "parquet"), ("ticks", "parquet"),
                                         ("ticks", "csv.gz"), ("events", "csv")])
def test_export_writes_what_the_reader_reads(url, cli_env, tmp_path, what, suffix):
    out = tmp_path / f"out.{suffix}"
    args = ["export", what, "--start", "2024-03-04", "--end", "2024-03-15", "-o", str(out)]
    args += ["--symbols", "ALPH", "BRVO"] if what != "events" else []
    args += ["--timeframe", "15min"] if what == "bars" else []
    proc = run(args, cli_env, url)
    assert proc.returncode == 0, proc.stderr
    got = pd.read_parquet(out) if suffix == "parquet" else pd.read_csv(out)
    loader = HistoricalLoader(engine_or_url=url)
    if what == "bars":
        want = loader.bars(["ALPH", "BRVO"], "15min", "2024-03-04", "2024-03-15")
    elif what == "ticks":
        want = loader.ticks(["ALPH", "BRVO"], "2024-03-04", "2024-03-15")
    else:
        want = loader.events(start="2024-03-04", end="2024-03-15")
    assert len(got) == len(want) > 0
    want = want.reset_index()
    assert list(got.columns) == list(want.columns)
    assert (pd.to_datetime(got["timestamp"], utc=True).to_numpy() == want["timestamp"].to_numpy()).all()
    if what != "events":
        assert got["volume"].sum() == want["volume"].sum()
        assert got["symbol"].tolist() == want["symbol"].tolist()
