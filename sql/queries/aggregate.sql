-- Aggregation: ticks -> ohlcv_1min -> ohlcv_daily, the rollup's bookkeeping and its checks.
-- Minute chunks are a minute-aligned UTC range [:lo, :hi) and a symbol list (NULL: all).
-- Daily work is described by "windows": parallel arrays of (symbol, session date, [lo, hi))
-- computed in Python from the exchange calendar, so no session hour is ever written here.
-- :lo/:hi bound all windows (lets TimescaleDB exclude chunks at plan time).
-- Bind parameters: :name (SQLAlchemy text()).

-- fragment: minute_bars_eligible
-- The trade-eligibility rule of the minute bars, written once: the CTEs agg/edge/ends/tied/bars
-- (one chunk's bars under the rule set's code arrays :no_hl, :no_last, :first_last, :no_vol
-- and :corrections), included by :minute_bars and :minute_bars_new, which only differ in how
-- they write the rows (upsert vs plain insert).
WITH agg AS MATERIALIZED (
    SELECT t.symbol, date_bin(INTERVAL '1 minute', t."timestamp", TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
           min(t."timestamp") FILTER (WHERE (NOT coalesce(t.conditions && CAST(:no_hl AS smallint[]), false) AND NOT coalesce(t.conditions && CAST(:no_last AS smallint[]), false))) AS t_open,
           max(t."timestamp") FILTER (WHERE (NOT coalesce(t.conditions && CAST(:no_hl AS smallint[]), false) AND NOT coalesce(t.conditions && CAST(:no_last AS smallint[]), false) AND NOT coalesce(t.conditions && CAST(:first_last AS smallint[]), false))) AS t_close,
           max(t.price) FILTER (WHERE NOT coalesce(t.conditions && CAST(:no_hl AS smallint[]), false)) AS high, min(t.price) FILTER (WHERE NOT coalesce(t.conditions && CAST(:no_hl AS smallint[]), false)) AS low,
           coalesce(sum(t.volume) FILTER (WHERE NOT coalesce(t.conditions && CAST(:no_vol AS smallint[]), false)), 0) AS volume,
           sum(t.price * t.volume) FILTER (WHERE NOT coalesce(t.conditions && CAST(:no_vol AS smallint[]), false)) AS pv,
           count(*) FILTER (WHERE NOT coalesce(t.conditions && CAST(:no_vol AS smallint[]), false)) AS trade_count
    FROM ticks t
    WHERE t."timestamp" >= CAST(:lo AS timestamptz) AND t."timestamp" < CAST(:hi AS timestamptz)
      AND (CAST(:symbols AS text[]) IS NULL OR t.symbol = ANY(CAST(:symbols AS text[])))
      AND t.correction = ANY(CAST(:corrections AS smallint[]))
    GROUP BY 1, 2
    HAVING count(*) FILTER (WHERE (NOT coalesce(t.conditions && CAST(:no_hl AS smallint[]), false) AND NOT coalesce(t.conditions && CAST(:no_last AS smallint[]), false))) > 0
),
edge AS (
    -- DISTINCT over the CTE (not UNION): the planner then takes this for the small side and
    -- hashes it, instead of hashing the chunk's trades
    SELECT DISTINCT symbol, ts
    FROM (SELECT symbol, t_open AS ts FROM agg UNION ALL SELECT symbol, t_close FROM agg WHERE t_close IS NOT NULL) AS s
),
ends AS (
    SELECT t.symbol, t."timestamp",
           min(t.price) FILTER (WHERE (NOT coalesce(t.conditions && CAST(:no_hl AS smallint[]), false) AND NOT coalesce(t.conditions && CAST(:no_last AS smallint[]), false))) AS o_lo, max(t.price) FILTER (WHERE (NOT coalesce(t.conditions && CAST(:no_hl AS smallint[]), false) AND NOT coalesce(t.conditions && CAST(:no_last AS smallint[]), false))) AS o_hi,
           min(t.price) FILTER (WHERE (NOT coalesce(t.conditions && CAST(:no_hl AS smallint[]), false) AND NOT coalesce(t.conditions && CAST(:no_last AS smallint[]), false) AND NOT coalesce(t.conditions && CAST(:first_last AS smallint[]), false))) AS c_lo, max(t.price) FILTER (WHERE (NOT coalesce(t.conditions && CAST(:no_hl AS smallint[]), false) AND NOT coalesce(t.conditions && CAST(:no_last AS smallint[]), false) AND NOT coalesce(t.conditions && CAST(:first_last AS smallint[]), false))) AS c_hi
    FROM ticks t
    JOIN edge e ON e.symbol = t.symbol AND e.ts = t."timestamp"
    WHERE t."timestamp" >= CAST(:lo AS timestamptz) AND t."timestamp" < CAST(:hi AS timestamptz)
      AND (CAST(:symbols AS text[]) IS NULL OR t.symbol = ANY(CAST(:symbols AS text[])))
      AND t.correction = ANY(CAST(:corrections AS smallint[]))
    GROUP BY 1, 2
),
tied AS (
    SELECT e.symbol, e."timestamp",
           CASE WHEN e.o_lo <> e.o_hi THEN
           (SELECT t.price FROM ticks t
            WHERE t.symbol = e.symbol AND t."timestamp" = e."timestamp"
              AND t.correction = ANY(CAST(:corrections AS smallint[])) AND (NOT coalesce(t.conditions && CAST(:no_hl AS smallint[]), false) AND NOT coalesce(t.conditions && CAST(:no_last AS smallint[]), false))
            ORDER BY t.sequence_number NULLS LAST, t.trade_id COLLATE "C" LIMIT 1) END AS first_price,
           CASE WHEN e.c_lo <> e.c_hi THEN
           (SELECT t.price FROM ticks t
            WHERE t.symbol = e.symbol AND t."timestamp" = e."timestamp"
              AND t.correction = ANY(CAST(:corrections AS smallint[])) AND (NOT coalesce(t.conditions && CAST(:no_hl AS smallint[]), false) AND NOT coalesce(t.conditions && CAST(:no_last AS smallint[]), false) AND NOT coalesce(t.conditions && CAST(:first_last AS smallint[]), false))
            ORDER BY t.sequence_number DESC NULLS FIRST, t.trade_id COLLATE "C" DESC LIMIT 1) END AS last_price
    FROM ends e
    WHERE e.o_lo <> e.o_hi OR e.c_lo <> e.c_hi
),
bars AS (
    SELECT a.symbol, a.bucket, coalesce(ot.first_price, o.o_lo) AS open, a.high, a.low,
           coalesce(ct.last_price, c.c_lo, ot.first_price, o.o_lo) AS close, a.volume, a.pv, a.trade_count
    FROM agg a
    JOIN ends o ON o.symbol = a.symbol AND o."timestamp" = a.t_open
    LEFT JOIN ends c ON c.symbol = a.symbol AND c."timestamp" = a.t_close
    LEFT JOIN tied ot ON ot.symbol = a.symbol AND ot."timestamp" = a.t_open
    LEFT JOIN tied ct ON ct.symbol = a.symbol AND ct."timestamp" = a.t_close
),

-- name: minute_bars
-- One chunk of 1-minute bars from ticks, upserted. Two hash passes over the chunk's trades and
-- no sort of the chunk:
--   agg:   one hash aggregation per (symbol, minute): high/low/volume/sum(price*size)/count on
--          the exact numerics, plus the minute's first and last trade *time* (min/max of a
--          timestamptz are cheap by-value comparisons);
--   ends:  the trades at those (symbol, instant) edges, found by a hash join against the
--          chunk's trades, with min/max price per edge. Almost every edge holds one trade (or
--          trades of one price), so its price is the open/close whatever the order among them;
--   tied:  the rare edges whose trades disagree on price are ordered exactly (sequence_number,
--          missing last, then trade_id in code-point order) over the PK index.
-- So the whole order (timestamp, sequence_number NULLS LAST, trade_id) decides open and close,
-- ties included, with plain SQL on every tier (same rows on plain PostgreSQL and TimescaleDB).
-- About 3x faster than min/max of ARRAY[epoch, sequence, price] keys per trade (numeric
-- arrays; the planner also sorted for them), which beat ordered aggregates or a window sort
-- over the chunk by 2-3x (benchmarks/aggregate.py). Aggregating on price::float8 was slower
-- still (numeric -> float8 goes through text), so prices stay numeric and exact.
-- Run after :minute_plan (hash joins, no JIT). Eligibility (aggregate/eligibility.py): a trade
-- counts if its correction is in :corrections; it sets high/low unless a condition is in :no_hl,
-- the open if also none is in :no_last (a :first_last code only when no eligible trade precedes
-- it), the close if none is in :no_last or :first_last (else the close is the open), volume,
-- vwap and trade_count unless a condition is in :no_vol. A minute without a trade that may set
-- the price gets no bar (as Massive's minute aggregates). Empty arrays give all-trades. Every bar of the chunk is (re)written with built_at = now(), so :minute_bars_stale,
-- run next in the same transaction, can remove tick-built bars the chunk no longer produces
-- with a plain range scan. Vendor bars (source 'vendor') are only replaced where trades exist.
-- include: minute_bars_eligible
up AS (
    INSERT INTO ohlcv_1min AS m (symbol, "timestamp", open, high, low, close, volume, vwap, trade_count, source, built_at)
    SELECT b.symbol, b.bucket, b.open, b.high, b.low, b.close,
           CAST(b.volume AS bigint), CASE WHEN b.volume > 0 THEN b.pv / b.volume END, CAST(b.trade_count AS integer),
           'ticks', now()
    FROM bars b
    ON CONFLICT (symbol, "timestamp") DO UPDATE
        SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
            volume = EXCLUDED.volume, vwap = EXCLUDED.vwap, trade_count = EXCLUDED.trade_count,
            source = EXCLUDED.source, built_at = EXCLUDED.built_at
    RETURNING trade_count
)
SELECT count(*) AS bars, coalesce(sum(trade_count), 0) AS trades FROM up;

-- name: minute_bars_exist
-- Whether the chunk already holds any bar (else :minute_bars_new, the first-build fast path).
SELECT EXISTS (
    SELECT 1 FROM ohlcv_1min m
    WHERE m."timestamp" >= CAST(:lo AS timestamptz) AND m."timestamp" < CAST(:hi AS timestamptz)
      AND (CAST(:symbols AS text[]) IS NULL OR m.symbol = ANY(CAST(:symbols AS text[])))
) AS present;

-- name: minute_bars_new
-- :minute_bars for a chunk that holds no bar yet: a plain INSERT, without the ON CONFLICT
-- arbitration per row (about a third of the write). Run in a savepoint; if another writer
-- inserted bars of the chunk meanwhile (unique violation), :minute_bars is run instead.
-- include: minute_bars_eligible
up AS (
    INSERT INTO ohlcv_1min AS m (symbol, "timestamp", open, high, low, close, volume, vwap, trade_count, source, built_at)
    SELECT b.symbol, b.bucket, b.open, b.high, b.low, b.close,
           CAST(b.volume AS bigint), CASE WHEN b.volume > 0 THEN b.pv / b.volume END, CAST(b.trade_count AS integer),
           'ticks', now()
    FROM bars b
    RETURNING trade_count
)
SELECT count(*) AS bars, coalesce(sum(trade_count), 0) AS trades FROM up;

-- name: minute_plan
-- Planner settings for one :minute_bars statement (SET LOCAL). The edge lookup must be a hash
-- join against the chunk's trades: misjudging the aggregate's row count, the planner otherwise
-- picks one index probe per edge (about 3x slower for a day of ticks). JIT compilation costs
-- about as much as it saves here, on every chunk. Returns the settings before, which
-- :minute_plan_restore puts back after the statement.
SELECT current_setting('enable_nestloop') AS nestloop, current_setting('enable_mergejoin') AS mergejoin,
       current_setting('jit') AS jit,
       set_config('enable_nestloop', 'off', true), set_config('enable_mergejoin', 'off', true),
       set_config('jit', 'off', true);

-- name: minute_plan_restore
SELECT set_config('enable_nestloop', :nestloop, true), set_config('enable_mergejoin', :mergejoin, true),
       set_config('jit', :jit, true);

-- name: ticks_exist
-- Whether the chunk holds any trade at all (corrected ones included). None means its ticks are
-- gone (dropped by retention, or never loaded here): its minutes are the only copy and stay.
SELECT EXISTS (
    SELECT 1 FROM ticks t
    WHERE t."timestamp" >= CAST(:lo AS timestamptz) AND t."timestamp" < CAST(:hi AS timestamptz)
      AND (CAST(:symbols AS text[]) IS NULL OR t.symbol = ANY(CAST(:symbols AS text[])))
) AS present;

-- name: minute_bars_stale
-- Tick-built bars of the chunk not rewritten by :minute_bars in this transaction.
DELETE FROM ohlcv_1min m
WHERE m."timestamp" >= CAST(:lo AS timestamptz) AND m."timestamp" < CAST(:hi AS timestamptz)
  AND (CAST(:symbols AS text[]) IS NULL OR m.symbol = ANY(CAST(:symbols AS text[])))
  AND m.source = 'ticks' AND m.built_at < now();

-- name: daily_bars
-- Daily bars from 1-minute bars, one row per (symbol, session date) window; the windows are
-- the sessions' [start, end) from the exchange calendar for the chosen session filter.
-- VWAP and trade count only when every minute has them (vendor minutes may not). Upserted
-- with built_at = now(); :daily_bars_stale follows in the same transaction.
WITH win AS (
    SELECT w.symbol, w.day, w.lo, w.hi
    FROM unnest(CAST(:symbols AS text[]), CAST(:days AS date[]), CAST(:starts AS timestamptz[]),
                CAST(:ends AS timestamptz[])) AS w(symbol, day, lo, hi)
),
bars AS (
    SELECT win.symbol, win.day,
           (array_agg(m.open ORDER BY m."timestamp"))[1] AS open,
           max(m.high) AS high,
           min(m.low) AS low,
           (array_agg(m.close ORDER BY m."timestamp" DESC))[1] AS close,
           CAST(sum(m.volume) AS bigint) AS volume,
           CASE WHEN count(m.vwap) = count(*) AND sum(m.volume) > 0
                THEN sum(m.vwap * m.volume) / sum(m.volume) END AS vwap,
           CASE WHEN count(m.trade_count) = count(*) THEN CAST(sum(m.trade_count) AS integer) END AS trade_count
    FROM win
    JOIN ohlcv_1min m ON m.symbol = win.symbol AND m."timestamp" >= win.lo AND m."timestamp" < win.hi
    WHERE m."timestamp" >= CAST(:lo AS timestamptz) AND m."timestamp" < CAST(:hi AS timestamptz)
    GROUP BY win.symbol, win.day
),
up AS (
    INSERT INTO ohlcv_daily AS d (symbol, date, open, high, low, close, volume, vwap, trade_count, source, built_at)
    SELECT symbol, day, open, high, low, close, volume, vwap, trade_count, 'minutes', now()
    FROM bars
    ON CONFLICT (symbol, date) DO UPDATE
        SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
            volume = EXCLUDED.volume, vwap = EXCLUDED.vwap, trade_count = EXCLUDED.trade_count,
            source = EXCLUDED.source, built_at = EXCLUDED.built_at
    RETURNING volume
)
SELECT count(*) AS bars, coalesce(sum(volume), 0) AS volume FROM up;

-- name: daily_bars_stale
-- Minute-built daily bars of the windows not rewritten by :daily_bars in this transaction.
DELETE FROM ohlcv_daily d
USING unnest(CAST(:symbols AS text[]), CAST(:days AS date[])) AS win(symbol, day)
WHERE d.symbol = win.symbol AND d.date = win.day AND d.source = 'minutes' AND d.built_at < now();

-- name: dirty_tick_days
-- (symbol, UTC day) groups holding ticks loaded at or after :since (BRIN on ingested_at).
-- The UTC day is only a unit of work: minutes are the same in every zone.
SELECT symbol, date_bin(INTERVAL '1 day', "timestamp", TIMESTAMPTZ '2000-01-01 00:00:00+00') AS day,
       count(*) AS ticks
FROM ticks
WHERE ingested_at >= CAST(:since AS timestamptz)
GROUP BY 1, 2
ORDER BY 2, 1;

-- name: dirty_minute_days
-- (symbol, UTC day) groups holding minutes built or loaded at or after :since (BRIN on built_at).
SELECT symbol, date_bin(INTERVAL '1 day', "timestamp", TIMESTAMPTZ '2000-01-01 00:00:00+00') AS day,
       count(*) AS minutes
FROM ohlcv_1min
WHERE built_at >= CAST(:since AS timestamptz)
GROUP BY 1, 2
ORDER BY 2, 1;

-- name: horizon
-- A safe new watermark: rows committed later can only carry a marker (their transaction's
-- start time) at or after this, because every transaction still open started at or after it.
-- Only transactions that may insert ticks count: not a read-only login's, and not a job lock's
-- own transaction (it holds a row of tickstock_locks and writes nothing else).
-- Without the right to see other roles' sessions, :margin is taken off as well.
SELECT least(clock_timestamp(),
             (SELECT min(a.xact_start) FROM pg_stat_activity a
              WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
                AND a.backend_type = 'client backend' AND a.xact_start IS NOT NULL
                AND has_table_privilege(a.usesysid, 'ticks', 'INSERT')
                AND NOT EXISTS (SELECT 1 FROM tickstock_locks t WHERE t.xmax = a.backend_xid)))
       - CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                   OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER')
              THEN INTERVAL '0' ELSE CAST(:margin AS interval) END AS horizon;

-- name: watermarks
SELECT stage, horizon, run_id, updated_at FROM aggregate_watermarks;

-- name: set_watermark
INSERT INTO aggregate_watermarks (stage, horizon, run_id) VALUES (:stage, :horizon, :run_id)
ON CONFLICT (stage) DO UPDATE SET horizon = EXCLUDED.horizon, run_id = EXCLUDED.run_id, updated_at = now();

-- name: close_stale_runs
-- Runs still marked running while we hold the rollup lock were interrupted (crash, kill).
UPDATE aggregate_runs SET status = 'interrupted', finished_at = coalesce(finished_at, clock_timestamp())
WHERE status = 'running';

-- name: run_start
INSERT INTO aggregate_runs (mode, session, range_start, range_end, symbols, ticks_since, minutes_since)
VALUES (:mode, :session, :range_start, :range_end, CAST(:symbols AS text[]), :ticks_since, :minutes_since)
RETURNING id;

-- name: run_finish
UPDATE aggregate_runs
SET status = :status, error = :error, range_start = :range_start, range_end = :range_end,
    minute_rows = :minute_rows, daily_rows = :daily_rows, dirty_days = :dirty_days,
    dirty_sessions = :dirty_sessions, gap_rows = :gap_rows,
    finished_at = clock_timestamp(), duration_s = extract(epoch FROM clock_timestamp() - started_at)
WHERE id = :id;

-- name: runs
SELECT id, mode, session, range_start, range_end, symbols, minute_rows, daily_rows, dirty_days,
       dirty_sessions, gap_rows, status, error, started_at, finished_at, duration_s
FROM aggregate_runs ORDER BY id DESC LIMIT :limit;

-- name: gaps
-- After aggregating: per (symbol, session) window, the regular-session minutes present (a bar,
-- or trades that count but may not set a price: :corrections of the bar rules) vs the
-- minutes the session has (only for symbols that traded that session), and the daily bar's
-- volume vs the sum of its minutes over the daily window (:dstarts/:dends, the session filter
-- the dailies were built with).
WITH win AS (
    SELECT w.symbol, w.day, w.lo, w.hi, w.dlo, w.dhi
    FROM unnest(CAST(:symbols AS text[]), CAST(:days AS date[]), CAST(:starts AS timestamptz[]),
                CAST(:ends AS timestamptz[]), CAST(:dstarts AS timestamptz[]), CAST(:dends AS timestamptz[]))
         AS w(symbol, day, lo, hi, dlo, dhi)
),
regular AS (
    -- one index range scan per window over both ranges (not one per measure: each probe of a
    -- hypertable pays its chunk exclusion)
    SELECT win.symbol, win.day,
           CAST(extract(epoch FROM win.hi - win.lo) / 60 AS integer) AS expected_minutes,
           s.present_minutes, s.minute_volume, s.day_minutes
    FROM win
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE m."timestamp" >= win.lo AND m."timestamp" < win.hi) AS present_minutes,
               coalesce(sum(m.volume) FILTER (WHERE m."timestamp" >= win.dlo AND m."timestamp" < win.dhi), 0)
                   AS minute_volume,
               count(*) FILTER (WHERE m."timestamp" >= win.dlo AND m."timestamp" < win.dhi) AS day_minutes
        FROM ohlcv_1min m
        WHERE m.symbol = win.symbol
          AND m."timestamp" >= least(win.lo, win.dlo) AND m."timestamp" < greatest(win.hi, win.dhi)
    ) AS s
),
covered AS (
    -- a minute without a bar is missing only if it has no counting trade either: under the
    -- consolidated rules a minute of odd lots (or other volume-only trades) has no bar but is
    -- not a gap. Ticks are read only for windows short of bars (a one-time filter otherwise).
    SELECT r.symbol, r.day, r.expected_minutes, r.minute_volume, r.day_minutes,
           CASE WHEN r.present_minutes > 0 AND r.present_minutes < r.expected_minutes
                THEN r.present_minutes + c.traded_only ELSE r.present_minutes END AS present_minutes
    FROM regular r
    JOIN win ON win.symbol = r.symbol AND win.day = r.day
    CROSS JOIN LATERAL (
        SELECT count(DISTINCT date_bin(INTERVAL '1 minute', t."timestamp", TIMESTAMPTZ '2000-01-01 00:00:00+00'))
                   AS traded_only
        FROM ticks t
        WHERE r.present_minutes > 0 AND r.present_minutes < r.expected_minutes
          AND t.symbol = r.symbol AND t."timestamp" >= win.lo AND t."timestamp" < win.hi
          AND t.correction = ANY(CAST(:corrections AS smallint[]))
          AND NOT EXISTS (SELECT 1 FROM ohlcv_1min m WHERE m.symbol = t.symbol
                          AND m."timestamp" = date_bin(INTERVAL '1 minute', t."timestamp", TIMESTAMPTZ '2000-01-01 00:00:00+00'))
    ) AS c
)
SELECT r.symbol, r.day AS session,
       CASE WHEN r.present_minutes > 0 AND r.present_minutes < r.expected_minutes THEN 'missing_minutes'
            WHEN d.volume IS NULL THEN 'missing_daily'
            ELSE 'volume_mismatch' END AS kind,
       r.expected_minutes, CAST(r.present_minutes AS integer) AS present_minutes,
       CAST(r.expected_minutes - r.present_minutes AS integer) AS missing_minutes,
       d.volume AS daily_volume, CAST(r.minute_volume AS bigint) AS minute_volume
FROM covered r
LEFT JOIN ohlcv_daily d ON d.symbol = r.symbol AND d.date = r.day
WHERE (r.present_minutes > 0 AND r.present_minutes < r.expected_minutes)
   OR (d.volume IS NOT NULL AND d.volume <> r.minute_volume)
   OR (d.volume IS NULL AND r.day_minutes > 0)
ORDER BY r.day, r.symbol;

-- name: work_mem
-- Memory for the sorts of one build transaction (SET LOCAL), so a chunk sorts in memory.
SELECT set_config('work_mem', :value, true);

-- name: daily_bars_built
-- Whether ohlcv_daily holds any bar built here (from minutes), whatever its session filter.
SELECT EXISTS (SELECT 1 FROM ohlcv_daily WHERE source = 'minutes') AS present;

-- name: bars_built
-- Whether any bar was built here (minutes from ticks, or dailies from minutes): the bar rule
-- set may only be chosen before the first one.
SELECT EXISTS (SELECT 1 FROM ohlcv_1min WHERE source = 'ticks')
    OR EXISTS (SELECT 1 FROM ohlcv_daily WHERE source = 'minutes') AS present;
