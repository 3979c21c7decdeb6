"""Schema: migrations, versions, tiers, concurrency of init, retention."""
from __future__ import annotations

import decimal
import multiprocessing as mp

import pandas as pd
import pytest
import sqlalchemy as sa

from tickstock_research.aggregate import run_rollup
from tickstock_research.db.engine import get_engine
from tickstock_research.db.locks import lock_holder
from tickstock_research.errors import SchemaVersionError
from tickstock_research.schema import describe, init_schema, latest_version, run_maintenance
from tickstock_research.schema.migrate import MIGRATION_LOCK, migrations

TABLES = {"symbols", "ticks", "ohlcv_1min", "ohlcv_daily", "events", "quarantine", "tickstock_schema_version"}


def _tables(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text(
            "select tablename from pg_tables where schemaname = current_schema()")).scalars())


def test_migrations_are_numbered_and_ordered():
    versions = [m.version for m in migrations()]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert versions[0] == 1


def test_init_creates_tables_on_both_tiers(tier_url):
    engine = get_engine(tier_url)
    assert TABLES <= _tables(engine)
    with engine.connect() as conn:
        versions = conn.execute(sa.text("select version from tickstock_schema_version order by 1")).scalars().all()
    assert versions == [m.version for m in migrations()]


def test_init_twice_is_a_no_op(tier_url):
    report = init_schema(engine_or_url=tier_url)
    assert report.applied == [] and report.version == latest_version()
    with get_engine(tier_url).connect() as conn:
        n = conn.execute(sa.text("select count(*) from tickstock_schema_version")).scalar()
    assert n == len(migrations())


def _init_in_process(url, extension, queue):
    try:
        from tickstock_research.schema.migrate import init_schema as init

        report = init(engine_or_url=url, extension=extension)
        queue.put(("ok", report.applied, report.version))
    except Exception as exc:  # pragma: no cover - reported to the parent
        queue.put(("error", repr(exc), None))


@pytest.mark.parametrize("tier", ["timescale", "plain"])
def test_concurrent_init_leaves_one_schema(new_database, tier):
    url = new_database(None, init=False, label=f"concurrent_{tier}")
    extension = "none" if tier == "plain" else "auto"
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_init_in_process, args=(url, extension, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
    assert all(r[0] == "ok" for r in results), results
    applied = sorted(v for r in results for v in r[1])
    assert applied == [m.version for m in migrations()]  # each migration applied by exactly one process
    assert {r[2] for r in results} == {latest_version()}
    engine = get_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from tickstock_schema_version")).scalar() == len(migrations())
    assert lock_holder(engine, MIGRATION_LOCK) is None                # nobody holds the schema lock after


def test_timescale_tier_has_hypertables(database_url, has_timescaledb):
    if not has_timescaledb:
        pytest.skip("server has no TimescaleDB")
    with get_engine(database_url).connect() as conn:
        info = describe(conn, "x")
    assert info.tier in ("apache", "timescale")
    assert info.timescaledb_version.startswith("2.")
    assert {"ticks", "ohlcv_1min"} <= set(info.hypertables)
    assert info.schema_version == latest_version()
    if info.tier == "apache":
        assert "unavailable" in info.features["compression"]


def test_plain_tier_reports_plain(plain_database_url):
    with get_engine(plain_database_url).connect() as conn:
        info = describe(conn, "x")
        ext = conn.execute(sa.text("select count(*) from pg_extension where extname='timescaledb'")).scalar()
    assert info.tier == "plain" and info.hypertables == [] and ext == 0
    assert "unavailable" in info.features["compression"]


def test_newer_schema_is_refused(new_database):
    url = new_database("plain", label="newer")
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("insert into tickstock_schema_version (version, name, checksum, kit_version) "
                             "values (9999, 'future', 'x', '99')"))
    with pytest.raises(SchemaVersionError, match=r"9999 is newer than this kit supports"):
        init_schema(engine_or_url=url)
    # refused before anything changed: the plain database did not get TimescaleDB on the way
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from pg_extension where extname = 'timescaledb'")).scalar() == 0


def test_a_plain_database_stays_plain_when_init_runs_again(new_database):
    url = new_database("plain", label="stays_plain")
    report = init_schema(engine_or_url=url)                      # extension="auto", on a server that has TimescaleDB
    assert report.tier == "plain" and report.applied == []
    assert any("stays plain" in n for n in report.notes), report.notes
    with get_engine(url).connect() as conn:
        assert conn.execute(sa.text("select count(*) from pg_extension where extname = 'timescaledb'")).scalar() == 0


PRICES = ["187.1234", "1.08765", "0.00000812", "64123.12345678", "0.0001", "123456789.123456789"]


def test_prices_of_every_market_round_trip_exactly(tier_url):
    engine = get_engine(tier_url)
    with engine.begin() as conn:
        conn.execute(sa.text("insert into symbols(symbol, market) values ('X:BTCUSD','crypto'), "
                             "('C:EURUSD','fx'), ('AAPL','stocks') on conflict do nothing"))
        for i, p in enumerate(PRICES):
            conn.execute(sa.text("insert into ticks(symbol, \"timestamp\", price, volume, trade_id) "
                                 "values ('X:BTCUSD', '2024-01-02T00:00:00Z', :p, 1, :tid)"), {"p": p, "tid": f"t{i}"})
        got = conn.execute(sa.text("select price from ticks where symbol='X:BTCUSD' order by trade_id")).scalars().all()
        conn.execute(sa.text("delete from ticks where symbol='X:BTCUSD'"))
    assert [decimal.Decimal(p) for p in PRICES] == got


def test_distinct_trades_at_the_same_timestamp_are_kept(tier_url):
    engine = get_engine(tier_url)
    with engine.begin() as conn:
        conn.execute(sa.text("insert into symbols(symbol) values ('SAME') on conflict do nothing"))
        for tid in ("a", "b", "c"):
            conn.execute(sa.text("insert into ticks(symbol, \"timestamp\", price, volume, exchange, trade_id) "
                                 "values ('SAME', '2024-01-02T15:00:00.123456Z', 10, 100, 4, :t)"), {"t": tid})
        n = conn.execute(sa.text("select count(*) from ticks where symbol='SAME'")).scalar()
        conn.execute(sa.text("delete from ticks where symbol='SAME'"))
    assert n == 3


def test_connections_use_utc(tier_url):
    with get_engine(tier_url).connect() as conn:
        assert conn.execute(sa.text("select current_setting('timezone')")).scalar() == "UTC"


def test_maintenance_enforces_retention(tier_url):
    engine = get_engine(tier_url)
    old = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=400)
    new = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=3)
    with engine.begin() as conn:
        conn.execute(sa.text("insert into symbols(symbol) values ('RET') on conflict do nothing"))
        for i, ts in enumerate((old, new)):
            conn.execute(sa.text("insert into ticks(symbol, \"timestamp\", price, volume, trade_id) "
                                 "values ('RET', :ts, 10, 1, :t)"), {"ts": ts.to_pydatetime(), "t": f"r{i}"})
    report = run_maintenance(engine_or_url=tier_url)                      # not aggregated yet: nothing goes
    holds_old = [u.start <= old < u.end for u in report.retention]
    assert sum(holds_old) == 1 and report.retention[holds_old.index(True)].action == "keep"
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from ticks where symbol='RET'")).scalar() == 2
    run_rollup(engine_or_url=tier_url)
    report = run_maintenance(engine_or_url=tier_url)
    with engine.begin() as conn:
        left = conn.execute(sa.text("select \"timestamp\" from ticks where symbol='RET'")).scalars().all()
        conn.execute(sa.text("delete from ticks where symbol='RET'"))
    assert len(left) == 1 and pd.Timestamp(left[0]) == new.floor("us")
    assert any("ticks" in a for a in report.actions)
    assert any("compression" in a for a in report.actions)


def test_grants_are_applied_on_both_tiers(tier_url):
    with get_engine(tier_url).connect() as conn:
        rows = dict(conn.execute(sa.text(
            "select t, has_table_privilege('tickstock_analyst', t, 'SELECT') and "
            "not has_table_privilege('tickstock_analyst', t, 'INSERT') "
            "and has_table_privilege('tickstock_writer', t, 'INSERT') "
            "from unnest(array['ticks','ohlcv_1min','ohlcv_daily','events','symbols']) t")).all())
    assert rows == {t: True for t in ("ticks", "ohlcv_1min", "ohlcv_daily", "events", "symbols")}
    with get_engine(tier_url).connect() as conn:
        temp = conn.execute(sa.text("select has_database_privilege('tickstock_analyst', current_database(), 'TEMP'), "
                                    "has_database_privilege('tickstock_writer', current_database(), 'TEMP')")).one()
    assert tuple(temp) == (False, True)


def test_space_partitions_are_set_on_a_new_database_only(new_database):
    from tickstock_research.schema.tiers import space_partitions_of

    url = new_database(None, init=False, label="space_parts")
    init_schema(engine_or_url=url, space_partitions=4)
    engine = get_engine(url)
    with engine.connect() as conn:
        assert space_partitions_of(conn) == {"ticks": 4}
        assert describe(conn, url).features["space partitions"] == "ticks x4"
    again = init_schema(engine_or_url=url, space_partitions=100)     # an existing table keeps its layout, with a note
    assert any("already has 4 space partition(s)" in n for n in again.notes), again.notes
    with engine.connect() as conn:
        assert space_partitions_of(conn) == {"ticks": 4}
