"""Issue 16, nightly catch-up: a file with bad rows loads its good rows, an unreadable file is
marked failed while the later days still load, the job fails, and the next run retries only the
failed file. A load cut off by a crash is closed as `interrupted` by the next run."""
from __future__ import annotations

import gzip

from tickstock_research.db.engine import get_engine
from tickstock_research.jobs.nightly import run_nightly
from tickstock_research.schema.retention import set_retention

from .conftest import fetch, scalar

HEADER = "symbol,timestamp,price,volume,trade_id\n"


def day_file(folder, day: str, rows: list[str], gz: bool = True):
    text = HEADER + "".join(rows)
    path = folder / (f"{day}.csv.gz" if gz else f"{day}.csv")
    path.write_bytes(gzip.compress(text.encode(), mtime=0) if gz else text.encode())
    return path


def rows_of(day: str, n: int) -> list[str]:
    return [f"AAA,{day}T15:00:{i:02d}Z,10.5,100,{day}-{i}\n" for i in range(n)]


def ingest_step(result) -> dict:
    return next(s for s in result.steps if s.name == "ingest").to_dict()


def test_catch_up_goes_past_bad_rows_and_an_unreadable_file(db, tmp_path):
    set_retention("ticks", "off", engine_or_url=db)       # the nightly's maintenance would drop 2024's aggregated ticks
    drop = tmp_path / "drop"
    drop.mkdir()
    day_file(drop, "2024-01-02", rows_of("2024-01-02", 3))
    day_file(drop, "2024-01-03", rows_of("2024-01-03", 3) + ["AAA,2024-01-03T15:01:00Z,-1,100,bad\n",
                                                            "AAA,2024-01-03T15:01:01Z,10.5,100\n"])   # ragged
    whole = gzip.compress((HEADER + "".join(rows_of("2024-01-04", 3))).encode(), mtime=0)
    broken = drop / "2024-01-04.csv.gz"
    broken.write_bytes(whole[: len(whole) // 2])                         # truncated: unreadable
    day_file(drop, "2024-01-05", rows_of("2024-01-05", 2))
    first = run_nightly("2024-01-05", engine_or_url=db, drop_folder=drop, report=False)
    assert first.status == "failed" and not first.ok
    step = ingest_step(first)
    assert step["status"] == "failed"
    assert [f["file"] for f in step["details"]["failed"]] == ["2024-01-04.csv.gz"]
    assert "2024-01-04.csv.gz" in step["details"]["failed"][0]["error"]
    assert [e["file"] for e in step["details"]["loads"]] == ["2024-01-02.csv.gz", "2024-01-03.csv.gz",
                                                            "2024-01-05.csv.gz"]
    assert scalar(db, "select count(*) from ticks") == 3 + 3 + 2
    got = fetch(db, "select source, line, reason from quarantine order by line").values.tolist()
    assert got == [["2024-01-03.csv.gz", 5, "non_positive_price"], ["2024-01-03.csv.gz", 6, "wrong_field_count"]]
    # the next night retries only the failed file (still broken: still failed)
    second = run_nightly("2024-01-05", engine_or_url=db, drop_folder=drop, report=False)
    step = ingest_step(second)
    assert second.status == "failed"
    assert step["details"]["loads"] == [] and len(step["details"]["already_loaded"]) == 3
    assert [f["file"] for f in step["details"]["failed"]] == ["2024-01-04.csv.gz"]
    # the vendor re-delivers it: the next run loads it and succeeds
    broken.write_bytes(whole)
    third = run_nightly("2024-01-05", engine_or_url=db, drop_folder=drop, report=False)
    step = ingest_step(third)
    assert step["status"] == "ok" and [e["file"] for e in step["details"]["loads"]] == ["2024-01-04.csv.gz"]
    assert scalar(db, "select count(*) from ticks") == 3 + 3 + 3 + 2


def test_a_cut_off_load_is_closed_as_interrupted_by_the_next_run(db, tmp_path):
    # a ledger row whose backend is gone (a crashed loader): no live backend has pid 0
    with_gone = ("insert into ingest_loads (target, source, source_key, backend_pid, backend_start) "
                 "values ('ticks', 'x.csv', 'k', 0, now())")

    with get_engine(db).begin() as conn:
        conn.exec_driver_sql(with_gone)
        conn.exec_driver_sql("insert into ingest_loads (target, source, source_key) values ('ticks', 'old.csv', 'k')")
    drop = tmp_path / "drop"
    drop.mkdir()
    day_file(drop, "2024-01-02", rows_of("2024-01-02", 1))
    run_nightly("2024-01-02", engine_or_url=db, drop_folder=drop, report=False)
    got = fetch(db, "select source, status from ingest_loads order by id").values.tolist()
    assert got == [["x.csv", "interrupted"], ["old.csv", "interrupted"], ["2024-01-02.csv.gz", "done"]]
