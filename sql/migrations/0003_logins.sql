-- Logins made by `tickstock db login`: the only roles that command may change afterwards
-- (never the kit's admin, its group roles, or roles someone else created).
-- Bind parameters: none.
CREATE TABLE IF NOT EXISTS tickstock_logins (
    name       text PRIMARY KEY,
    role       text NOT NULL CHECK (role IN ('analyst', 'writer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
