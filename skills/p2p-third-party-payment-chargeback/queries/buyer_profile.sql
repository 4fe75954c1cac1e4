WITH anchor AS (
  SELECT created_ts AS order_ts
  FROM p2p_orders
  WHERE p2p_order_id = $p2p_order_id
),
history AS (
  SELECT o.p2p_order_id AS p2p_order_id,
         o.payer_name_matches_kyc AS payer_name_matches_kyc,
         o.payer_account_hash AS payer_account_hash,
         CASE WHEN o.buyer_account_id = $buyer_id THEN o.seller_account_id ELSE o.buyer_account_id END AS counterparty_id,
         o.buyer_account_id = $buyer_id AS as_buyer
  FROM p2p_orders AS o
  CROSS JOIN anchor AS n
  WHERE (o.buyer_account_id = $buyer_id OR o.seller_account_id = $buyer_id)
    AND o.created_ts BETWEEN n.order_ts - to_days(CAST($history_lookback_days AS BIGINT)) AND n.order_ts
)
SELECT a.account_id AS buyer_account_id,
       a.kyc_level AS kyc_level,
       a.country AS country,
       date_diff('day', a.created_at, n.order_ts) AS account_age_days,
       (SELECT count(*) FROM history) AS p2p_orders_lookback,
       (SELECT count(DISTINCT counterparty_id) FROM history) AS distinct_counterparties,
       (SELECT count(DISTINCT payer_account_hash) FROM history WHERE as_buyer) AS distinct_payer_accounts,
       (SELECT count(*) FROM history WHERE as_buyer AND payer_name_matches_kyc = false) AS payer_mismatch_orders,
       (SELECT count(*)
          FROM p2p_appeals AS ap
          JOIN history AS h ON h.p2p_order_id = ap.p2p_order_id
         WHERE h.as_buyer
           AND h.p2p_order_id <> $p2p_order_id
           AND ap.reason IN ('chargeback', 'payment_reversed', 'third_party_payment', 'fake_receipt', 'bank_freeze', 'police_report')
       ) AS prior_risk_appeals,
       (SELECT count(*)
          FROM security_events AS s
         WHERE s.account_id = $buyer_id
           AND s.event_type IN ('password_reset', '2fa_reset', 'api_key_create', 'withdraw_addr_add')
           AND s.ts BETWEEN n.order_ts - to_hours(CAST($security_change_lookback_hours AS BIGINT)) AND n.order_ts
       ) AS recent_security_changes
FROM accounts AS a
CROSS JOIN anchor AS n
WHERE a.account_id = $buyer_id
