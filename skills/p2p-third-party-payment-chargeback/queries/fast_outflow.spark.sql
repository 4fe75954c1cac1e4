WITH anchor AS (
  SELECT
    created_ts AS order_ts
  FROM p2p_orders
  WHERE
    p2p_order_id = :p2p_order_id
), bought AS (
  SELECT
    o.p2p_order_id AS p2p_order_id,
    o.asset AS asset,
    COALESCE(o.crypto_amount, 0) AS crypto_amount,
    o.released_ts AS released_ts
  FROM p2p_orders AS o
  CROSS JOIN anchor AS n
  WHERE
    o.buyer_account_id = :buyer_id
    AND NOT o.released_ts IS NULL
    AND o.created_ts BETWEEN n.order_ts - (
      CAST(:history_lookback_days AS BIGINT)
    ) * INTERVAL '1' DAY AND n.order_ts
), per_order AS (
  SELECT
    b.p2p_order_id AS p2p_order_id,
    b.asset AS asset,
    b.crypto_amount AS crypto_amount,
    LEAST(b.crypto_amount, COALESCE(SUM(t.amount), 0)) AS withdrawn_fast,
    COUNT(t.transfer_id) FILTER(WHERE
      t.kyt_risk IN ('high', 'severe')) AS high_risk_withdrawals
  FROM bought AS b
  LEFT JOIN transfers AS t
    ON t.account_id = :buyer_id
    AND t.kind = 'withdrawal'
    AND t.asset = b.asset
    AND t.ts BETWEEN b.released_ts AND b.released_ts + (
      CAST(:fast_withdrawal_window_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
  GROUP BY
    b.p2p_order_id,
    b.asset,
    b.crypto_amount
)
SELECT
  asset AS asset,
  COUNT(*) AS released_buy_orders,
  SUM(crypto_amount) AS crypto_bought,
  SUM(withdrawn_fast) AS crypto_withdrawn_fast,
  COALESCE(TRY_DIVIDE(SUM(withdrawn_fast), NULLIF(SUM(crypto_amount), 0)), 0) AS fast_withdrawal_share,
  SUM(high_risk_withdrawals) AS high_risk_withdrawals
FROM per_order
GROUP BY
  asset
ORDER BY
  crypto_bought DESC,
  asset NULLS LAST
