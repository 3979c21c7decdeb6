-- Retention (tickstock_research/schema/retention.py): the plan and its enforcement live in
-- sql/migrations/0060_retention.sql; these call them and check horizons.
-- Bind parameters: :name (SQLAlchemy text()).

-- name: apply
SELECT table_name, range_start, range_end, row_count, horizon, action, reason
FROM tickstock_apply_retention(CAST(:dry_run AS boolean))
ORDER BY table_name, range_start;

-- name: check_horizon
-- A horizon must be a positive interval ('1 year', '90 days').
SELECT CAST(:age AS interval) > INTERVAL '0';

-- name: cutoff
SELECT now() - CAST(:age AS interval);

-- name: plan
-- The dry run: the same rows tickstock_apply_retention returns, without its lock or drops
-- (so an analyst, who may not enforce retention, can see what would go).
SELECT table_name, range_start, range_end, row_count, horizon, action, reason
FROM tickstock_retention_plan()
ORDER BY table_name, range_start;
