WITH buys AS (
  SELECT buyer_account_id AS account_id, seller_account_id, asset,
         coalesce(crypto_amount, 0) AS crypto_amount, released_ts
  FROM p2p_orders
  WHERE list_contains($group_ids, buyer_account_id)
    AND released_ts IS NOT NULL
    AND released_ts BETWEEN $start_ts AND $end_ts
),
per_order AS (
  SELECT b.account_id, b.seller_account_id, b.asset, b.crypto_amount,
         least(b.crypto_amount, coalesce(sum(w.amount), 0)) AS matched
  FROM buys AS b
  LEFT JOIN transfers AS w
    ON w.account_id = b.account_id AND w.kind IN ('withdrawal', 'internal_out') AND w.asset = b.asset
   AND w.ts BETWEEN b.released_ts AND b.released_ts + to_minutes(CAST($fast_withdrawal_window_minutes AS BIGINT))
  GROUP BY b.account_id, b.seller_account_id, b.asset, b.crypto_amount, b.released_ts
)
SELECT asset,
       count(DISTINCT account_id) AS group_accounts,
       count(DISTINCT seller_account_id) FILTER (WHERE NOT list_contains($group_ids, seller_account_id)) AS distinct_sellers,
       sum(crypto_amount) AS crypto_bought,
       coalesce(sum(matched) / nullif(sum(crypto_amount), 0), 0) AS fast_withdrawal_share
FROM per_order
GROUP BY asset
ORDER BY crypto_bought DESC, asset
