-- Corporate actions: staging-free upserts (small tables) and reads.
-- Bind parameters: :name (SQLAlchemy text()).

-- name: upsert_split
INSERT INTO splits (symbol, execution_date, split_from, split_to)
VALUES (:symbol, :execution_date, :split_from, :split_to)
ON CONFLICT (symbol, execution_date) DO UPDATE
SET split_from = EXCLUDED.split_from, split_to = EXCLUDED.split_to, loaded_at = now()
WHERE (splits.split_from, splits.split_to) IS DISTINCT FROM (EXCLUDED.split_from, EXCLUDED.split_to);

-- name: upsert_dividend
INSERT INTO dividends (symbol, ex_dividend_date, cash_amount, currency, dividend_type, pay_date,
                       declaration_date, record_date, frequency)
VALUES (:symbol, :ex_dividend_date, :cash_amount, :currency, :dividend_type, :pay_date,
        :declaration_date, :record_date, :frequency)
ON CONFLICT (symbol, ex_dividend_date, dividend_type) DO UPDATE
SET cash_amount = EXCLUDED.cash_amount, currency = EXCLUDED.currency, pay_date = EXCLUDED.pay_date,
    declaration_date = EXCLUDED.declaration_date, record_date = EXCLUDED.record_date,
    frequency = EXCLUDED.frequency, loaded_at = now()
WHERE (dividends.cash_amount, dividends.currency, dividends.pay_date, dividends.declaration_date,
       dividends.record_date, dividends.frequency)
      IS DISTINCT FROM
      (EXCLUDED.cash_amount, EXCLUDED.currency, EXCLUDED.pay_date, EXCLUDED.declaration_date,
       EXCLUDED.record_date, EXCLUDED.frequency);

-- name: register_symbol
INSERT INTO symbols (symbol) VALUES (:symbol) ON CONFLICT (symbol) DO NOTHING;

-- name: known_symbols
SELECT symbol FROM symbols WHERE symbol = ANY(CAST(:symbols AS text[]));

-- name: quarantine_row
INSERT INTO quarantine (target, source, source_key, line, reason, raw)
VALUES (:target, :source, :source_key, :line, :reason, CAST(:raw AS jsonb))
ON CONFLICT (target, source_key, line, reason) DO NOTHING;

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

-- name: count_splits
SELECT count(*) FROM splits;

-- name: count_dividends
SELECT count(*) FROM dividends;
