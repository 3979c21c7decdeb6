"""Public loaders of market data: ``load_ticks`` here, ``load_bars`` in .bars, ``load_symbols`` in .symbols.

How a load runs (one database connection, two threads):

* a producer thread reads the sources in batches, types and validates them (numpy/Arrow, no
  per-row Python) and encodes the valid rows as binary COPY data, at most one batch ahead;
* the calling thread writes each batch in its own transaction: unknown symbols registered (or
  rejected), the rows copied straight into the target inside a savepoint, and, if any key is
  already there, the savepoint rolled back and the batch copied into a temporary staging table
  and merged with ``INSERT ... ON CONFLICT DO NOTHING``; rejected rows go to ``quarantine`` in
  the same transaction. A killed load therefore leaves whole batches only, and running it again
  stores the rest: every distinct row once.

>>> report = load_ticks("trades_2024-01-02.csv.gz")   # doctest: +SKIP
>>> print(report)                                      # doctest: +SKIP
"""
from __future__ import annotations

import logging
import queue
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import psycopg2
import psycopg2.errors
import pyarrow as pa
import pyarrow.compute as pc

from ..db.engine import get_engine, raw_connection
from ..errors import LoadError, SchemaVersionError, UnknownSymbolError, ValidationError
from ..schema.migrate import check_schema, schema_version
from ..sqlfiles import raw
from ..types import EngineOrURL, UnknownSymbolPolicy
from . import validate as v
from .copy import Column, copy_binary, encode_rows
from .identity import TradeIds
from .report import LoadReport
from .sources import Source, SourceLike, sources_of

log = logging.getLogger(__name__)

Q = "queries/ingest"
DEFAULT_BATCH_ROWS = 250_000
#: Retries of a batch after a deadlock or serialization failure with a concurrent loader.
RETRIES = 5


@dataclass
class Prepared:
    """One batch, ready to write."""

    source: Source
    rows_read: int
    valid: int
    payload: np.ndarray | None
    symbols: list[str]
    rejected: dict[str, int] = field(default_factory=dict)
    q_lines: list[int] = field(default_factory=list)
    q_reasons: list[str] = field(default_factory=list)
    q_raws: list[str] = field(default_factory=list)
    #: trades of the batch flagged as corrected (identity + flag), to update stored copies
    corrections: dict | None = None
    #: the batch's oldest row time (microseconds since the epoch; ticks and minute bars)
    oldest_us: int | None = None


@dataclass
class Target:
    """What differs between tables: validation, COPY columns and statements."""

    table: str
    check: Callable[[pa.RecordBatch], v.Checked]
    columns: Callable[[v.Checked], list[Column]]
    per_source: Callable[[], Callable[[v.Checked], None]] | None = None
    #: raises a one-line ValidationError unless the input's column names fit the table
    require: Callable[[list[str]], None] | None = None
    #: may flag more rows of a typed batch before the quarantine is drawn (e.g. session dates)
    refine: Callable[[v.Checked], None] | None = None


def _symbol_order(c: v.Checked) -> v.Checked:
    """Rows ordered by (symbol, time): each symbol's trades land on contiguous heap pages, which
    makes one-symbol range reads 3x faster on time-only partitioning (benchmarks/partitions.py);
    flat files are already in this order, so the sort is cheap for them."""
    keys = pa.table({"s": c.cols["symbol"], "t": pa.array(c.cols["timestamp"])})
    order = pc.sort_indices(keys, sort_keys=[("s", "ascending"), ("t", "ascending")]).to_numpy()
    if (order[1:] > order[:-1]).all():
        return c
    return c.take(order)


def _corrections(c: v.Checked) -> dict | None:
    """The identity and flag of the batch's corrected trades (bind arrays), or None when it has
    none: a trade already stored unflagged and delivered again flagged must be updated, since the
    merge otherwise keeps the stored row as it is."""
    flagged = np.flatnonzero(np.asarray(c.cols["correction"]) != 0)
    if not len(flagged):
        return None
    us = np.asarray(c.cols["timestamp"])[flagged]
    return {"symbols": c.cols["symbol"].take(pa.array(flagged)).to_pylist(),
            "timestamps": pd.to_datetime(us, unit="us", utc=True).to_pydatetime().tolist(),
            "exchanges": np.asarray(c.cols["exchange"])[flagged].tolist(),
            "trade_ids": c.cols["trade_id"].take(pa.array(flagged)).to_pylist(),
            "corrections": np.asarray(c.cols["correction"])[flagged].tolist()}


def _tick_columns(c: v.Checked) -> list[Column]:
    n = c.n
    return [
        Column("timestamptz", c.cols["timestamp"]),
        Column("int8", c.cols["volume"]),
        Column("int2", c.cols["exchange"]),
        Column("int2", c.cols["correction"]),
        Column("numeric", c.cols["price"]),
        Column("text", c.cols["symbol"]),
        Column("text", c.cols["trade_id"]),
        Column("int8", c.cols["sequence_number"], c.nulls["sequence_number"]),
        Column("int2", c.cols["tape"], c.nulls["tape"]),
        Column("timestamptz", c.cols["participant_timestamp"], c.nulls["participant_timestamp"]),
        Column("int2[]", c.cols["conditions"]) if n else Column("int2[]", pa.nulls(0, pa.large_list(pa.int16()))),
    ]


class _Writer:
    """Runs one load: the producer thread and the per-batch transactions."""

    def __init__(self, target: Target, engine_or_url: EngineOrURL, unknown_symbols: UnknownSymbolPolicy,
                 batch_rows: int, progress: bool | None):
        if unknown_symbols not in ("register", "reject"):
            raise ValidationError(f"unknown_symbols must be 'register' or 'reject'; got {unknown_symbols!r}")
        if int(batch_rows) < 1:
            raise ValidationError(f"batch_rows must be positive; got {batch_rows!r}")
        self.target = target
        self.engine = get_engine(engine_or_url)
        self.policy = unknown_symbols
        self.batch_rows = int(batch_rows)
        self.progress = progress
        self.now_ns = time.time_ns()

    # -- producer -----------------------------------------------------------------------------
    def _prepare(self, src: Source, raw_batch, known: set[str], hook) -> Prepared:
        batch = raw_batch.batch
        checked = self.target.check(batch)
        if self.target.refine is not None and batch.num_rows:
            self.target.refine(checked)
        code = checked.code
        if self.policy == "reject" and batch.num_rows:
            ok = code == 0
            uniq = pc.unique(checked.cols["symbol"].filter(pa.array(ok))).to_pylist() if ok.any() else []
            unknown = [s for s in uniq if s not in known]
            if unknown:
                bad = pc.is_in(checked.cols["symbol"], value_set=pa.array(unknown, pa.string())).to_numpy(
                    zero_copy_only=False)
                code[bad & ok] = v.CODE["unknown_symbol"]
        ok = code == 0
        invalid = getattr(raw_batch, "invalid", None) or []
        prepared = Prepared(src, batch.num_rows + len(invalid), int(ok.sum()), None, [])
        for line, reason, raw_json in invalid:       # records the CSV parser could not split
            prepared.q_lines.append(int(line))
            prepared.q_reasons.append(reason)
            prepared.q_raws.append(raw_json)
            prepared.rejected[reason] = prepared.rejected.get(reason, 0) + 1
        if not ok.all():
            idx = np.flatnonzero(~ok)
            prepared.q_lines += raw_batch.line_of(idx).tolist()
            prepared.q_reasons += [v.REASONS[c] for c in code[idx]]
            prepared.q_raws += v.raw_rows(batch, idx)
            for reason, count in zip(*np.unique(code[idx], return_counts=True)):
                r = v.REASONS[reason]
                prepared.rejected[r] = prepared.rejected.get(r, 0) + int(count)
            checked = checked.keep(ok)
        if checked.n:
            if hook is not None:
                hook(checked)
            prepared.symbols = pc.unique(checked.cols["symbol"]).to_pylist()
            if self.target.table == "ticks":
                checked = _symbol_order(checked)
                prepared.corrections = _corrections(checked)
            if self.target.table in ("ticks", "ohlcv_1min"):
                prepared.oldest_us = int(np.min(np.asarray(checked.cols["timestamp"])))
            prepared.payload = encode_rows(self.target.columns(checked), checked.n)
        return prepared

    def _produce(self, sources: list[Source], known: set[str], out: queue.Queue, stop: threading.Event) -> None:
        try:
            for src in sources:
                hook = self.target.per_source() if self.target.per_source else None
                _ = src.key   # the content digest, computed here rather than in the writing thread
                out.put(("start", src))
                try:
                    if self.target.require is not None:
                        self.target.require(src.columns())
                    for raw_batch in src.batches(self.batch_rows):
                        if stop.is_set():
                            return
                        out.put(("batch", self._prepare(src, raw_batch, known, hook)))
                except (OSError, EOFError, zlib.error, pa.ArrowInvalid, UnicodeDecodeError) as exc:
                    # a corrupt, truncated or foreign file: say which one, without a traceback
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    raise ValidationError(f"{src.name}: cannot read the file: {first}") from exc
                except ValidationError as exc:
                    if type(exc) is ValidationError and not str(exc).startswith(src.name):
                        raise ValidationError(f"{src.name}: {exc}") from exc
                    raise
                out.put(("end", src))
            out.put(("done", None))
        except BaseException as exc:  # handed to the writing thread
            out.put(("error", exc))

    # -- consumer -----------------------------------------------------------------------------
    def run(self, source: SourceLike) -> LoadReport:
        sources = sources_of(source)
        require_schema(self.engine)
        table = self.target.table
        report = LoadReport(table, [s.name for s in sources])
        started = time.perf_counter()
        conn = raw_connection(self.engine)
        try:
            cur = conn.cursor()
            cur.execute(raw(Q, "close_interrupted"))
            closed = [r[0] for r in cur.fetchall()]
            if closed:
                log.info("closed %d interrupted load(s) in ingest_loads: %s", len(closed), closed)
            conn.commit()
            cur.execute(raw(Q, "known_symbols"))
            known = {r[0] for r in cur.fetchall()}
            cur.execute(raw(Q, f"stage_{table}"))
            conn.commit()
            counts = []
            for s in sources:
                try:
                    counts.append(s.row_count())
                except (OSError, pa.ArrowInvalid) as exc:   # e.g. not a Parquet file at all
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    raise ValidationError(f"{s.name}: cannot read the file: {first}") from exc
            total = None if any(c is None for c in counts) else sum(c for c in counts if c is not None)
            bar = _progress_bar(self.progress, total, table)
            out: queue.Queue = queue.Queue(maxsize=1)   # bounded memory: one batch ready ahead
            stop = threading.Event()
            producer = threading.Thread(target=self._produce, args=(sources, known, out, stop),
                                        name="tickstock-ingest-reader", daemon=True)
            producer.start()
            direct = True
            load_id = None
            oldest = None
            try:
                while True:
                    kind, item = out.get()
                    if kind == "error":
                        raise item
                    if kind == "done":
                        break
                    if kind == "start":
                        cur.execute(raw(Q, "load_start"), {"target": table, "source": item.name,
                                                           "source_key": item.key})
                        load_id = cur.fetchone()[0]
                        conn.commit()
                        continue
                    if kind == "end":
                        cur.execute(raw(Q, "load_finish"), {"status": "done", "id": load_id})
                        conn.commit()
                        continue
                    inserted, corrected, direct = self._write(conn, item, known, direct, load_id)
                    report.rows_read += item.rows_read
                    report.inserted += inserted
                    report.corrected += corrected
                    report.already_present += item.valid - inserted
                    if inserted and item.oldest_us is not None:
                        oldest = item.oldest_us if oldest is None else min(oldest, item.oldest_us)
                    for reason, count in item.rejected.items():
                        report.reject(reason, count)
                    bar.update(item.rows_read)
            except BaseException:
                stop.set()
                while producer.is_alive():   # unblock the producer so it can stop
                    try:
                        out.get(timeout=0.1)
                    except queue.Empty:
                        pass
                _rollback_quietly(conn)
                if load_id is not None and not conn.closed:
                    try:
                        cur.execute(raw(Q, "load_finish"), {"status": "failed", "id": load_id})
                        conn.commit()
                    except psycopg2.Error:
                        _rollback_quietly(conn)
                raise
            finally:
                bar.close()
            producer.join()
            if oldest is not None:
                _note_retention(self.engine, report, pd.Timestamp(oldest, unit="us", tz="UTC"))
        except psycopg2.Error as exc:
            raise LoadError(f"load into {table} failed; the failed batch was rolled back: "
                            f"{str(exc).strip().splitlines()[0]}") from exc
        finally:
            if conn.closed:          # the server went away: drop the connection, do not pool it
                conn.invalidate()
            else:
                conn.close()
        return report.finish(time.perf_counter() - started)

    def _write(self, conn, item: Prepared, known: set[str], direct: bool, load_id) -> tuple[int, int, bool]:
        """Write one batch in one transaction; returns (rows inserted, stored rows newly flagged
        as corrected, try direct COPY next time)."""
        table = self.target.table
        for attempt in range(RETRIES + 1):
            cur = conn.cursor()
            try:
                cur.execute(raw("queries/writes", "unlimited_decompression"))   # late rows into compressed chunks
                new = [s for s in item.symbols if s not in known]
                if new:
                    if self.policy == "reject":   # deleted since the load started
                        raise UnknownSymbolError(new)
                    cur.execute(raw(Q, "register_symbols"), {"symbols": new})
                inserted = corrected = 0
                if item.payload is not None:
                    staged = not direct or attempt > 0
                    if not staged:
                        cur.execute("SAVEPOINT ingest_direct")
                        try:
                            inserted = copy_binary(cur, raw(Q, f"copy_{table}"), item.payload)
                            cur.execute("RELEASE SAVEPOINT ingest_direct")
                        except psycopg2.errors.UniqueViolation:
                            cur.execute("ROLLBACK TO SAVEPOINT ingest_direct")
                            staged = True
                    if staged:
                        copy_binary(cur, raw(Q, f"copy_stage_{table}"), item.payload)
                        cur.execute(raw(Q, f"merge_{table}"))
                        inserted = cur.rowcount
                        direct = inserted == item.valid
                        if item.corrections:
                            cur.execute(raw(Q, "correct_ticks"), item.corrections)
                            corrected = cur.rowcount
                if item.q_lines:
                    cur.execute(raw(Q, "quarantine_rows"), {
                        "target": table, "source": item.source.name, "source_key": item.source.key,
                        "lines": item.q_lines, "reasons": item.q_reasons, "raws": item.q_raws})
                cur.execute(raw(Q, "load_progress"), {
                    "id": load_id, "rows_read": item.rows_read, "inserted": inserted,
                    "already_present": item.valid - inserted, "rejected": item.rows_read - item.valid})
                conn.commit()
                known.update(new)
                return inserted, corrected, direct
            except (psycopg2.errors.DeadlockDetected, psycopg2.errors.SerializationFailure):
                conn.rollback()
                if attempt == RETRIES:
                    raise
                time.sleep(0.05 * (attempt + 1))
            except BaseException:
                _rollback_quietly(conn)
                raise
        raise AssertionError("unreachable")  # pragma: no cover


def close_interrupted_loads(*, engine_or_url: EngineOrURL = None) -> int:
    """Close the ``ingest_loads`` rows left ``running`` by a load that was cut off (its server
    backend is gone) as ``interrupted``; returns how many. Every load does this first."""
    engine = get_engine(engine_or_url)
    require_schema(engine)
    with engine.begin() as conn:
        return len(conn.exec_driver_sql(raw(Q, "close_interrupted")).all())


def _note_retention(engine, report: LoadReport, oldest: pd.Timestamp) -> None:
    """Say so when a load stores rows older than the table's retention horizon."""
    from ..schema.retention import cutoff, horizons

    with engine.connect() as conn:
        before = cutoff(conn, report.target)
        age = horizons(conn).get(report.target)
    if before is not None and oldest < before:
        note = (f"{report.target}: rows from {oldest:%Y-%m-%d} are older than the retention horizon ({age}, "
                f"before {before:%Y-%m-%d}); they will be dropped by maintenance once aggregated into minute "
                f"and daily bars (`tickstock db retention {report.target} off` keeps them)")
        report.notes.append(note)
        log.warning("%s", note)


def _rollback_quietly(conn) -> None:
    """Roll back, ignoring a connection the server already closed (the original error is what
    the caller reports, not 'connection already closed')."""
    try:
        conn.rollback()
    except psycopg2.Error:
        pass


#: The first schema version with the ingest objects as this code writes them
#: (sql/migrations/0010_ingest.sql, 0065_ingest_interrupted.sql).
INGEST_SCHEMA_VERSION = 65


def require_schema(engine) -> None:
    """Raise SchemaVersionError (with the fix) unless the database has the ingest schema."""
    with engine.connect() as conn:
        check_schema(conn)
        if (schema_version(conn) or 0) < INGEST_SCHEMA_VERSION:
            raise SchemaVersionError("the database schema predates ingest; run `tickstock db init` to upgrade it")


def _in_kernel() -> bool:
    """True inside a Jupyter (IPython) kernel: a notebook, where stderr is never a terminal."""
    if "ipykernel" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and "IPKernelApp" in shell.config


def _progress_bar(progress: bool | None, total: int | None, table: str):
    """A tqdm bar: a widget in a notebook (text when ipywidgets is missing), text on a terminal,
    none otherwise (cron, CI) unless ``progress=True``. With ``progress=None`` it only appears
    after 2 s, so short loads print nothing."""
    in_kernel = _in_kernel()
    disable = (progress is False) or (progress is None and not (in_kernel or sys.stderr.isatty()))
    from tqdm import tqdm

    if in_kernel and not disable:
        try:
            import ipywidgets  # noqa: F401  (tqdm's notebook bar needs it)
            from tqdm.notebook import tqdm
        except ImportError:
            pass
    return tqdm(total=total, unit="rows", unit_scale=True, desc=f"load {table}", disable=disable,
                delay=0 if progress else 2.0, leave=False)


def load_ticks(source: SourceLike, *, engine_or_url: EngineOrURL = None,
               unknown_symbols: UnknownSymbolPolicy = "register", batch_rows: int = DEFAULT_BATCH_ROWS,
               progress: bool | None = None, tz: str | None = None) -> LoadReport:
    """Load trades into ``ticks``, exactly once, from a DataFrame, CSV/CSV.gz/Parquet file(s) or a
    Massive ``trades_v1`` flat file.

    Columns: ``symbol`` (or ``ticker``), ``timestamp`` (tz-aware, ISO text with an offset or integer
    ns; Massive's ``sip_timestamp``), ``price``, ``volume`` (or ``size``), and optionally ``exchange``,
    ``trade_id`` (or ``id``), ``sequence_number``, ``conditions``, ``correction``, ``tape``,
    ``participant_timestamp``. ``tz`` names the zone of naive date-times (without it they are
    quarantined as ``timestamp_without_zone``, or a naive column refuses the file). Rows without a
    trade id get a deterministic one (see :mod:`tickstock_research.ingest.identity`).
    ``unknown_symbols="register"`` adds a minimal ``symbols`` row, ``"reject"`` quarantines the row.
    ``progress``: None shows a bar on a terminal for loads longer than 2 s, True always, False never.

    >>> load_ticks("us_stocks_sip/trades_v1/2024/01/2024-01-02.csv.gz")   # doctest: +SKIP
    """
    def check(batch):
        return v.check_ticks(batch, now_ns=writer.now_ns, tz=tz)

    def per_source():
        ids = TradeIds()
        return lambda c: ids.assign(c.cols)

    def require(names):
        v.require_columns(names, {**v.TICK_ALIASES, "t": "timestamp"}, v.TICK_REQUIRED)

    target = Target("ticks", check, _tick_columns, per_source, require)
    writer = _Writer(target, engine_or_url, unknown_symbols, batch_rows, progress)
    return writer.run(source)
