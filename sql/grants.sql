-- Applied after every migration run (idempotent): privileges of the kit's two roles on every
-- table, sequence and function the schema holds now. docs/reliability.md explains each rule.
-- Bind parameters: none.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO tickstock_analyst, tickstock_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO tickstock_analyst, tickstock_writer;
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tickstock_writer;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON tickstock_schema_version FROM tickstock_writer;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON tickstock_logins FROM tickstock_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tickstock_writer;
-- The job locks: only writers may lock a row (FOR UPDATE needs UPDATE), and analysts do not
-- even see the table, so they can neither take nor block the nightly, rollup or schema lock.
REVOKE ALL ON tickstock_locks FROM tickstock_analyst;
-- Temporary tables: only writers need them (the ingest's staging tables); analysts get none.
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO tickstock_writer', current_database());
END
$$;
-- Functions that write or block, which PostgreSQL and TimescaleDB let PUBLIC execute:
--  * large objects (lo_*, loread, lowrite): the kit stores none; nobody needs them;
--  * advisory locks: the kit's jobs lock rows of tickstock_locks instead; nobody needs them;
--  * pg_logical_emit_message: writes arbitrary messages into the WAL; nobody needs it;
--  * every TimescaleDB function except the reading ones below (TimescaleDB's internal
--    functions such as _timescaledb_functions.drop_chunk do not check table ownership):
--    writers keep them, analysts (and any other role) lose them. A function an upgrade of
--    TimescaleDB adds is not on the list, so it is revoked the next time `db init` runs.
-- These are per-database privileges (pg_proc is per database). Revoking needs the functions'
-- owner (a superuser); `tickstock db info` says when this database is not protected.
DO $$
DECLARE
    reading text[] := ARRAY[
        -- bucketing, gap filling and the aggregates analysts use in SQL
        'public.time_bucket', 'public.time_bucket_gapfill', 'public.locf', 'public.interpolate',
        'public.first', 'public.last', 'public.histogram', 'timescaledb_experimental.time_bucket_ng',
        -- sizes, chunks and statistics (db info, timescaledb_information views)
        'public.show_chunks', 'public.show_tablespaces', 'public.approximate_row_count',
        'public.hypertable_size', 'public.hypertable_detailed_size', 'public.hypertable_index_size',
        'public.hypertable_approximate_size', 'public.hypertable_approximate_detailed_size',
        'public.chunks_detailed_size', 'public.hypertable_compression_stats',
        'public.hypertable_columnstore_stats', 'public.chunk_compression_stats',
        'public.chunk_columnstore_stats', 'timescaledb_experimental.show_policies',
        -- internal helpers that reading queries, aggregates and the information views call
        '_timescaledb_functions.first_sfunc', '_timescaledb_functions.first_combinefunc',
        '_timescaledb_functions.last_sfunc', '_timescaledb_functions.last_combinefunc',
        '_timescaledb_functions.bookend_finalfunc', '_timescaledb_functions.bookend_serializefunc',
        '_timescaledb_functions.bookend_deserializefunc', '_timescaledb_functions.hist_sfunc',
        '_timescaledb_functions.hist_combinefunc', '_timescaledb_functions.hist_serializefunc',
        '_timescaledb_functions.hist_deserializefunc', '_timescaledb_functions.hist_finalfunc',
        '_timescaledb_functions.finalize_agg', '_timescaledb_functions.finalize_agg_sfunc',
        '_timescaledb_functions.finalize_agg_ffunc', '_timescaledb_functions.partialize_agg',
        '_timescaledb_functions.cagg_watermark', '_timescaledb_functions.cagg_watermark_materialized',
        '_timescaledb_functions.cagg_get_bucket_function_info',
        '_timescaledb_functions.compressed_data_in', '_timescaledb_functions.compressed_data_out',
        '_timescaledb_functions.compressed_data_send', '_timescaledb_functions.compressed_data_recv',
        '_timescaledb_functions.compressed_data_info', '_timescaledb_functions.compressed_data_has_nulls',
        '_timescaledb_functions.dimension_info_in', '_timescaledb_functions.dimension_info_out',
        '_timescaledb_functions.to_unix_microseconds', '_timescaledb_functions.to_timestamp',
        '_timescaledb_functions.to_timestamp_without_timezone', '_timescaledb_functions.to_date',
        '_timescaledb_functions.to_interval', '_timescaledb_functions.interval_to_usec',
        '_timescaledb_functions.time_to_internal', '_timescaledb_functions.range_value_to_pretty',
        '_timescaledb_functions.get_partition_for_key', '_timescaledb_functions.get_partition_hash',
        '_timescaledb_functions.chunk_id_from_relid', '_timescaledb_functions.chunk_status',
        '_timescaledb_functions.show_chunk', '_timescaledb_functions.subtract_integer_from_now',
        '_timescaledb_functions.makeaclitem', '_timescaledb_functions.tsl_loaded',
        '_timescaledb_functions.relation_size', '_timescaledb_functions.relation_approximate_size',
        '_timescaledb_functions.hypertable_local_size', '_timescaledb_functions.chunks_local_size',
        '_timescaledb_functions.indexes_local_size', '_timescaledb_functions.get_approx_row_count',
        '_timescaledb_functions.compressed_chunk_local_stats'];
    f record;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure AS sig, p.prokind
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'pg_catalog'
          AND (p.proname LIKE 'lo\_%' OR p.proname IN ('loread', 'lowrite')
               OR p.proname LIKE 'pg\_advisory\_%' OR p.proname LIKE 'pg\_try\_advisory\_%'
               OR p.proname = 'pg_logical_emit_message')
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f.sig);
    END LOOP;
    FOR f IN
        SELECT p.oid::regprocedure AS sig, p.prokind, n.nspname || '.' || p.proname AS qualified
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'timescaledb'
    LOOP
        IF f.qualified = ANY (reading) THEN
            CONTINUE;
        END IF;
        EXECUTE format('REVOKE EXECUTE ON %s %s FROM PUBLIC',
                       CASE f.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, f.sig);
        EXECUTE format('GRANT EXECUTE ON %s %s TO tickstock_writer',
                       CASE f.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, f.sig);
    END LOOP;
END
$$;
