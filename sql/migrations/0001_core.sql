-- Core tables from the seed design, with the SPEC.md defect fixes:
--  * ticks keep every distinct trade: the key is the source's trade identity
--    (symbol, time, exchange, trade id), not (symbol, time);
--  * prices are unconstrained NUMERIC, exact for stocks, forex (5 dp) and crypto (8+ dp);
--  * events carry their timeframe in the key, so one pattern on two timeframes is two events.
-- Tier objects (hypertables, compression, retention) are applied by sql/tiers/*.sql.
-- Bind parameters: none.

CREATE TABLE IF NOT EXISTS tickstock_settings (
    key         text PRIMARY KEY,
    value       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS symbols (
    symbol                      varchar(20) PRIMARY KEY,
    name                        varchar(200),
    exchange                    varchar(20),
    market                      varchar(20) NOT NULL DEFAULT 'stocks',   -- stocks, options, crypto, fx, indices, otc
    locale                      varchar(10),
    currency_name               varchar(10),
    currency_symbol             varchar(5),
    type                        varchar(20),
    active                      boolean NOT NULL DEFAULT true,
    cik                         varchar(20),
    composite_figi              varchar(50),
    share_class_figi            varchar(50),
    last_updated_utc            timestamptz,
    market_cap                  bigint,
    weighted_shares_outstanding bigint,
    calendar                    varchar(20),          -- exchange calendar override (default: by market)
    last_updated                timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT symbols_symbol_not_blank CHECK (length(btrim(symbol)) > 0)
);

CREATE TABLE IF NOT EXISTS ticks (
    symbol                varchar(20) NOT NULL REFERENCES symbols (symbol),
    "timestamp"           timestamptz NOT NULL,
    price                 numeric     NOT NULL,
    volume                bigint      NOT NULL,
    exchange              smallint    NOT NULL DEFAULT 0,
    trade_id              varchar(64) NOT NULL,
    sequence_number       bigint,
    conditions            smallint[],
    correction            smallint    NOT NULL DEFAULT 0,
    tape                  smallint,
    participant_timestamp timestamptz,
    CONSTRAINT ticks_pkey PRIMARY KEY (symbol, "timestamp", exchange, trade_id),
    CONSTRAINT ticks_price_positive CHECK (price > 0),
    CONSTRAINT ticks_volume_nonnegative CHECK (volume >= 0)
);
-- The primary key's (symbol, "timestamp", ...) order serves range queries in both directions,
-- so the seed's separate (symbol, timestamp DESC) index would only slow ingest.

CREATE TABLE IF NOT EXISTS ohlcv_1min (
    symbol       varchar(20) NOT NULL REFERENCES symbols (symbol),
    "timestamp"  timestamptz NOT NULL,
    open         numeric NOT NULL,
    high         numeric NOT NULL,
    low          numeric NOT NULL,
    close        numeric NOT NULL,
    volume       bigint  NOT NULL,
    vwap         numeric,
    trade_count  integer,
    source       varchar(10) NOT NULL DEFAULT 'ticks',   -- ticks (built here) or vendor (loaded)
    built_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ohlcv_1min_pkey PRIMARY KEY (symbol, "timestamp"),
    CONSTRAINT ohlcv_1min_range CHECK (low > 0 AND low <= high AND open BETWEEN low AND high
                                       AND close BETWEEN low AND high AND volume >= 0)
);

CREATE TABLE IF NOT EXISTS ohlcv_daily (
    symbol       varchar(20) NOT NULL REFERENCES symbols (symbol),
    date         date    NOT NULL,                       -- the exchange's session date
    open         numeric NOT NULL,
    high         numeric NOT NULL,
    low          numeric NOT NULL,
    close        numeric NOT NULL,
    volume       bigint  NOT NULL,
    vwap         numeric,
    trade_count  integer,
    source       varchar(10) NOT NULL DEFAULT 'minutes', -- minutes (built here) or vendor (loaded)
    built_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ohlcv_daily_pkey PRIMARY KEY (symbol, date),
    CONSTRAINT ohlcv_daily_range CHECK (low > 0 AND low <= high AND open BETWEEN low AND high
                                        AND close BETWEEN low AND high AND volume >= 0)
);

CREATE TABLE IF NOT EXISTS events (
    symbol       varchar(20) NOT NULL REFERENCES symbols (symbol),
    "timestamp"  timestamptz NOT NULL,
    pattern      varchar(50) NOT NULL,
    timeframe    varchar(10) NOT NULL DEFAULT '1d',
    direction    varchar(10) NOT NULL DEFAULT 'neutral',
    price        numeric,
    details      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_pkey PRIMARY KEY (symbol, "timestamp", pattern, timeframe),
    CONSTRAINT events_direction CHECK (direction IN ('long', 'short', 'bullish', 'bearish', 'neutral'))
);
CREATE INDEX IF NOT EXISTS events_pattern_time ON events (pattern, timeframe, "timestamp");
CREATE INDEX IF NOT EXISTS events_time ON events ("timestamp");

-- Rows an input could not load, with where they came from and why (never silently dropped).
CREATE TABLE IF NOT EXISTS quarantine (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target      varchar(30) NOT NULL,          -- table the row was meant for
    source      text        NOT NULL,          -- file name, or 'DataFrame'
    source_key  text        NOT NULL,          -- content digest of the source (re-loads add nothing)
    line        bigint,                        -- 1-based line in the file (header is line 1) or row number
    reason      text        NOT NULL,
    raw         jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT quarantine_once UNIQUE (target, source_key, line, reason)
);
CREATE INDEX IF NOT EXISTS quarantine_source ON quarantine (source, created_at);
