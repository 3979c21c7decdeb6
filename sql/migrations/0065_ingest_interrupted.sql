-- Loads cut off by a crash (kill -9, a server stop) stayed 'running' forever. Each load now
-- records the server backend that runs it; the next load (or nightly run) closes the 'running'
-- rows whose backend is gone as 'interrupted'.
-- Bind parameters: none.
ALTER TABLE ingest_loads ADD COLUMN IF NOT EXISTS backend_pid integer;
ALTER TABLE ingest_loads ADD COLUMN IF NOT EXISTS backend_start timestamptz;
ALTER TABLE ingest_loads DROP CONSTRAINT IF EXISTS ingest_loads_status;
ALTER TABLE ingest_loads ADD CONSTRAINT ingest_loads_status
    CHECK (status IN ('running', 'done', 'failed', 'interrupted'));
