WITH buys AS (
  SELECT
    buyer_account_id AS account_id,
    seller_account_id,
    asset,
    COALESCE(crypto_amount, 0) AS crypto_amount,
    released_ts
  FROM p2p_orders
  WHERE
    ARRAY_CONTAINS(:group_ids, buyer_account_id)
    AND NOT released_ts IS NULL
    AND released_ts BETWEEN :start_ts AND :end_ts
), per_order AS (
  SELECT
    b.account_id,
    b.seller_account_id,
    b.asset,
    b.crypto_amount,
    LEAST(b.crypto_amount, COALESCE(SUM(w.amount), 0)) AS matched
  FROM buys AS b
  LEFT JOIN transfers AS w
    ON w.account_id = b.account_id
    AND w.kind IN ('withdrawal', 'internal_out')
    AND w.asset = b.asset
    AND w.ts BETWEEN b.released_ts AND b.released_ts + (
      CAST(:fast_withdrawal_window_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
  GROUP BY
    b.account_id,
    b.seller_account_id,
    b.asset,
    b.crypto_amount,
    b.released_ts
)
SELECT
  asset,
  COUNT(DISTINCT account_id) AS group_accounts,
  COUNT(DISTINCT seller_account_id) FILTER(WHERE
    NOT ARRAY_CONTAINS(:group_ids, seller_account_id)) AS distinct_sellers,
  SUM(crypto_amount) AS crypto_bought,
  COALESCE(TRY_DIVIDE(SUM(matched), NULLIF(SUM(crypto_amount), 0)), 0) AS fast_withdrawal_share
FROM per_order
GROUP BY
  asset
ORDER BY
  crypto_bought DESC,
  asset NULLS LAST
