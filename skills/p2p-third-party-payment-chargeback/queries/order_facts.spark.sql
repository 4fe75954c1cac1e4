SELECT
  o.p2p_order_id AS p2p_order_id,
  o.buyer_account_id AS buyer_account_id,
  o.seller_account_id AS seller_account_id,
  o.asset AS asset,
  o.crypto_amount AS crypto_amount,
  o.fiat_currency AS fiat_currency,
  o.fiat_amount AS fiat_amount,
  o.payment_method AS payment_method,
  o.status AS order_status,
  o.created_ts AS created_ts,
  o.released_ts AS released_ts,
  NOT o.released_ts IS NULL AS crypto_released,
  COALESCE(NOT o.payer_name_matches_kyc, FALSE) AS payer_name_mismatch,
  o.payer_name_matches_kyc IS NULL AS payer_name_unverified,
  COALESCE(o.payer_account_hash, '') AS payer_account_hash,
  LOWER(COALESCE(o.payment_method, '')) IN (
    'card',
    'credit_card',
    'debit_card',
    'paypal',
    'ach',
    'sepa_direct_debit',
    'venmo',
    'cash_app'
  ) AS reversible_rail,
  (
    SELECT
      COUNT(*)
    FROM p2p_appeals AS a
    WHERE
      a.p2p_order_id = o.p2p_order_id
      AND a.reason IN (
        'chargeback',
        'payment_reversed',
        'third_party_payment',
        'bank_freeze',
        'police_report'
      )
  ) AS risk_appeal_count,
  (
    SELECT
      COALESCE(
        IF(
          SIZE(COLLECT_SET(a.reason)) = 0,
          NULL,
          ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(a.reason)), ',')
        ),
        ''
      )
    FROM p2p_appeals AS a
    WHERE
      a.p2p_order_id = o.p2p_order_id
  ) AS appeal_reasons,
  (
    SELECT
      COUNT(*)
    FROM p2p_orders AS s
    WHERE
      s.seller_account_id = o.seller_account_id
      AND NOT s.released_ts IS NULL
      AND s.p2p_order_id <> o.p2p_order_id
      AND s.created_ts BETWEEN o.created_ts - (
        CAST(:history_lookback_days AS BIGINT)
      ) * INTERVAL '1' DAY AND o.created_ts
  ) AS seller_released_sales,
  (
    SELECT
      COUNT(DISTINCT s.p2p_order_id)
    FROM p2p_orders AS s
    JOIN p2p_appeals AS a
      ON a.p2p_order_id = s.p2p_order_id AND a.opened_by = s.seller_account_id
    WHERE
      s.seller_account_id = o.seller_account_id
      AND NOT s.released_ts IS NULL
      AND s.p2p_order_id <> o.p2p_order_id
      AND s.created_ts BETWEEN o.created_ts - (
        CAST(:history_lookback_days AS BIGINT)
      ) * INTERVAL '1' DAY AND o.created_ts
      AND a.reason IN (
        'chargeback',
        'payment_reversed',
        'bank_freeze',
        'police_report',
        'third_party_payment'
      )
  ) AS seller_reversal_appeals,
  (
    SELECT
      COUNT(DISTINCT s.buyer_account_id)
    FROM p2p_orders AS s
    JOIN p2p_appeals AS a
      ON a.p2p_order_id = s.p2p_order_id AND a.opened_by = s.seller_account_id
    WHERE
      s.seller_account_id = o.seller_account_id
      AND NOT s.released_ts IS NULL
      AND s.p2p_order_id <> o.p2p_order_id
      AND s.created_ts BETWEEN o.created_ts - (
        CAST(:history_lookback_days AS BIGINT)
      ) * INTERVAL '1' DAY AND o.created_ts
      AND a.reason IN (
        'chargeback',
        'payment_reversed',
        'bank_freeze',
        'police_report',
        'third_party_payment'
      )
  ) AS seller_appealed_buyers
FROM p2p_orders AS o
WHERE
  o.p2p_order_id = :p2p_order_id
