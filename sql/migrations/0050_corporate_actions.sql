-- Corporate actions. Stored bars and ticks stay raw (as traded); adjustment happens on read.
-- Bind parameters: none.
CREATE TABLE IF NOT EXISTS splits (
    symbol          varchar(20) NOT NULL REFERENCES symbols (symbol),
    execution_date  date        NOT NULL,            -- first session trading at the new price
    split_from      numeric     NOT NULL,
    split_to        numeric     NOT NULL,             -- 4-for-1: from 1, to 4; 1-for-10: from 10, to 1
    loaded_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT splits_pkey PRIMARY KEY (symbol, execution_date),
    CONSTRAINT splits_ratio_positive CHECK (split_from > 0 AND split_to > 0)
);

CREATE TABLE IF NOT EXISTS dividends (
    symbol            varchar(20) NOT NULL REFERENCES symbols (symbol),
    ex_dividend_date  date        NOT NULL,
    cash_amount       numeric     NOT NULL,
    currency          varchar(10),
    dividend_type     varchar(10) NOT NULL DEFAULT 'CD',   -- CD regular cash, SC special cash, LT, ST
    pay_date          date,
    declaration_date  date,
    record_date       date,
    frequency         integer,
    loaded_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dividends_pkey PRIMARY KEY (symbol, ex_dividend_date, dividend_type),
    CONSTRAINT dividends_amount_nonnegative CHECK (cash_amount >= 0)
);
