-- Schema bookkeeping and server inspection.
-- Bind parameters: :name (SQLAlchemy text()).

-- name: version_table
CREATE TABLE IF NOT EXISTS tickstock_schema_version (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    kit_version text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

-- name: applied_versions
SELECT version, name, checksum FROM tickstock_schema_version ORDER BY version;

-- name: record_version
INSERT INTO tickstock_schema_version (version, name, checksum, kit_version)
VALUES (:version, :name, :checksum, :kit_version);

-- name: version_table_exists
SELECT to_regclass('tickstock_schema_version') IS NOT NULL;

-- name: schema_version
SELECT max(version) FROM tickstock_schema_version;

-- name: server
SELECT current_setting('server_version') AS server_version,
       current_setting('server_version_num')::int AS server_version_num,
       -- preloaded: the loader's postmaster-level setting exists as a real (non-placeholder)
       -- setting; shared_preload_libraries itself is readable by superusers only
       EXISTS (SELECT 1 FROM pg_settings
               WHERE name = 'timescaledb.max_background_workers' AND context = 'postmaster') AS preloaded,
       current_setting('timescaledb.license', true) AS licence,
       (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb') AS available_timescaledb,
       (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS timescaledb,
       current_database() AS database;

-- name: create_timescaledb
CREATE EXTENSION IF NOT EXISTS timescaledb;

-- name: get_setting
SELECT value FROM tickstock_settings WHERE key = :key;

-- name: put_setting
INSERT INTO tickstock_settings (key, value) VALUES (:key, CAST(:value AS jsonb))
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now();

-- name: table_sizes
SELECT c.relname AS table_name, pg_total_relation_size(c.oid) AS total_bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
WHERE c.relkind IN ('r', 'p') AND c.relname = ANY(CAST(:tables AS text[]))
ORDER BY c.relname;
