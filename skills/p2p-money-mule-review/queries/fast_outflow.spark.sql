WITH buys AS (
  SELECT
    p2p_order_id,
    seller_account_id,
    asset,
    COALESCE(crypto_amount, 0) AS crypto_amount,
    released_ts
  FROM p2p_orders
  WHERE
    buyer_account_id = :account_id
    AND NOT released_ts IS NULL
    AND released_ts BETWEEN :start_ts AND :end_ts
), outs AS (
  SELECT
    transfer_id,
    asset,
    ts,
    amount,
    COALESCE(address, 'internal:' || counterparty_account_id) AS address
  FROM transfers
  WHERE
    account_id = :account_id
    AND kind IN ('withdrawal', 'internal_out')
    AND ts BETWEEN :start_ts AND :end_ts + (
      CAST(:fast_withdrawal_window_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
), by_order AS (
  SELECT
    b.asset,
    b.p2p_order_id,
    b.seller_account_id,
    b.crypto_amount,
    LEAST(b.crypto_amount, COALESCE(SUM(w.amount), 0)) AS matched,
    MIN(
      TIMESTAMPDIFF(MINUTE, DATE_TRUNC('MINUTE', b.released_ts), DATE_TRUNC('MINUTE', w.ts))
    ) AS minutes_to_first_withdrawal
  FROM buys AS b
  LEFT JOIN outs AS w
    ON w.asset = b.asset
    AND w.ts BETWEEN b.released_ts AND b.released_ts + (
      CAST(:fast_withdrawal_window_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
  GROUP BY
    b.asset,
    b.p2p_order_id,
    b.seller_account_id,
    b.crypto_amount
), by_withdrawal AS (
  SELECT
    w.asset,
    w.transfer_id,
    w.address,
    LEAST(w.amount, SUM(b.crypto_amount)) AS matched
  FROM outs AS w
  JOIN buys AS b
    ON b.asset = w.asset
    AND w.ts BETWEEN b.released_ts AND b.released_ts + (
      CAST(:fast_withdrawal_window_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
  GROUP BY
    w.asset,
    w.transfer_id,
    w.address,
    w.amount
), withdrawal_totals AS (
  SELECT
    asset,
    SUM(matched) AS matched,
    COUNT(DISTINCT address) AS addresses
  FROM by_withdrawal
  GROUP BY
    asset
), order_totals AS (
  SELECT
    asset,
    COUNT(*) AS released_buy_orders,
    COUNT(DISTINCT seller_account_id) AS distinct_sellers,
    SUM(crypto_amount) AS crypto_bought,
    SUM(matched) AS matched,
    COUNT(*) FILTER(WHERE
      matched > 0) AS orders_followed_by_withdrawal,
    MEDIAN(minutes_to_first_withdrawal) AS median_minutes_to_withdrawal
  FROM by_order
  GROUP BY
    asset
)
SELECT
  o.asset AS asset,
  o.released_buy_orders AS released_buy_orders,
  o.distinct_sellers AS distinct_sellers,
  o.crypto_bought AS crypto_bought,
  LEAST(o.matched, COALESCE(w.matched, 0)) AS crypto_withdrawn_fast,
  COALESCE(
    TRY_DIVIDE(LEAST(o.matched, COALESCE(w.matched, 0)), NULLIF(o.crypto_bought, 0)),
    0.0
  ) AS fast_withdrawal_share,
  o.orders_followed_by_withdrawal AS orders_followed_by_withdrawal,
  o.median_minutes_to_withdrawal AS median_minutes_to_withdrawal,
  COALESCE(w.addresses, 0) AS fast_withdrawal_addresses
FROM order_totals AS o
LEFT JOIN withdrawal_totals AS w
  ON w.asset = o.asset
ORDER BY
  o.crypto_bought DESC,
  o.asset NULLS LAST
