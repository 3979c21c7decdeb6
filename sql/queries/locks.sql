-- The kit's job locks: one row per lock name, held FOR UPDATE by the running job's own
-- transaction. Only writers (and the admin) may update the table, so a read-only login can
-- neither take nor block a lock (advisory locks are open to every role).
-- Bind parameters: :name.

-- name: create_table
-- Made by `tickstock db init` before it takes the schema lock (the lock guards the migrations).
CREATE TABLE IF NOT EXISTS tickstock_locks (
    name       text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- name: table_exists
SELECT to_regclass('tickstock_locks') IS NOT NULL;

-- name: ensure_row
INSERT INTO tickstock_locks (name) VALUES (:name) ON CONFLICT (name) DO NOTHING;

-- name: take_nowait
SELECT name FROM tickstock_locks WHERE name = :name FOR UPDATE NOWAIT;

-- name: take
-- Waits up to the transaction's lock_timeout (0: forever).
SELECT name FROM tickstock_locks WHERE name = :name FOR UPDATE;

-- name: set_lock_timeout
SELECT set_config('lock_timeout', :timeout, true);

-- name: holder
-- The server process whose transaction holds the row lock (the row's xmax is its transaction).
SELECT a.pid, a.backend_start
FROM tickstock_locks t
JOIN pg_locks l ON l.locktype = 'transactionid' AND l.transactionid = t.xmax AND l.granted
                 AND l.mode = 'ExclusiveLock'
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE t.name = :name AND a.pid <> pg_backend_pid()
LIMIT 1;
