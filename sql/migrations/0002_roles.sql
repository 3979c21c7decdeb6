-- Two group roles (NOLOGIN): analysts read everything and write nothing; writers load data and
-- record events. Roles are cluster-wide, so creating them tolerates a concurrent creator.
-- Bind parameters: none.
DO $$
BEGIN
    BEGIN
        CREATE ROLE tickstock_analyst NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    BEGIN
        CREATE ROLE tickstock_writer NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
END
$$;
