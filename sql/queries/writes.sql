-- Settings of the kit's writing transactions, any tier.
-- Bind parameters: none.

-- name: unlimited_decompression
-- Writes into compressed chunks (late trades, corrections, re-loads, rollup rebuilds of an old
-- day) decompress the segments they touch; TimescaleDB refuses a statement that decompresses
-- more than 100,000 rows by default, less than one liquid symbol's day. Lifted for this
-- transaction only (on plain PostgreSQL the setting is an inert placeholder).
SELECT set_config('timescaledb.max_tuples_decompressed_per_dml_transaction', '0', true);
