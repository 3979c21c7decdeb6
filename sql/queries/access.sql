-- What the connected login may do (db/access.py).
-- Bind parameters: none.

-- name: who
-- can_write / owns_schema are NULL on a database without the kit's schema.
SELECT current_user AS login,
       r.rolsuper AS superuser,
       (SELECT string_agg(g.rolname, ', ' ORDER BY g.rolname)
        FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS groups,
       CASE WHEN to_regclass('ticks') IS NULL THEN NULL
            ELSE has_table_privilege(to_regclass('ticks'), 'INSERT') END AS can_write,
       CASE WHEN to_regclass('ticks') IS NULL THEN NULL
            ELSE pg_has_role((SELECT relowner FROM pg_class WHERE oid = to_regclass('ticks')), 'USAGE') END
           AS owns_schema,
       has_database_privilege(current_database(), 'CREATE') AS can_create
FROM pg_roles r WHERE r.rolname = current_user;

-- name: analyst_gaps
-- Sentinels of sql/grants.sql: what a tickstock_analyst login could still do that writes or
-- blocks. Empty when the database is protected (grants.sql ran as the functions' owner).
SELECT p.oid::regprocedure::text AS gap
FROM pg_proc p
WHERE p.oid IN (to_regprocedure('pg_catalog.lo_from_bytea(oid, bytea)'),
                to_regprocedure('pg_catalog.pg_advisory_lock(bigint)'),
                to_regprocedure('_timescaledb_functions.drop_chunk(regclass)'))
  AND has_function_privilege('tickstock_analyst', p.oid, 'EXECUTE')
UNION ALL
SELECT 'TEMPORARY on the database'
WHERE has_database_privilege('tickstock_analyst', current_database(), 'TEMPORARY')
UNION ALL
SELECT 'CREATE on schema public'
WHERE has_schema_privilege('tickstock_analyst', 'public', 'CREATE');
