-- Applied after every migration run (idempotent): privileges of the kit's two roles on every
-- table, sequence and function the schema holds now.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO tickstock_analyst, tickstock_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO tickstock_analyst, tickstock_writer;
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tickstock_writer;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON tickstock_schema_version FROM tickstock_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tickstock_writer;
-- Temporary tables: only writers need them (the ingest's staging tables); analysts get none.
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO tickstock_writer', current_database());
END
$$;
