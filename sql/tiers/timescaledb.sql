-- TimescaleDB objects, any licence (apache or timescale). Every statement is idempotent.
-- Bind parameters: :name (SQLAlchemy text()).

-- name: ticks_hypertable
SELECT create_hypertable('ticks', by_range('timestamp', INTERVAL '1 day'),
                         create_default_indexes => false, if_not_exists => true, migrate_data => true);

-- name: ticks_space_partitions
SELECT add_dimension('ticks', by_hash('symbol', CAST(:partitions AS integer)), if_not_exists => true);

-- name: ohlcv_1min_hypertable
SELECT create_hypertable('ohlcv_1min', by_range('timestamp', INTERVAL '7 days'),
                         create_default_indexes => false, if_not_exists => true, migrate_data => true);

-- name: hypertables
SELECT hypertable_name, num_dimensions, num_chunks, compression_enabled
FROM timescaledb_information.hypertables
WHERE hypertable_schema = current_schema()
ORDER BY hypertable_name;

-- name: space_partitions
SELECT hypertable_name, num_partitions
FROM timescaledb_information.dimensions
WHERE hypertable_schema = current_schema() AND dimension_type = 'Space';

-- name: drop_chunks
SELECT count(*) FROM drop_chunks(CAST(:hypertable AS regclass), older_than => now() - CAST(:older_than AS interval));

-- name: hypertable_sizes
SELECT hypertable_name AS table_name, hypertable_size(format('%I.%I', hypertable_schema, hypertable_name)::regclass) AS total_bytes
FROM timescaledb_information.hypertables
WHERE hypertable_schema = current_schema();
