-- Pattern events: batch upsert and filtered reads (bars are read with tickstock_research.load).
-- Bind parameters: :name (SQLAlchemy text()).

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

-- name: delete_stale_events
-- A re-scan's events that are gone: this symbol, timeframe and patterns, on the bars scanned
-- (first..last), minus the detections just written (the keep arrays).
DELETE FROM events AS e
WHERE e.symbol = :symbol AND e.timeframe = :timeframe AND e.pattern = ANY (CAST(:patterns AS text[]))
  AND e."timestamp" >= CAST(:first AS timestamptz) AND e."timestamp" <= CAST(:last AS timestamptz)
  AND NOT EXISTS (
      SELECT 1 FROM unnest(CAST(:keep_ts AS timestamptz[]), CAST(:keep_patterns AS text[])) AS k (ts, pattern)
      WHERE k.ts = e."timestamp" AND k.pattern = e.pattern);
