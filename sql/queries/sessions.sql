-- Which calendar each symbol trades on (sessions/lookup.py). Bind parameters are :name style.
-- Bind parameters: :name (SQLAlchemy text()).

-- name: symbol_calendars
-- The symbols with what decides their calendar (NULL :symbols: all of them).
SELECT symbol, market, calendar
FROM symbols
WHERE CAST(:symbols AS text[]) IS NULL OR symbol = ANY(CAST(:symbols AS text[]))
ORDER BY symbol;
