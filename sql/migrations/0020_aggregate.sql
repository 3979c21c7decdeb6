-- Aggregation bookkeeping: change markers, watermarks and the run log of the nightly rollup.
--
-- Change marker. The rollup must re-aggregate any earlier minute or day whose source rows
-- changed since it was built, at a cost that grows with new data, not with history:
--  * ticks get an `ingested_at` column (DEFAULT now(): the loading transaction's start time);
--    ingest writers that list columns need no change. A BRIN index on it costs next to nothing
--    at ingest (one summary per 32 heap pages) and lets the rollup find "rows loaded since the
--    watermark" by reading only the block ranges written since then (late rows land at the end
--    of their chunk's heap, in ranges that are new or unsummarised, so they are found too).
--  * ohlcv_1min already has `built_at` (DEFAULT now(); the minute builder and vendor loads set
--    it), with the same kind of BRIN index, so changed minutes mark their session's daily bar.
-- Row triggers would cost more than the COPY itself, and statement triggers with transition
-- tables are refused on TimescaleDB hypertables, so neither is used.
-- Bind parameters: none.
ALTER TABLE ticks ADD COLUMN IF NOT EXISTS ingested_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX IF NOT EXISTS ticks_ingested_at_brin ON ticks USING brin (ingested_at)
    WITH (pages_per_range = 32, autosummarize = on);
CREATE INDEX IF NOT EXISTS ohlcv_1min_built_at_brin ON ohlcv_1min USING brin (built_at)
    WITH (pages_per_range = 32, autosummarize = on);

-- One row per watermark: every source row with a marker older than `horizon` has been
-- aggregated. `ticks` -> ohlcv_1min (ticks.ingested_at), `minutes` -> ohlcv_daily
-- (ohlcv_1min.built_at). Moved only by a successful run, in the transaction that closes it.
CREATE TABLE IF NOT EXISTS aggregate_watermarks (
    stage       varchar(20) PRIMARY KEY,
    horizon     timestamptz NOT NULL,
    run_id      bigint,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT aggregate_watermarks_stage CHECK (stage IN ('ticks', 'minutes'))
);

-- Every rollup run: what it covered, what it wrote, how long it took, how it ended.
CREATE TABLE IF NOT EXISTS aggregate_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mode            varchar(12) NOT NULL,               -- incremental | range
    session         varchar(10) NOT NULL,               -- regular | extended | all
    range_start     timestamptz,                        -- data range touched (UTC)
    range_end       timestamptz,
    symbols         text[],                             -- NULL: all symbols
    ticks_since     timestamptz,                        -- watermarks read at the start
    minutes_since   timestamptz,
    minute_rows     bigint NOT NULL DEFAULT 0,          -- ohlcv_1min rows written or deleted
    daily_rows      bigint NOT NULL DEFAULT 0,          -- ohlcv_daily rows written or deleted
    dirty_days      integer NOT NULL DEFAULT 0,         -- (symbol, UTC day) groups rebuilt into minutes
    dirty_sessions  integer NOT NULL DEFAULT 0,         -- (symbol, session) pairs rebuilt into dailies
    gap_rows        integer,                            -- rows of the gap/reconciliation report
    status          varchar(12) NOT NULL DEFAULT 'running',  -- running | ok | failed | interrupted
    error           text,
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    duration_s      double precision,
    CONSTRAINT aggregate_runs_status CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
    CONSTRAINT aggregate_runs_mode CHECK (mode IN ('incremental', 'range'))
);
CREATE INDEX IF NOT EXISTS aggregate_runs_started ON aggregate_runs (started_at DESC);
