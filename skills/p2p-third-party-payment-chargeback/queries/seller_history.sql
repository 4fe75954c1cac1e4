WITH anchor AS (
  SELECT created_ts AS order_ts FROM p2p_orders WHERE p2p_order_id = $p2p_order_id
),
sold AS (
  SELECT o.p2p_order_id AS p2p_order_id, o.buyer_account_id AS buyer_account_id
  FROM p2p_orders AS o CROSS JOIN anchor AS n
  WHERE o.seller_account_id = $seller_id
    AND o.released_ts IS NOT NULL
    AND o.created_ts BETWEEN n.order_ts - to_days(CAST($history_lookback_days AS BIGINT)) AND n.order_ts
    AND o.p2p_order_id <> $p2p_order_id
),
appealed AS (
  SELECT DISTINCT s.p2p_order_id AS p2p_order_id, s.buyer_account_id AS buyer_account_id
  FROM sold AS s
  JOIN p2p_appeals AS a ON a.p2p_order_id = s.p2p_order_id
  WHERE a.opened_by = $seller_id
    AND a.reason IN ('chargeback', 'payment_reversed', 'bank_freeze', 'police_report', 'third_party_payment')
)
SELECT (SELECT count(*) FROM sold) AS released_sales,
       (SELECT count(*) FROM appealed) AS reversal_appeals,
       (SELECT count(DISTINCT buyer_account_id) FROM appealed) AS appealed_buyers,
       coalesce((SELECT count(*) FROM appealed) / nullif((SELECT count(*) FROM sold), 0), 0.0) AS appeal_share
