-- Synthetic data for benchmarks/aggregate.py, generated inside the server (no client formatting).
-- Bind parameters: :name (SQLAlchemy text()).

-- name: symbols
INSERT INTO symbols (symbol, market)
SELECT 'B' || lpad(CAST(i AS text), 4, '0'), 'stocks' FROM generate_series(0, CAST(:n AS integer) - 1) AS i
ON CONFLICT (symbol) DO NOTHING;

-- name: ticks
-- :n trades for :nsym symbols spread evenly over [:t0, :t0 + :span_us microseconds).
INSERT INTO ticks (symbol, "timestamp", price, volume, exchange, trade_id, sequence_number)
SELECT 'B' || lpad(CAST(i % CAST(:nsym AS integer) AS text), 4, '0'),
       CAST(:t0 AS timestamptz) + make_interval(secs => (i * (CAST(:span_us AS double precision) / CAST(:n AS bigint))) / 1e6),
       round(CAST(100 + (i % 997) * 0.01 + (i % 7) * 0.001 AS numeric), 3),
       1 + i % 500, 1 + i % 12, CAST(:tag AS text) || CAST(i AS text), i
FROM generate_series(CAST(0 AS bigint), CAST(:n AS bigint) - 1) AS i;

-- name: reset_watermarks
UPDATE aggregate_watermarks SET horizon = CAST(:horizon AS timestamptz) WHERE stage = :stage;

-- name: tick_conditions
-- Sale conditions on a fifth of the trades, by trade id (the same on every run): odd lot, Form T,
-- average price, prior reference price (footnoted), intermarket sweep + trade-through exempt.
UPDATE ticks SET conditions = CASE abs(hashtext(trade_id)) % 20
    WHEN 0 THEN CAST('{37}' AS smallint[]) WHEN 1 THEN CAST('{12}' AS smallint[])
    WHEN 2 THEN CAST('{2}' AS smallint[]) WHEN 3 THEN CAST('{22}' AS smallint[])
    WHEN 4 THEN CAST('{14,41}' AS smallint[]) END;
