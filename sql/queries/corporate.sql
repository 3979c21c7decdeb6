-- Corporate actions: upserts of the record path (ingest/records.py) and the adjustment's reads.
-- Bind parameters: :name (SQLAlchemy text()).

-- name: upsert_splits
-- :rows is a JSON array of splits (one per key); returns one flag per row inserted or changed:
-- true for a new row, false for a changed one (an unchanged row returns nothing).
INSERT INTO splits AS t (symbol, execution_date, split_from, split_to)
SELECT r.symbol, r.execution_date, r.split_from, r.split_to
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(symbol text, execution_date date, split_from numeric,
                                                   split_to numeric)
ON CONFLICT (symbol, execution_date) DO UPDATE
SET split_from = EXCLUDED.split_from, split_to = EXCLUDED.split_to, loaded_at = now()
WHERE (t.split_from, t.split_to) IS DISTINCT FROM (EXCLUDED.split_from, EXCLUDED.split_to)
RETURNING (xmax = 0) AS inserted;

-- name: upsert_dividends
-- As upsert_splits, for cash dividends.
INSERT INTO dividends AS t (symbol, ex_dividend_date, cash_amount, currency, dividend_type, pay_date,
                            declaration_date, record_date, frequency)
SELECT r.symbol, r.ex_dividend_date, r.cash_amount, r.currency, r.dividend_type, r.pay_date,
       r.declaration_date, r.record_date, r.frequency
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(symbol text, ex_dividend_date date, cash_amount numeric,
                                                   currency text, dividend_type text, pay_date date,
                                                   declaration_date date, record_date date, frequency integer)
ON CONFLICT (symbol, ex_dividend_date, dividend_type) DO UPDATE
SET cash_amount = EXCLUDED.cash_amount, currency = EXCLUDED.currency, pay_date = EXCLUDED.pay_date,
    declaration_date = EXCLUDED.declaration_date, record_date = EXCLUDED.record_date,
    frequency = EXCLUDED.frequency, loaded_at = now()
WHERE (t.cash_amount, t.currency, t.pay_date, t.declaration_date, t.record_date, t.frequency)
      IS DISTINCT FROM
      (EXCLUDED.cash_amount, EXCLUDED.currency, EXCLUDED.pay_date, EXCLUDED.declaration_date,
       EXCLUDED.record_date, EXCLUDED.frequency)
RETURNING (xmax = 0) AS inserted;

-- name: splits_for
SELECT symbol, execution_date, split_from::float8 AS split_from, split_to::float8 AS split_to
FROM splits
WHERE symbol = ANY(CAST(:symbols AS text[])) AND execution_date <= :as_of
ORDER BY symbol, execution_date;

-- name: dividends_for
-- Each ex date's total cash and the last raw daily close strictly before it.
SELECT d.symbol, d.ex_dividend_date, d.cash_amount, p.close::float8 AS prev_close, p.date AS prev_date
FROM (SELECT symbol, ex_dividend_date, sum(cash_amount)::float8 AS cash_amount
      FROM dividends
      WHERE symbol = ANY(CAST(:symbols AS text[])) AND ex_dividend_date <= :as_of
      GROUP BY symbol, ex_dividend_date) d
LEFT JOIN LATERAL (
    SELECT o.close, o.date FROM ohlcv_daily o
    WHERE o.symbol = d.symbol AND o.date < d.ex_dividend_date
    ORDER BY o.date DESC LIMIT 1
) p ON true
ORDER BY d.symbol, d.ex_dividend_date;
