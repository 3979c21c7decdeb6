-- Objects that need TimescaleDB's community ("timescale") licence. Idempotent.
-- Bind parameters: :name (SQLAlchemy text()).

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

-- name: remove_retention_policy
-- The server's own retention policy drops chunks whatever the rollup has built: never used
-- (databases made by earlier kits lose theirs); the kit's job below replaces it.
SELECT remove_retention_policy(CAST(:hypertable AS regclass), if_exists => true);

-- name: retention_job_exists
SELECT count(*) > 0 FROM timescaledb_information.jobs
WHERE proc_schema = current_schema() AND proc_name = 'tickstock_retention_job';

-- name: add_retention_job
-- The kit's retention (sql/migrations/0060_retention.sql) as a daily server job; its first run
-- is a day after it is made.
SELECT add_job('tickstock_retention_job', INTERVAL '1 day', initial_start => now() + INTERVAL '1 day');

-- name: partial_chunks
-- Compressed chunks holding rows written since they were compressed (late data).
SELECT format('%I.%I', chunk_schema, chunk_name) AS chunk
FROM timescaledb_information.chunks
WHERE hypertable_schema = current_schema() AND is_compressed
  AND _timescaledb_functions.chunk_status(format('%I.%I', chunk_schema, chunk_name)::regclass) & 8 = 8
ORDER BY range_start;

-- name: recompress_chunk
SELECT compress_chunk(CAST(:chunk AS regclass));

-- name: compression_sizes
SELECT hypertable_name AS table_name, s.before_compression_total_bytes AS before_bytes,
       s.after_compression_total_bytes AS after_bytes, s.number_compressed_chunks AS compressed_chunks,
       s.total_chunks
FROM timescaledb_information.hypertables h
LEFT JOIN LATERAL hypertable_compression_stats(format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass) s
       ON true
WHERE h.hypertable_schema = current_schema()
ORDER BY 1;

-- name: policy_jobs
SELECT hypertable_name, proc_name, config
FROM timescaledb_information.jobs
WHERE (hypertable_schema = current_schema() AND proc_name IN ('policy_compression', 'policy_retention'))
   OR (proc_schema = current_schema() AND proc_name = 'tickstock_retention_job')
ORDER BY hypertable_name, proc_name;

-- name: continuous_aggregates
SELECT view_name FROM timescaledb_information.continuous_aggregates WHERE view_schema = current_schema();
