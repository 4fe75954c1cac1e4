WITH anchor AS (
  SELECT
    created_ts AS order_ts
  FROM p2p_orders
  WHERE
    p2p_order_id = :p2p_order_id
), history AS (
  SELECT
    o.p2p_order_id AS p2p_order_id,
    o.payer_name_matches_kyc AS payer_name_matches_kyc,
    o.payer_account_hash AS payer_account_hash,
    CASE
      WHEN o.buyer_account_id = :buyer_id
      THEN o.seller_account_id
      ELSE o.buyer_account_id
    END AS counterparty_id,
    o.buyer_account_id = :buyer_id AS as_buyer
  FROM p2p_orders AS o
  CROSS JOIN anchor AS n
  WHERE
    (
      o.buyer_account_id = :buyer_id OR o.seller_account_id = :buyer_id
    )
    AND o.created_ts BETWEEN n.order_ts - (
      CAST(:history_lookback_days AS BIGINT)
    ) * INTERVAL '1' DAY AND n.order_ts
)
SELECT
  a.account_id AS buyer_account_id,
  a.kyc_level AS kyc_level,
  a.country AS country,
  TIMESTAMPDIFF(DAY, DATE_TRUNC('DAY', a.created_at), DATE_TRUNC('DAY', n.order_ts)) AS account_age_days,
  (
    SELECT
      COUNT(*)
    FROM history
  ) AS p2p_orders_lookback,
  (
    SELECT
      COUNT(DISTINCT counterparty_id)
    FROM history
  ) AS distinct_counterparties,
  (
    SELECT
      COUNT(DISTINCT payer_account_hash)
    FROM history
    WHERE
      as_buyer
  ) AS distinct_payer_accounts,
  (
    SELECT
      COUNT(*)
    FROM history
    WHERE
      as_buyer AND payer_name_matches_kyc = FALSE
  ) AS payer_mismatch_orders,
  (
    SELECT
      COUNT(*)
    FROM p2p_appeals AS ap
    JOIN history AS h
      ON h.p2p_order_id = ap.p2p_order_id
    WHERE
      h.as_buyer
      AND h.p2p_order_id <> :p2p_order_id
      AND ap.reason IN (
        'chargeback',
        'payment_reversed',
        'third_party_payment',
        'fake_receipt',
        'bank_freeze',
        'police_report'
      )
  ) AS prior_risk_appeals,
  (
    SELECT
      COUNT(*)
    FROM security_events AS s
    WHERE
      s.account_id = :buyer_id
      AND s.event_type IN ('password_reset', '2fa_reset', 'api_key_create', 'withdraw_addr_add')
      AND s.ts BETWEEN n.order_ts - (
        CAST(:security_change_lookback_hours AS BIGINT)
      ) * INTERVAL '1' HOUR AND n.order_ts
  ) AS recent_security_changes
FROM accounts AS a
CROSS JOIN anchor AS n
WHERE
  a.account_id = :buyer_id
