-- Retention that never drops research data (every tier).
--
-- The horizons are the `retention` database setting (tickstock_settings): {"ticks": "1 year"}
-- by default, per table an interval or 'off'. A unit past its horizon (a chunk of a hypertable,
-- a UTC day of a plain table) goes only when everything in it has been aggregated: no tick in
-- it was loaded at or after the rollup's `ticks` watermark (its minute bars are current) and no
-- minute bar in it was built at or after the `minutes` watermark (its daily bars are current).
-- A database never aggregated keeps everything. The plan is one function, used by the dry run,
-- by `tickstock maintain` and by the timescale tier's server job, so they cannot disagree.
-- Table names come from the fixed list below, never from input; no dynamic SQL.
-- Bind parameters: none.

-- The units of one table ending at or before :cutoff, with their time range.
CREATE OR REPLACE FUNCTION tickstock_retention_units(p_table text, p_cutoff timestamptz, p_hypertable boolean)
RETURNS TABLE (range_start timestamptz, range_end timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_hypertable THEN
        RETURN QUERY
            SELECT DISTINCT c.range_start, c.range_end
            FROM timescaledb_information.chunks c
            WHERE c.hypertable_schema = current_schema() AND c.hypertable_name = p_table
              AND c.range_end <= p_cutoff
            ORDER BY 1;
    ELSIF p_table = 'ticks' THEN
        RETURN QUERY
            SELECT d, d + INTERVAL '1 day'
            FROM (SELECT DISTINCT date_bin(INTERVAL '1 day', t."timestamp", TIMESTAMPTZ '2000-01-01 00:00:00+00') AS d
                  FROM ticks t WHERE t."timestamp" < p_cutoff) days
            WHERE d + INTERVAL '1 day' <= p_cutoff
            ORDER BY 1;
    ELSIF p_table = 'ohlcv_1min' THEN
        RETURN QUERY
            SELECT d, d + INTERVAL '1 day'
            FROM (SELECT DISTINCT date_bin(INTERVAL '1 day', m."timestamp", TIMESTAMPTZ '2000-01-01 00:00:00+00') AS d
                  FROM ohlcv_1min m WHERE m."timestamp" < p_cutoff) days
            WHERE d + INTERVAL '1 day' <= p_cutoff
            ORDER BY 1;
    END IF;
END
$$;

-- What retention would do now: one row per unit past its horizon, action 'drop' or 'keep'.
CREATE OR REPLACE FUNCTION tickstock_retention_plan(p_now timestamptz DEFAULT now())
RETURNS TABLE (table_name text, range_start timestamptz, range_end timestamptz, row_count bigint,
               horizon text, action text, reason text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_settings jsonb := coalesce((SELECT s.value FROM tickstock_settings s WHERE s.key = 'retention'), '{}'::jsonb);
    v_ticks_mark timestamptz := coalesce((SELECT w.horizon FROM aggregate_watermarks w WHERE w.stage = 'ticks'),
                                         '-infinity');
    v_minutes_mark timestamptz := coalesce((SELECT w.horizon FROM aggregate_watermarks w WHERE w.stage = 'minutes'),
                                           '-infinity');
    v_tsdb boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb');
    v_table text;
    v_age text;
    v_hypertable boolean;
    v_late_ticks boolean;
    v_late_minutes boolean;
    u record;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['ticks', 'ohlcv_1min'] LOOP
        v_age := v_settings ->> v_table;
        CONTINUE WHEN v_age IS NULL OR v_age = 'off';
        v_hypertable := false;
        IF v_tsdb THEN
            v_hypertable := EXISTS (SELECT 1 FROM timescaledb_information.hypertables h
                                    WHERE h.hypertable_schema = current_schema() AND h.hypertable_name = v_table);
        END IF;
        FOR u IN SELECT * FROM tickstock_retention_units(v_table, p_now - CAST(v_age AS interval), v_hypertable) LOOP
            v_late_ticks := EXISTS (SELECT 1 FROM ticks t
                                    WHERE t."timestamp" >= u.range_start AND t."timestamp" < u.range_end
                                      AND t.ingested_at >= v_ticks_mark);
            v_late_minutes := EXISTS (SELECT 1 FROM ohlcv_1min m
                                      WHERE m."timestamp" >= u.range_start AND m."timestamp" < u.range_end
                                        AND m.built_at >= v_minutes_mark);
            table_name := v_table;
            range_start := u.range_start;
            range_end := u.range_end;
            horizon := v_age;
            IF v_table = 'ticks' THEN
                row_count := (SELECT count(*) FROM ticks t WHERE t."timestamp" >= u.range_start AND t."timestamp" < u.range_end);
            ELSE
                row_count := (SELECT count(*) FROM ohlcv_1min m WHERE m."timestamp" >= u.range_start AND m."timestamp" < u.range_end);
            END IF;
            IF v_late_ticks THEN
                action := 'keep';
                reason := 'ticks not aggregated yet (loaded after the rollup''s watermark): run `tickstock aggregate`';
            ELSIF v_late_minutes THEN
                action := 'keep';
                reason := 'minute bars not rolled into daily bars yet: run `tickstock aggregate`';
            ELSE
                action := 'drop';
                reason := 'older than ' || v_age || '; minute and daily bars current';
            END IF;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END
$$;

-- Enforce retention (or with p_dry_run only report): the plan's 'drop' units go, under a lock
-- that keeps loads from adding rows between the check and the drop.
CREATE OR REPLACE FUNCTION tickstock_apply_retention(p_dry_run boolean DEFAULT false, p_now timestamptz DEFAULT now())
RETURNS TABLE (table_name text, range_start timestamptz, range_end timestamptz, row_count bigint,
               horizon text, action text, reason text)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v_tsdb boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb');
    v_hypertables text[] := ARRAY[]::text[];
BEGIN
    IF NOT p_dry_run THEN
        LOCK TABLE ONLY ticks, ONLY ohlcv_1min IN SHARE MODE;
    END IF;
    IF v_tsdb THEN
        v_hypertables := ARRAY(SELECT h.hypertable_name::text FROM timescaledb_information.hypertables h
                               WHERE h.hypertable_schema = current_schema());
    END IF;
    FOR r IN SELECT * FROM tickstock_retention_plan(p_now) LOOP
        IF NOT p_dry_run AND r.action = 'drop' THEN
            IF r.table_name = ANY (v_hypertables) THEN
                PERFORM drop_chunks(CAST(r.table_name AS regclass), older_than => r.range_end + INTERVAL '1 microsecond',
                                    newer_than => r.range_start);
            ELSIF r.table_name = 'ticks' THEN
                DELETE FROM ticks t WHERE t."timestamp" >= r.range_start AND t."timestamp" < r.range_end;
            ELSIF r.table_name = 'ohlcv_1min' THEN
                DELETE FROM ohlcv_1min m WHERE m."timestamp" >= r.range_start AND m."timestamp" < r.range_end;
            END IF;
        END IF;
        table_name := r.table_name; range_start := r.range_start; range_end := r.range_end;
        row_count := r.row_count; horizon := r.horizon; action := r.action; reason := r.reason;
        RETURN NEXT;
    END LOOP;
END
$$;

-- The timescale tier's server job (registered with add_job by the kit): the same guarantees.
CREATE OR REPLACE PROCEDURE tickstock_retention_job(job_id integer, config jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tickstock_apply_retention(false);
END
$$;

-- Only the writer role (and the owner) may enforce retention; the analyst may see the plan.
REVOKE EXECUTE ON FUNCTION tickstock_retention_units(text, timestamptz, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tickstock_retention_plan(timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tickstock_apply_retention(boolean, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON PROCEDURE tickstock_retention_job(integer, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tickstock_retention_units(text, timestamptz, boolean) TO tickstock_writer, tickstock_analyst;
GRANT EXECUTE ON FUNCTION tickstock_retention_plan(timestamptz) TO tickstock_writer, tickstock_analyst;
GRANT EXECUTE ON FUNCTION tickstock_apply_retention(boolean, timestamptz) TO tickstock_writer;
