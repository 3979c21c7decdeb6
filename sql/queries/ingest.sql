-- Ingest (tickstock_research/ingest): COPY targets, staging merges, symbols, quarantine, load ledger.
-- Statements with %(name)s parameters run on a psycopg2 cursor (they sit next to COPY).
-- The COPY column order puts fixed-width NOT NULL columns first (the encoder's layout).
-- Bind parameters: %(name)s (run on a psycopg2 cursor).

-- name: copy_ticks
COPY ticks ("timestamp", volume, exchange, correction, price, symbol, trade_id, sequence_number, tape,
            participant_timestamp, conditions) FROM STDIN (FORMAT binary);

-- name: stage_ticks
CREATE TEMP TABLE IF NOT EXISTS ingest_stage_ticks (LIKE ticks INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;

-- name: copy_stage_ticks
COPY ingest_stage_ticks ("timestamp", volume, exchange, correction, price, symbol, trade_id, sequence_number,
                         tape, participant_timestamp, conditions) FROM STDIN (FORMAT binary);

-- name: merge_ticks
INSERT INTO ticks (symbol, "timestamp", price, volume, exchange, trade_id, sequence_number, conditions,
                   correction, tape, participant_timestamp)
SELECT symbol, "timestamp", price, volume, exchange, trade_id, sequence_number, conditions,
       correction, tape, participant_timestamp
FROM ingest_stage_ticks
ON CONFLICT DO NOTHING;

-- name: correct_ticks
-- Trades delivered again with a correction flag (a later file correcting or cancelling them):
-- the stored copy takes the flag, and a fresh ingested_at so the rollup rebuilds its minute.
-- Bind arrays of the batch's flagged trades only (few), matched on the primary key.
UPDATE ticks AS t
SET correction = f.correction, ingested_at = now()
FROM unnest(%(symbols)s::text[], %(timestamps)s::timestamptz[], %(exchanges)s::smallint[],
            %(trade_ids)s::text[], %(corrections)s::smallint[])
     AS f (symbol, "timestamp", exchange, trade_id, correction)
WHERE t.symbol = f.symbol AND t."timestamp" = f."timestamp" AND t.exchange = f.exchange
  AND t.trade_id = f.trade_id AND t.correction IS DISTINCT FROM f.correction;

-- name: copy_ohlcv_1min
COPY ohlcv_1min ("timestamp", volume, open, high, low, close, vwap, trade_count, symbol, source)
FROM STDIN (FORMAT binary);

-- name: stage_ohlcv_1min
CREATE TEMP TABLE IF NOT EXISTS ingest_stage_ohlcv_1min (LIKE ohlcv_1min INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;

-- name: copy_stage_ohlcv_1min
COPY ingest_stage_ohlcv_1min ("timestamp", volume, open, high, low, close, vwap, trade_count, symbol, source)
FROM STDIN (FORMAT binary);

-- name: merge_ohlcv_1min
INSERT INTO ohlcv_1min (symbol, "timestamp", open, high, low, close, volume, vwap, trade_count, source)
SELECT symbol, "timestamp", open, high, low, close, volume, vwap, trade_count, source
FROM ingest_stage_ohlcv_1min
ON CONFLICT DO NOTHING;

-- name: copy_ohlcv_daily
COPY ohlcv_daily (date, volume, open, high, low, close, vwap, trade_count, symbol, source)
FROM STDIN (FORMAT binary);

-- name: stage_ohlcv_daily
CREATE TEMP TABLE IF NOT EXISTS ingest_stage_ohlcv_daily (LIKE ohlcv_daily INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;

-- name: copy_stage_ohlcv_daily
COPY ingest_stage_ohlcv_daily (date, volume, open, high, low, close, vwap, trade_count, symbol, source)
FROM STDIN (FORMAT binary);

-- name: merge_ohlcv_daily
INSERT INTO ohlcv_daily (symbol, date, open, high, low, close, volume, vwap, trade_count, source)
SELECT symbol, date, open, high, low, close, volume, vwap, trade_count, source
FROM ingest_stage_ohlcv_daily
ON CONFLICT DO NOTHING;

-- name: known_symbols
SELECT symbol FROM symbols;

-- name: symbols_among
SELECT symbol FROM symbols WHERE symbol = ANY(CAST(%(symbols)s AS text[]));

-- name: register_symbols
INSERT INTO symbols (symbol)
SELECT s FROM unnest(CAST(%(symbols)s AS text[])) AS s
ON CONFLICT (symbol) DO NOTHING;

-- name: quarantine_rows
INSERT INTO quarantine (target, source, source_key, line, reason, raw)
SELECT %(target)s, %(source)s, %(source_key)s, r.line, r.reason, r.raw
FROM unnest(CAST(%(lines)s AS bigint[]), CAST(%(reasons)s AS text[]), CAST(%(raws)s AS jsonb[])) AS r(line, reason, raw)
ON CONFLICT ON CONSTRAINT quarantine_once DO NOTHING;

-- name: load_start
INSERT INTO ingest_loads (target, source, source_key, backend_pid, backend_start)
SELECT %(target)s, %(source)s, %(source_key)s, pg_backend_pid(),
       (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())
RETURNING id;

-- name: close_interrupted
-- 'running' loads whose server backend is gone (the loader crashed or the server restarted).
UPDATE ingest_loads AS l SET status = 'interrupted', finished_at = now()
WHERE l.status = 'running'
  AND NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a
                  WHERE a.pid = l.backend_pid
                    AND (a.backend_start = l.backend_start OR a.backend_start IS NULL OR l.backend_start IS NULL))
RETURNING l.id;

-- name: load_progress
UPDATE ingest_loads
SET rows_read = rows_read + %(rows_read)s, inserted = inserted + %(inserted)s,
    already_present = already_present + %(already_present)s, rejected = rejected + %(rejected)s,
    batches = batches + 1
WHERE id = %(id)s;

-- name: load_finish
UPDATE ingest_loads SET status = %(status)s, finished_at = now() WHERE id = %(id)s;

-- name: upsert_symbols
INSERT INTO symbols AS s (symbol, name, exchange, market, locale, currency_name, currency_symbol, type, active,
                          cik, composite_figi, share_class_figi, last_updated_utc, market_cap,
                          weighted_shares_outstanding, last_updated)
SELECT r.symbol, r.name, r.exchange, coalesce(r.market, 'stocks'), r.locale, r.currency_name, r.currency_symbol,
       r.type, coalesce(r.active, true), r.cik, r.composite_figi, r.share_class_figi, r.last_updated_utc,
       r.market_cap, r.weighted_shares_outstanding, now()
FROM jsonb_to_recordset(CAST(%(rows)s AS jsonb)) AS r(
    symbol text, name text, exchange text, market text, locale text, currency_name text, currency_symbol text,
    type text, active boolean, cik text, composite_figi text, share_class_figi text, last_updated_utc timestamptz,
    market_cap bigint, weighted_shares_outstanding bigint)
ON CONFLICT (symbol) DO UPDATE SET
    name = coalesce(EXCLUDED.name, s.name),
    exchange = coalesce(EXCLUDED.exchange, s.exchange),
    market = CASE WHEN CAST(%(has_market)s AS boolean) THEN EXCLUDED.market ELSE s.market END,
    locale = coalesce(EXCLUDED.locale, s.locale),
    currency_name = coalesce(EXCLUDED.currency_name, s.currency_name),
    currency_symbol = coalesce(EXCLUDED.currency_symbol, s.currency_symbol),
    type = coalesce(EXCLUDED.type, s.type),
    active = CASE WHEN CAST(%(has_active)s AS boolean) THEN EXCLUDED.active ELSE s.active END,
    cik = coalesce(EXCLUDED.cik, s.cik),
    composite_figi = coalesce(EXCLUDED.composite_figi, s.composite_figi),
    share_class_figi = coalesce(EXCLUDED.share_class_figi, s.share_class_figi),
    last_updated_utc = coalesce(EXCLUDED.last_updated_utc, s.last_updated_utc),
    market_cap = coalesce(EXCLUDED.market_cap, s.market_cap),
    weighted_shares_outstanding = coalesce(EXCLUDED.weighted_shares_outstanding, s.weighted_shares_outstanding),
    last_updated = now()
RETURNING (xmax = 0) AS inserted;
