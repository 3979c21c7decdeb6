-- Reader statements for small results (symbols, events), run through SQLAlchemy with :params.
-- Bind parameters: :name (SQLAlchemy text()).

-- name: symbols_list
SELECT symbol, name, exchange, market, locale, currency_name, type, active, cik, composite_figi,
       share_class_figi, market_cap, weighted_shares_outstanding, calendar, last_updated_utc
FROM symbols
WHERE (CAST(:market AS text) IS NULL OR market = CAST(:market AS text))
  AND (CAST(:active AS boolean) IS NULL OR active = CAST(:active AS boolean))
ORDER BY symbol

-- name: events
SELECT symbol, "timestamp", pattern, timeframe, direction, price::float8 AS price, details::text AS details,
       created_at, updated_at
FROM events
WHERE (CAST(:symbols AS text[]) IS NULL OR symbol = ANY (CAST(:symbols AS text[])))
  AND (CAST(:patterns AS text[]) IS NULL OR pattern = ANY (CAST(:patterns AS text[])))
  AND (CAST(:timeframes AS text[]) IS NULL OR timeframe = ANY (CAST(:timeframes AS text[])))
  AND (CAST(:directions AS text[]) IS NULL OR direction = ANY (CAST(:directions AS text[])))
  AND (CAST(:start AS timestamptz) IS NULL OR "timestamp" >= CAST(:start AS timestamptz))
  AND (CAST(:end AS timestamptz) IS NULL OR "timestamp" < CAST(:end AS timestamptz))
ORDER BY symbol, "timestamp", pattern, timeframe
