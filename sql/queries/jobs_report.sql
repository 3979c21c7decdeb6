-- Read-only queries behind the report and data-quality notebooks. Times are UTC; session
-- bounds come from the exchange calendar in Python and arrive as :start / :end.
-- Bind parameters: :name (SQLAlchemy text()).

-- name: ticks_by_symbol
SELECT symbol, count(*) AS trades, sum(volume) AS volume,
       count(*) FILTER (WHERE correction <> 0) AS corrected,
       min("timestamp") AS first_trade, max("timestamp") AS last_trade
FROM ticks
WHERE "timestamp" >= :start AND "timestamp" < :end
GROUP BY symbol ORDER BY symbol;

-- name: minute_bars_by_symbol
SELECT symbol, count(*) AS minute_bars, sum(volume) AS volume,
       min("timestamp") AS first_minute, max("timestamp") AS last_minute
FROM ohlcv_1min
WHERE "timestamp" >= :start AND "timestamp" < :end
GROUP BY symbol ORDER BY symbol;

-- name: minute_coverage
-- Regular-session minutes present per symbol in [start, end), to compare with the calendar:
-- a minute with a bar, or with trades that count (:corrections of the bar rules) although none
-- may set a price (under the consolidated rules a minute of odd lots alone has no bar, and is
-- not missing). volume and bars are the bars' own.
SELECT coalesce(b.symbol, t.symbol) AS symbol, count(*) AS minutes, sum(b.volume) AS volume,
       count(b.symbol) AS bars
FROM (SELECT symbol, "timestamp" AS minute, volume FROM ohlcv_1min
      WHERE "timestamp" >= :start AND "timestamp" < :end) AS b
FULL JOIN (SELECT DISTINCT symbol,
                  date_bin(INTERVAL '1 minute', "timestamp", TIMESTAMPTZ '2000-01-01 00:00:00+00') AS minute
           FROM ticks
           WHERE "timestamp" >= :start AND "timestamp" < :end
             AND correction = ANY(CAST(:corrections AS smallint[]))) AS t
       ON t.symbol = b.symbol AND t.minute = b.minute
GROUP BY 1 ORDER BY 1;

-- name: quarantine_summary
SELECT target, reason, count(*) AS rows, max(created_at) AS last_seen
FROM quarantine
WHERE created_at >= :since
GROUP BY target, reason ORDER BY rows DESC, target, reason;

-- name: same_timestamp_trades
-- Distinct trades that share a symbol and a timestamp (all must be kept).
SELECT symbol, "timestamp", count(*) AS trades
FROM ticks
WHERE "timestamp" >= :start AND "timestamp" < :end
GROUP BY symbol, "timestamp" HAVING count(*) > 1
ORDER BY symbol, "timestamp";

-- name: row_counts
SELECT 'symbols' AS table_name, count(*) AS rows FROM symbols
UNION ALL SELECT 'ticks', count(*) FROM ticks
UNION ALL SELECT 'ohlcv_1min', count(*) FROM ohlcv_1min
UNION ALL SELECT 'ohlcv_daily', count(*) FROM ohlcv_daily
UNION ALL SELECT 'events', count(*) FROM events
UNION ALL SELECT 'quarantine', count(*) FROM quarantine;

-- name: chunk_compression
-- Per hypertable: chunks and how many are compressed (TimescaleDB tiers only).
SELECT hypertable_name AS table_name, count(*) AS chunks,
       count(*) FILTER (WHERE is_compressed) AS compressed_chunks
FROM timescaledb_information.chunks
GROUP BY hypertable_name ORDER BY hypertable_name;

-- name: daily_bars_span
SELECT symbol, count(*) AS daily_bars,
       (array_agg(close ORDER BY date))[1] AS first_close,
       (array_agg(close ORDER BY date DESC))[1] AS last_close
FROM ohlcv_daily WHERE date >= :start AND date <= :end
GROUP BY symbol ORDER BY symbol;

-- name: active_symbols
-- The symbols a session's data-quality checks expect data for, with what decides their calendar.
SELECT symbol, market, calendar FROM symbols WHERE active ORDER BY symbol;


-- name: example_symbol
-- The symbol the corporate-actions notebook shows by default: one with a split, else a dividend, else any.
SELECT symbol FROM (
    SELECT symbol, 0 AS rank FROM splits
    UNION ALL SELECT symbol, 1 FROM dividends
    UNION ALL SELECT symbol, 2 FROM symbols WHERE active
) s ORDER BY rank, symbol LIMIT 1;
