-- Reader statements (tickstock_research.load). Run through psycopg2: parameters are
-- %(name)s placeholders bound by cursor.mogrify, never text pasted into SQL. The reader wraps
-- each statement in COPY (...) TO STDOUT (FORMAT csv) and parses the output with pyarrow,
-- so every numeric column is cast here to the type the DataFrame gets (float8 prices, int8
-- volumes): no Decimal ever reaches Python.
-- Bind parameters: %(name)s (run on a psycopg2 cursor).

-- name: ticks
-- Ticks of some symbols in [start, end), ordered by (symbol, time, exchange, trade id): one
-- index range scan per symbol (in the order of the symbols array, which the reader sorts), so
-- the server never sorts. Prices leave as numeric text and are parsed straight into float64
-- by the client (the same correctly rounded value as ::float8, without the server-side cast);
-- conditions leave as array text ({12,37}).
SELECT t.symbol, t."timestamp", t.price, t.volume, t.exchange, t.trade_id, t.sequence_number, t.conditions, t.correction
FROM unnest(%(symbols)s::text[]) AS u (sym)
CROSS JOIN LATERAL (
    SELECT symbol, "timestamp", price, volume, exchange, trade_id, sequence_number, conditions, correction
    FROM ticks
    WHERE symbol = u.sym AND "timestamp" >= %(start)s::timestamptz AND "timestamp" < %(end)s::timestamptz
    ORDER BY "timestamp", exchange, trade_id
) AS t

-- name: ticks_page
-- One page of one symbol's ticks after a key (keyset pagination for bounded chunks).
SELECT symbol, "timestamp", price, volume, exchange, trade_id, sequence_number, conditions, correction
FROM ticks
WHERE symbol = %(symbol)s
  AND "timestamp" >= %(start)s::timestamptz AND "timestamp" < %(end)s::timestamptz
  AND (CAST(%(after_ts)s AS timestamptz) IS NULL
       OR ("timestamp", exchange, trade_id) > (CAST(%(after_ts)s AS timestamptz), CAST(%(after_exchange)s AS smallint),
                                              CAST(%(after_trade_id)s AS varchar)))
ORDER BY "timestamp", exchange, trade_id
LIMIT %(limit)s

-- name: bars_intraday
-- Intraday buckets from 1-minute bars. Each session is passed as arrays: its UTC [lo, hi)
-- bounds for the session filter and the anchor its buckets are aligned to (the regular open
-- for session alignment, exchange-local midnight for clock alignment). Buckets are labelled by
-- their start and kept when that label is in [start, end); rows are read from the wider
-- [row_lo, row_hi) so the edge buckets are whole. Open/close are the first/last minute by time:
-- the value at the position of min/max("timestamp") in arrays aggregated in one pass (the same
-- row order for every aggregate of a group), which is exact because (symbol, "timestamp") is
-- unique and, unlike ordered aggregates, needs no sort per group. Symbols sort in "C"
-- collation (code point order, as Python sorts them).
WITH s AS (
    SELECT lo, hi, anchor
    FROM unnest(%(lo)s::timestamptz[], %(hi)s::timestamptz[], %(anchor)s::timestamptz[]) AS s (lo, hi, anchor)
), m AS (
    SELECT b.symbol COLLATE "C" AS symbol, date_bin(%(width)s::interval, b."timestamp", s.anchor) AS bucket, b."timestamp",
           b.open, b.high, b.low, b.close, b.volume, b.vwap, b.trade_count
    FROM s
    JOIN ohlcv_1min b ON b."timestamp" >= s.lo AND b."timestamp" < s.hi
    WHERE b.symbol = ANY (%(symbols)s::text[])
      AND b."timestamp" >= %(row_lo)s::timestamptz AND b."timestamp" < %(row_hi)s::timestamptz
)
SELECT symbol, bucket AS "timestamp",
       ((array_agg(open))[array_position(array_agg("timestamp"), min("timestamp"))])::float8 AS open,
       max(high)::float8 AS high,
       min(low)::float8 AS low,
       ((array_agg(close))[array_position(array_agg("timestamp"), max("timestamp"))])::float8 AS close,
       sum(volume)::int8 AS volume,
       (sum(vwap * volume) / NULLIF(sum(volume) FILTER (WHERE vwap IS NOT NULL), 0))::float8 AS vwap,
       sum(trade_count)::int8 AS trade_count
FROM m
GROUP BY symbol, bucket
HAVING bucket >= %(start)s::timestamptz AND bucket < %(end)s::timestamptz
ORDER BY symbol, bucket

-- name: bars_1min
-- 1-minute bars as stored, inside the sessions' [lo, hi) bounds and [start, end).
WITH s AS (
    SELECT lo, hi FROM unnest(%(lo)s::timestamptz[], %(hi)s::timestamptz[]) AS s (lo, hi)
)
SELECT b.symbol, b."timestamp", b.open::float8 AS open, b.high::float8 AS high, b.low::float8 AS low,
       b.close::float8 AS close, b.volume, b.vwap::float8 AS vwap, b.trade_count::int8 AS trade_count
FROM s
JOIN ohlcv_1min b ON b."timestamp" >= s.lo AND b."timestamp" < s.hi
WHERE b.symbol = ANY (%(symbols)s::text[])
  AND b."timestamp" >= %(start)s::timestamptz AND b."timestamp" < %(end)s::timestamptz
ORDER BY b.symbol COLLATE "C", b."timestamp"

-- name: bars_daily
-- Daily bars (period 'day'), or sessions grouped by exchange week ('week', Monday-based) or
-- month ('month'), from ohlcv_daily. A group is labelled by its first session date.
SELECT symbol COLLATE "C" AS symbol, min(date) AS date,
       ((array_agg(open))[array_position(array_agg(date), min(date))])::float8 AS open,
       max(high)::float8 AS high,
       min(low)::float8 AS low,
       ((array_agg(close))[array_position(array_agg(date), max(date))])::float8 AS close,
       sum(volume)::int8 AS volume,
       (sum(vwap * volume) / NULLIF(sum(volume) FILTER (WHERE vwap IS NOT NULL), 0))::float8 AS vwap,
       sum(trade_count)::int8 AS trade_count
FROM ohlcv_daily
WHERE symbol = ANY (%(symbols)s::text[])
  AND (%(d0)s::date IS NULL OR date >= %(d0)s::date)
  AND (%(d1)s::date IS NULL OR date <= %(d1)s::date)
GROUP BY 1, CASE %(period)s::text
                     WHEN 'week' THEN date_trunc('week', date::timestamp)::date
                     WHEN 'month' THEN date_trunc('month', date::timestamp)::date
                     ELSE date END
ORDER BY symbol, 2

-- name: bars_sessions_1min
-- Daily (or weekly/monthly) bars computed from 1-minute bars for a session filter other than
-- the stored one: each session is passed as its UTC [lo, hi) bounds and its session date.
WITH s AS (
    SELECT lo, hi, day FROM unnest(%(lo)s::timestamptz[], %(hi)s::timestamptz[], %(day)s::date[]) AS s (lo, hi, day)
)
SELECT b.symbol COLLATE "C" AS symbol, min(s.day) AS date,
       ((array_agg(b.open))[array_position(array_agg(b."timestamp"), min(b."timestamp"))])::float8 AS open,
       max(b.high)::float8 AS high,
       min(b.low)::float8 AS low,
       ((array_agg(b.close))[array_position(array_agg(b."timestamp"), max(b."timestamp"))])::float8 AS close,
       sum(b.volume)::int8 AS volume,
       (sum(b.vwap * b.volume) / NULLIF(sum(b.volume) FILTER (WHERE b.vwap IS NOT NULL), 0))::float8 AS vwap,
       sum(b.trade_count)::int8 AS trade_count
FROM s
JOIN ohlcv_1min b ON b."timestamp" >= s.lo AND b."timestamp" < s.hi
WHERE b.symbol = ANY (%(symbols)s::text[])
GROUP BY 1, CASE %(period)s::text
                       WHEN 'week' THEN date_trunc('week', s.day::timestamp)::date
                       WHEN 'month' THEN date_trunc('month', s.day::timestamp)::date
                       ELSE s.day END
ORDER BY 1, 2

-- name: minute_span
-- First and last 1-minute bar time of some symbols (to bound an open-ended bar read).
SELECT min("timestamp"), max("timestamp") FROM ohlcv_1min WHERE symbol = ANY (%(symbols)s::text[])

-- name: reader_settings
-- Per-transaction settings of a reader connection: sorts and hashes of a bar query in memory,
-- no JIT compilation (it costs more than it saves on these short analytical queries).
SET LOCAL work_mem = '256MB'; SET LOCAL jit = off
