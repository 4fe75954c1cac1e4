WITH own AS (
  SELECT
    b.account_id AS account_id
  FROM accounts AS a
  JOIN accounts AS b
    ON b.user_id = a.user_id
    OR b.parent_account_id = a.account_id
    OR a.parent_account_id = b.account_id
  WHERE
    a.account_id = :account_id
), sides AS (
  SELECT
    asset,
    'bought_from' AS side,
    seller_account_id AS counterparty_id,
    crypto_amount
  FROM p2p_orders
  WHERE
    buyer_account_id = :account_id
    AND NOT released_ts IS NULL
    AND created_ts BETWEEN :start_ts AND :end_ts
  UNION ALL
  SELECT
    asset,
    'sold_to' AS side,
    buyer_account_id AS counterparty_id,
    crypto_amount
  FROM p2p_orders
  WHERE
    seller_account_id = :account_id
    AND NOT released_ts IS NULL
    AND created_ts BETWEEN :start_ts AND :end_ts
)
SELECT
  asset,
  COUNT(DISTINCT counterparty_id) FILTER(WHERE
    side = 'bought_from') AS distinct_sellers,
  COUNT(DISTINCT counterparty_id) FILTER(WHERE
    side = 'sold_to') AS distinct_buyers,
  COALESCE(SUM(crypto_amount) FILTER(WHERE
    side = 'bought_from'), 0) AS crypto_bought,
  COALESCE(SUM(crypto_amount) FILTER(WHERE
    side = 'sold_to'), 0) AS crypto_sold
FROM sides
WHERE
  NOT counterparty_id IN (
    SELECT
      account_id
    FROM own
  )
GROUP BY
  asset
ORDER BY
  distinct_sellers DESC,
  asset NULLS LAST
