-- Objects that need TimescaleDB's community ("timescale") licence. Idempotent.

-- name: ticks_compression
ALTER TABLE ticks SET (timescaledb.compress,
                       timescaledb.compress_segmentby = 'symbol',
                       timescaledb.compress_orderby = '"timestamp" DESC, exchange, trade_id');

-- name: ohlcv_1min_compression
ALTER TABLE ohlcv_1min SET (timescaledb.compress,
                            timescaledb.compress_segmentby = 'symbol',
                            timescaledb.compress_orderby = '"timestamp" DESC');

-- name: compression_policy
SELECT add_compression_policy(CAST(:hypertable AS regclass), CAST(:after AS interval), if_not_exists => true);

-- name: retention_policy
SELECT add_retention_policy(CAST(:hypertable AS regclass), CAST(:after AS interval), if_not_exists => true);

-- name: policy_jobs
SELECT hypertable_name, proc_name, config
FROM timescaledb_information.jobs
WHERE hypertable_schema = current_schema() AND proc_name IN ('policy_compression', 'policy_retention')
ORDER BY hypertable_name, proc_name;

-- name: continuous_aggregates
SELECT view_name FROM timescaledb_information.continuous_aggregates WHERE view_schema = current_schema();
