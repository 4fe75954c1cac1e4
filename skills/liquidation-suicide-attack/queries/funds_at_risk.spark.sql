WITH candidates AS (
  SELECT DISTINCT
    EXPLODE(:candidate_ids) AS account_id
), cash AS (
  SELECT
    t.account_id AS account_id,
    SUM(
      CASE
        WHEN t.kind IN ('deposit', 'internal_in')
        THEN COALESCE(t.amount_usd, 0)
        ELSE -COALESCE(t.amount_usd, 0)
      END
    ) AS net_transfers_usd
  FROM transfers AS t
  WHERE
    t.account_id IN (
      SELECT
        account_id
      FROM candidates
    )
  GROUP BY
    t.account_id
), legs AS (
  SELECT
    taker_account_id AS account_id,
    CASE WHEN taker_side = 'buy' THEN qty ELSE -qty END AS qty,
    CASE WHEN taker_side = 'buy' THEN -notional_usd ELSE notional_usd END AS cash_usd
  FROM trades
  WHERE
    symbol = :symbol AND ts >= :start_ts
  UNION ALL
  SELECT
    maker_account_id AS account_id,
    CASE WHEN taker_side = 'buy' THEN -qty ELSE qty END AS qty,
    CASE WHEN taker_side = 'buy' THEN notional_usd ELSE -notional_usd END AS cash_usd
  FROM trades
  WHERE
    symbol = :symbol AND ts >= :start_ts
), last_mark AS (
  SELECT
    COALESCE(
      (
        SELECT
          MAX_BY(mark_price, IF(mark_price IS NULL, NULL, ts))
        FROM market_bars_1m
        WHERE
          symbol = :symbol AND NOT mark_price IS NULL
      ),
      (
        SELECT
          MAX_BY(price, IF(price IS NULL, NULL, ts))
        FROM trades
        WHERE
          symbol = :symbol
      ),
      0
    ) AS mark
), pnl AS (
  SELECT
    l.account_id AS account_id,
    SUM(l.cash_usd) + SUM(l.qty) * MAX(m.mark) AS pnl_usd
  FROM legs AS l
  CROSS JOIN last_mark AS m
  WHERE
    l.account_id IN (
      SELECT
        account_id
      FROM candidates
    )
  GROUP BY
    l.account_id
)
SELECT
  c.account_id AS account_id,
  COALESCE(x.net_transfers_usd, 0) AS net_transfers_usd,
  COALESCE(p.pnl_usd, 0) AS contract_pnl_usd,
  GREATEST(COALESCE(x.net_transfers_usd, 0) + COALESCE(p.pnl_usd, 0), 0) AS at_risk_usd
FROM candidates AS c
LEFT JOIN cash AS x
  ON x.account_id = c.account_id
LEFT JOIN pnl AS p
  ON p.account_id = c.account_id
ORDER BY
  at_risk_usd DESC,
  account_id NULLS LAST
