WITH pair AS (
  SELECT
    base_asset
  FROM instruments
  WHERE
    symbol = :symbol
), deposits AS (
  SELECT
    t.account_id AS account_id,
    SUM(t.amount) AS deposited,
    MIN(t.ts) AS first_deposit_ts
  FROM transfers AS t
  JOIN pair AS p
    ON t.asset = p.base_asset
  WHERE
    t.kind = 'deposit'
    AND t.ts >= :spike_start_ts - INTERVAL '7' DAY
    AND t.ts < :spike_start_ts
  GROUP BY
    t.account_id
), sold AS (
  SELECT
    CASE WHEN taker_side = 'sell' THEN taker_account_id ELSE maker_account_id END AS account_id,
    SUM(qty) AS sold_qty,
    SUM(notional_usd) AS sold_usd
  FROM trades
  WHERE
    symbol = :symbol
    AND ts >= :spike_start_ts
    AND ts < :spike_start_ts + (
      CAST(:sell_window_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
  GROUP BY
    1
)
SELECT
  d.account_id AS account_id,
  d.deposited AS deposited,
  d.first_deposit_ts AS first_deposit_ts,
  s.sold_qty AS sold_qty,
  s.sold_usd AS sold_usd
FROM deposits AS d
JOIN sold AS s
  ON s.account_id = d.account_id
ORDER BY
  s.sold_usd DESC,
  d.account_id NULLS LAST
LIMIT 50
