WITH anchor AS (
  SELECT created_ts AS order_ts
  FROM p2p_orders
  WHERE p2p_order_id = $p2p_order_id
),
bought AS (
  SELECT o.p2p_order_id AS p2p_order_id, o.asset AS asset,
         coalesce(o.crypto_amount, 0) AS crypto_amount, o.released_ts AS released_ts
  FROM p2p_orders AS o
  CROSS JOIN anchor AS n
  WHERE o.buyer_account_id = $buyer_id
    AND o.released_ts IS NOT NULL
    AND o.created_ts BETWEEN n.order_ts - to_days(CAST($history_lookback_days AS BIGINT)) AND n.order_ts
),
per_order AS (
  SELECT b.p2p_order_id AS p2p_order_id, b.asset AS asset, b.crypto_amount AS crypto_amount,
         least(b.crypto_amount, coalesce(sum(t.amount), 0)) AS withdrawn_fast,
         count(t.transfer_id) FILTER (WHERE t.kyt_risk IN ('high', 'severe')) AS high_risk_withdrawals
  FROM bought AS b
  LEFT JOIN transfers AS t
    ON t.account_id = $buyer_id
   AND t.kind = 'withdrawal'
   AND t.asset = b.asset
   AND t.ts BETWEEN b.released_ts AND b.released_ts + to_minutes(CAST($fast_withdrawal_window_minutes AS BIGINT))
  GROUP BY b.p2p_order_id, b.asset, b.crypto_amount
)
SELECT asset AS asset,
       count(*) AS released_buy_orders,
       sum(crypto_amount) AS crypto_bought,
       sum(withdrawn_fast) AS crypto_withdrawn_fast,
       coalesce(sum(withdrawn_fast) / nullif(sum(crypto_amount), 0), 0) AS fast_withdrawal_share,
       sum(high_risk_withdrawals) AS high_risk_withdrawals
FROM per_order
GROUP BY asset
ORDER BY crypto_bought DESC, asset
