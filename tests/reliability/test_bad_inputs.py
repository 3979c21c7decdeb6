"""Every file of the bad-input corpus (tests/data/bad, manifest expected.csv) through the real loaders.

For each case: a clear error (a TickstockError naming the file and the reason) that leaves every
table as it was, or exactly the expected quarantine rows (file, line, reason) with the valid rows
of the same file stored. The SQL-injection cases (in symbols and in file names) must leave the
tables in place and store the text verbatim.
"""
from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from tickstock_research.corporate import load_dividends, load_splits
from tickstock_research.db.engine import get_engine
from tickstock_research.errors import TickstockError
from tickstock_research.ingest import load_bars, load_events, load_symbols, load_ticks

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
sys.path.insert(0, str(BAD))
import make_corpus  # noqa: E402

CASES = list(csv.DictReader(open(BAD / "expected.csv", newline="", encoding="utf-8")))
TARGET = {"ticks": "ticks", "bars_1min": "ohlcv_1min", "bars_1d": "ohlcv_daily", "symbols": "symbols",
          "splits": "splits", "dividends": "dividends", "events": "events"}
TABLES = ["ticks", "ohlcv_1min", "ohlcv_daily", "symbols", "splits", "dividends", "events", "quarantine",
          "ingest_loads"]

BASELINE = """
insert into symbols (symbol) values ('GOOD');
insert into ticks (symbol, "timestamp", price, volume, exchange, trade_id)
     values ('GOOD', '2024-01-02 14:59:00+00', 10, 1, 0, 'base');
insert into ohlcv_1min (symbol, "timestamp", open, high, low, close, volume, source)
     values ('GOOD', '2024-01-02 14:59:00+00', 10, 10, 10, 10, 1, 'vendor');
insert into ohlcv_daily (symbol, date, open, high, low, close, volume, source)
     values ('GOOD', '2023-12-29', 10, 10, 10, 10, 1, 'vendor');
insert into splits (symbol, execution_date, split_from, split_to) values ('GOOD', '2020-01-02', 1, 2);
insert into dividends (symbol, ex_dividend_date, cash_amount) values ('GOOD', '2020-01-02', 0.1);
"""


def test_corpus_is_big_enough_and_every_file_exists(corpus):
    assert len(CASES) >= 30
    for case in CASES:
        assert (corpus / case["file"]).is_file(), case["file"]
    assert {c["loader"] for c in CASES} == set(TARGET)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    dest = tmp_path_factory.mktemp("bad")
    for path in BAD.iterdir():
        if path.is_file() and path.name not in ("expected.csv", "make_corpus.py"):
            shutil.copy(path, dest / path.name)
    make_corpus.build(dest)
    return dest


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"select count(*) from {t}")).scalar() for t in TABLES}  # fixed names


def run_loader(loader: str, path: Path, url: str, options: str):
    kwargs = dict(kv.split("=", 1) for kv in options.split(";") if kv)
    if loader == "ticks":
        return load_ticks(path, engine_or_url=url, progress=False, **kwargs)
    if loader.startswith("bars"):
        return load_bars(path, engine_or_url=url, timeframe=loader.split("_")[1], progress=False, **kwargs)
    return {"symbols": load_symbols, "splits": load_splits, "dividends": load_dividends,
            "events": load_events}[loader](path, engine_or_url=url, **kwargs)


def expected_rows(spec: str) -> list[tuple[int, str]]:
    rows = [(int(item.split("@")[1]), item.split("@")[0]) for item in spec.split(";") if item]
    return sorted(rows)


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_input(case, corpus, database_url):
    engine = get_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("truncate " + ", ".join(TABLES) + " cascade"))
        for statement in BASELINE.split(";"):
            if statement.strip():
                conn.execute(text(statement))
    before = counts(engine)
    path = corpus / case["file"]
    target = TARGET[case["loader"]]
    if case["outcome"] == "error":
        with pytest.raises(TickstockError) as info:
            run_loader(case["loader"], path, database_url, case["options"])
        message = str(info.value)
        assert case["file"] in message, message
        assert case["expect"].lower() in message.lower(), message
        assert "Traceback" not in message and len(message) < 600
        after = counts(engine)
        # nothing half written (the ingest ledger may record the failed attempt)
        assert {t: n for t, n in after.items() if t != "ingest_loads"} == \
               {t: n for t, n in before.items() if t != "ingest_loads"}
        return
    report = run_loader(case["loader"], path, database_url, case["options"])
    after = counts(engine)
    assert after[target] - before[target] == int(case["kept"]), report
    with engine.connect() as conn:
        got = conn.execute(text("select line, reason, source, target from quarantine order by line, reason")).all()
    assert sorted((line, reason) for line, reason, _, _ in got) == expected_rows(case["expect"])
    assert all(source == case["file"] for _, _, source, _ in got)
    assert all(t == ("ticks" if target == "ticks" else t) for *_, t in got)
    rejected = {}
    for _, reason in expected_rows(case["expect"]):
        rejected[reason] = rejected.get(reason, 0) + 1
    assert dict(report.rejected) == rejected
    # tables other than the target, symbols (registration) and the ledgers are untouched
    untouched = set(TABLES) - {target, "symbols", "quarantine", "ingest_loads"}
    assert {t: after[t] for t in untouched} == {t: before[t] for t in untouched}


def test_sql_text_is_stored_verbatim_and_tables_survive(corpus, database_url):
    engine = get_engine(database_url)
    load_ticks(corpus / "ticks_sql_symbols.csv", engine_or_url=database_url, progress=False)
    load_ticks(corpus / "ticks'; DROP TABLE ticks;--.csv", engine_or_url=database_url, progress=False)
    with engine.connect() as conn:
        symbols = set(conn.execute(text("select symbol from ticks")).scalars())
        sources = set(conn.execute(text("select source from quarantine")).scalars())
        tables = set(conn.execute(text("select tablename from pg_tables where schemaname = 'public'")).scalars())
    assert {"A';DROP TABLE t--", '"Q"', "X' OR '1'='1", "B\\'); --", "$$;--"} <= symbols
    assert "ticks'; DROP TABLE ticks;--.csv" in sources
    assert {"ticks", "symbols", "quarantine", "ohlcv_1min", "ohlcv_daily"} <= tables
    assert not (corpus / "pwned").exists() and not Path("pwned").exists()


def cli_args(case: dict, path: Path, url: str) -> list[str]:
    """The `tickstock ingest` command line a user would type for a corpus case."""
    loader = case["loader"]
    args = ["--url", url, "ingest", "bars" if loader.startswith("bars") else loader]
    if loader.startswith("bars"):
        args += ["--timeframe", loader.split("_")[1]]
    for kv in filter(None, case["options"].split(";")):
        key, value = kv.split("=", 1)
        args += ["--" + key.replace("_", "-"), value]
    if loader in ("ticks", "bars_1min", "bars_1d"):
        args.append("--no-progress")
    return args + [str(path)]


def test_every_cli_loader_on_the_whole_corpus_prints_no_traceback(corpus, database_url, capfd):
    """Each case through the command line's entry point: exit 0 with a report, or exit 2 with one
    line naming the file; never a traceback (an exception escaping ``main`` fails this test too),
    and nothing the driver prints on its own (captured at the file-descriptor level)."""
    from tickstock_research.cli.main import main

    for case in CASES:
        code = main(cli_args(case, corpus / case["file"], database_url))
        out, err = capfd.readouterr()
        assert "Traceback" not in out + err, (case["file"], out, err)
        if case["outcome"] == "error":
            lines = [line for line in err.splitlines() if line.strip()]
            assert code == 2 and len(lines) == 1 and case["file"] in lines[0], (case["file"], err)
        else:
            assert code == 0 and err.strip() == "", (case["file"], err)
            assert "rows read" in out, (case["file"], out)


def test_the_real_command_line_on_two_corpus_files(corpus, database_url, cli_env):
    import subprocess

    for name, code in (("ticks_garbage.csv.gz", 2), ("ticks_massive_ragged.csv.gz", 0)):
        case = next(c for c in CASES if c["file"] == name)
        proc = subprocess.run([sys.executable, "-m", "tickstock_research.cli.main",
                               *cli_args(case, corpus / name, database_url)],
                              env=cli_env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == code and "Traceback" not in proc.stdout + proc.stderr, proc.stderr
