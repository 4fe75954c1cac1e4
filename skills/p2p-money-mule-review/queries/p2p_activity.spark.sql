WITH window_orders AS (
  SELECT
    p2p_order_id,
    buyer_account_id = :account_id AS as_buyer,
    CASE
      WHEN buyer_account_id = :account_id
      THEN seller_account_id
      ELSE buyer_account_id
    END AS counterparty_id,
    released_ts,
    payer_name_matches_kyc,
    payer_account_hash
  FROM p2p_orders
  WHERE
    (
      buyer_account_id = :account_id OR seller_account_id = :account_id
    )
    AND created_ts BETWEEN :start_ts AND :end_ts
), appeals AS (
  SELECT
    COUNT(*) AS risk_appeals
  FROM p2p_appeals AS a
  JOIN window_orders AS w
    ON w.p2p_order_id = a.p2p_order_id
  WHERE
    w.as_buyer
    AND a.reason IN (
      'chargeback',
      'payment_reversed',
      'third_party_payment',
      'fake_receipt',
      'bank_freeze',
      'police_report'
    )
)
SELECT
  COUNT(*) AS orders_total,
  COUNT(*) FILTER(WHERE
    as_buyer) AS buy_orders,
  COUNT(*) FILTER(WHERE
    NOT as_buyer) AS sell_orders,
  COUNT(*) FILTER(WHERE
    as_buyer AND NOT released_ts IS NULL) AS released_buy_orders,
  COUNT(DISTINCT counterparty_id) AS distinct_counterparties,
  COUNT(DISTINCT payer_account_hash) FILTER(WHERE
    as_buyer) AS distinct_payer_accounts,
  COUNT(*) FILTER(WHERE
    as_buyer AND payer_name_matches_kyc = FALSE) AS payer_mismatch_orders,
  COALESCE(
    TRY_DIVIDE(
      CAST(COUNT(*) FILTER(WHERE
        as_buyer AND payer_name_matches_kyc = FALSE) AS DOUBLE),
      NULLIF(COUNT(*) FILTER(WHERE
        as_buyer AND NOT payer_name_matches_kyc IS NULL), 0)
    ),
    0.0
  ) AS payer_mismatch_share,
  (
    SELECT
      risk_appeals
    FROM appeals
  ) AS risk_appeals
FROM window_orders
