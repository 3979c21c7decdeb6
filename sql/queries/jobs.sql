-- The nightly job: lock, run records, drop-folder bookkeeping.
-- Bind parameters: :name (SQLAlchemy text()).

-- name: close_stale_runs
-- Runs of this job and date still marked running while the caller holds the date's lock: their
-- process died (killed, or the server stopped under it) before it could record the outcome.
UPDATE job_runs
SET status = 'failed', finished_at = now(),
    error = 'interrupted: the run ended before recording its outcome (process killed or server stopped)'
WHERE job = :job AND run_date = :run_date AND status = 'running';

-- name: start_run
INSERT INTO job_runs (job, run_date) VALUES (:job, :run_date) RETURNING id;

-- name: finish_run
UPDATE job_runs SET status = :status, finished_at = now(), steps = CAST(:steps AS jsonb), error = :error
WHERE id = :id;

-- name: last_runs
SELECT id, job, run_date, status, started_at, finished_at, error
FROM job_runs WHERE job = :job AND run_date = :run_date ORDER BY started_at DESC LIMIT :limit;

-- name: file_loaded
SELECT loaded_at, report FROM job_files WHERE name = :name AND sha256 = :sha256;

-- name: record_file
INSERT INTO job_files (name, sha256, bytes, session_date, kind, report)
VALUES (:name, :sha256, :bytes, :session_date, :kind, CAST(:report AS jsonb))
ON CONFLICT (name, sha256) DO UPDATE SET loaded_at = now(), report = EXCLUDED.report;

-- name: symbol_list
SELECT symbol FROM symbols WHERE active ORDER BY symbol;
