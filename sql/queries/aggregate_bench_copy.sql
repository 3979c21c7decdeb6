-- The baselines' reads for benchmarks/aggregate.py: ticks straight to pandas and to CSV.
-- Bind parameters: %(name)s (run on a psycopg2 cursor: COPY and pandas.read_sql).

-- name: ticks_csv
COPY (SELECT symbol, "timestamp", price, volume FROM ticks
      WHERE "timestamp" >= %(lo)s AND "timestamp" < %(hi)s AND correction = 0) TO STDOUT WITH (FORMAT csv, HEADER true);

-- name: ticks_select
SELECT symbol, "timestamp", price, volume FROM ticks
WHERE "timestamp" >= %(lo)s AND "timestamp" < %(hi)s AND correction = 0;
