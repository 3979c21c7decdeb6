-- Logins made by `tickstock db login` (schema/roles.py), run on a psycopg2 cursor: values are
-- %(name)s parameters; {login} / {group} / {database} are identifiers quoted by the driver
-- (psycopg2.sql.Identifier), never text pasted from the user.
-- Bind parameters: %(name)s (run on a psycopg2 cursor).

-- name: caller
SELECT current_user AS login, session_user AS session_login, r.rolsuper AS superuser,
       r.rolcreaterole AS createrole
FROM pg_roles r WHERE r.rolname = current_user;

-- name: role
SELECT rolname, rolsuper, rolcreaterole, rolcanlogin, rolreplication, rolbypassrls
FROM pg_roles WHERE rolname = %(name)s;

-- name: recorded
SELECT role FROM tickstock_logins WHERE name = %(name)s;

-- name: record
INSERT INTO tickstock_logins (name, role) VALUES (%(name)s, %(role)s)
ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, updated_at = now();

-- name: create_login
CREATE ROLE {login} LOGIN PASSWORD %(verifier)s IN ROLE {group};

-- name: set_password
ALTER ROLE {login} PASSWORD %(verifier)s;

-- name: grant_group
GRANT {group} TO {login};

-- name: revoke_group
REVOKE {group} FROM {login};

-- name: analyst_settings
-- An analyst's forgotten open transaction must not hold locks that maintenance waits for.
ALTER ROLE {login} IN DATABASE {database} SET idle_in_transaction_session_timeout = '15min';

-- name: writer_settings
ALTER ROLE {login} IN DATABASE {database} RESET idle_in_transaction_session_timeout;
