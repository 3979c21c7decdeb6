-- Jobs (nightly pipeline): one row per run of a job for a date, and the drop-folder files a
-- nightly run has loaded (so a later night skips files already loaded with the same content,
-- and picks up files that arrived late or changed).
-- Bind parameters: none.

CREATE TABLE IF NOT EXISTS job_runs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job          varchar(30) NOT NULL,                  -- 'nightly'
    run_date     date        NOT NULL,                  -- the session date the run is for
    status       varchar(12) NOT NULL DEFAULT 'running',
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    steps        jsonb       NOT NULL DEFAULT '[]'::jsonb,
    error        text,
    CONSTRAINT job_runs_status CHECK (status IN ('running', 'ok', 'failed'))
);
CREATE INDEX IF NOT EXISTS job_runs_job_date ON job_runs (job, run_date, started_at DESC);

CREATE TABLE IF NOT EXISTS job_files (
    name          text        NOT NULL,                 -- file name inside the drop folder
    sha256        char(64)    NOT NULL,                 -- content digest
    bytes         bigint      NOT NULL,
    session_date  date,                                 -- from the file name (YYYY-MM-DD...)
    kind          varchar(20) NOT NULL,                 -- trades, tickers
    loaded_at     timestamptz NOT NULL DEFAULT now(),
    report        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT job_files_pkey PRIMARY KEY (name, sha256)
);
CREATE INDEX IF NOT EXISTS job_files_date ON job_files (session_date);
