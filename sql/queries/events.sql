-- Pattern events: batch upsert, filtered reads, and the bars the scanner and the audit read.
-- (Bars are read here until the scanner switches to tickstock_research.load.HistoricalLoader.)

-- name: upsert_events
-- psycopg2 execute_values statement: %s is the VALUES list. Re-writing an identical event
-- changes nothing (no update, updated_at kept); a changed one is updated in place.
INSERT INTO events AS e (symbol, "timestamp", pattern, timeframe, direction, price, details)
VALUES %s
ON CONFLICT (symbol, "timestamp", pattern, timeframe) DO UPDATE
SET direction = EXCLUDED.direction,
    price = EXCLUDED.price,
    details = EXCLUDED.details,
    updated_at = now()
WHERE e.details IS DISTINCT FROM EXCLUDED.details
   OR e.direction IS DISTINCT FROM EXCLUDED.direction
   OR e.price IS DISTINCT FROM EXCLUDED.price
RETURNING (xmax = 0) AS inserted;

-- name: upsert_events_template
(%s, CAST(%s AS timestamptz), %s, %s, %s, CAST(%s AS numeric), CAST(%s AS jsonb))

-- name: select_events
SELECT symbol, "timestamp", pattern, timeframe, direction, CAST(price AS float8) AS price,
       details, created_at, updated_at
FROM events
WHERE (CAST(:symbols AS text[]) IS NULL OR symbol = ANY (CAST(:symbols AS text[])))
  AND (CAST(:patterns AS text[]) IS NULL OR pattern = ANY (CAST(:patterns AS text[])))
  AND (CAST(:directions AS text[]) IS NULL OR direction = ANY (CAST(:directions AS text[])))
  AND (CAST(:timeframe AS text) IS NULL OR timeframe = CAST(:timeframe AS text))
  AND (CAST(:start AS timestamptz) IS NULL OR "timestamp" >= CAST(:start AS timestamptz))
  AND (CAST(:end AS timestamptz) IS NULL OR "timestamp" <= CAST(:end AS timestamptz))
ORDER BY symbol, "timestamp", pattern, timeframe;

-- name: daily_bars
SELECT date AS ts, CAST(open AS float8) AS open, CAST(high AS float8) AS high, CAST(low AS float8) AS low,
       CAST(close AS float8) AS close, volume
FROM ohlcv_daily
WHERE symbol = :symbol
  AND (CAST(:start AS date) IS NULL OR date >= CAST(:start AS date))
  AND (CAST(:end AS date) IS NULL OR date <= CAST(:end AS date))
ORDER BY date;

-- name: daily_bars_before
SELECT * FROM (
    SELECT date AS ts, CAST(open AS float8) AS open, CAST(high AS float8) AS high, CAST(low AS float8) AS low,
           CAST(close AS float8) AS close, volume
    FROM ohlcv_daily
    WHERE symbol = :symbol AND date < CAST(:start AS date)
    ORDER BY date DESC
    LIMIT :n
) AS earlier ORDER BY ts;

-- name: minute_bars
SELECT "timestamp" AS ts, CAST(open AS float8) AS open, CAST(high AS float8) AS high, CAST(low AS float8) AS low,
       CAST(close AS float8) AS close, volume
FROM ohlcv_1min
WHERE symbol = :symbol
  AND (CAST(:start AS timestamptz) IS NULL OR "timestamp" >= CAST(:start AS timestamptz))
  AND (CAST(:end AS timestamptz) IS NULL OR "timestamp" < CAST(:end AS timestamptz))
ORDER BY "timestamp";

-- name: minute_bars_before
SELECT * FROM (
    SELECT "timestamp" AS ts, CAST(open AS float8) AS open, CAST(high AS float8) AS high, CAST(low AS float8) AS low,
           CAST(close AS float8) AS close, volume
    FROM ohlcv_1min
    WHERE symbol = :symbol AND "timestamp" < CAST(:start AS timestamptz)
    ORDER BY "timestamp" DESC
    LIMIT :n
) AS earlier ORDER BY ts;

-- name: symbols_with_events
SELECT DISTINCT symbol FROM events
WHERE (CAST(:timeframe AS text) IS NULL OR timeframe = CAST(:timeframe AS text))
ORDER BY symbol;
