WITH bought AS (
  SELECT
    asset,
    SUM(COALESCE(crypto_amount, 0)) AS crypto_bought
  FROM p2p_orders
  WHERE
    buyer_account_id = :account_id
    AND NOT released_ts IS NULL
    AND released_ts BETWEEN :start_ts AND :end_ts
  GROUP BY
    asset
), withdrawn AS (
  SELECT
    asset,
    SUM(amount) AS withdrawn
  FROM transfers
  WHERE
    account_id = :account_id
    AND kind IN ('withdrawal', 'internal_out')
    AND ts >= :start_ts
  GROUP BY
    asset
)
SELECT
  b.asset AS asset,
  b.crypto_bought AS crypto_bought,
  COALESCE(w.withdrawn, 0) AS withdrawn,
  GREATEST(b.crypto_bought - COALESCE(w.withdrawn, 0), 0) AS retained
FROM bought AS b
LEFT JOIN withdrawn AS w
  ON w.asset = b.asset
ORDER BY
  retained DESC,
  b.asset NULLS LAST
