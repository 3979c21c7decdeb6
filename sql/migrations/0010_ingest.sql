-- Ingest: a ledger of loads (who loaded what, when, with what outcome). Loads are exactly-once by
-- the target tables' keys, not by this ledger; the ledger is for audit and for resuming.
-- Bind parameters: none.
CREATE TABLE IF NOT EXISTS ingest_loads (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target           varchar(30) NOT NULL,
    source           text        NOT NULL,
    source_key       text        NOT NULL,          -- content digest of the source
    status           varchar(12) NOT NULL DEFAULT 'running',   -- running, done, failed
    rows_read        bigint      NOT NULL DEFAULT 0,
    inserted         bigint      NOT NULL DEFAULT 0,
    already_present  bigint      NOT NULL DEFAULT 0,
    rejected         bigint      NOT NULL DEFAULT 0,
    batches          integer     NOT NULL DEFAULT 0,
    started_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    CONSTRAINT ingest_loads_status CHECK (status IN ('running', 'done', 'failed'))
);
CREATE INDEX IF NOT EXISTS ingest_loads_source ON ingest_loads (target, source_key, started_at);

-- Massive's reference data names currencies in full ("United States Dollar" for crypto and fx
-- pairs): varchar(10) refused them. Widening a varchar rewrites nothing.
ALTER TABLE symbols ALTER COLUMN currency_name TYPE varchar(50);
