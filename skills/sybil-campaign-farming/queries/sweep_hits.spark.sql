WITH grantees AS (
  SELECT DISTINCT
    account_id
  FROM reward_grants
  WHERE
    campaign_id = :campaign_id AND granted_ts BETWEEN :start_ts AND :end_ts
), outflows AS (
  SELECT
    t.account_id AS account_id,
    CASE WHEN t.kind = 'withdrawal' THEN 'address' ELSE 'internal_account' END AS destination_type,
    CASE WHEN t.kind = 'withdrawal' THEN t.address ELSE t.counterparty_account_id END AS destination,
    COALESCE(t.amount_usd, 0) AS amount_usd
  FROM transfers AS t
  JOIN grantees AS g
    ON g.account_id = t.account_id
  WHERE
    t.kind IN ('withdrawal', 'internal_out') AND t.ts >= :start_ts
), common AS (
  SELECT
    destination_type,
    destination,
    COUNT(DISTINCT account_id) AS accounts
  FROM outflows
  WHERE
    NOT destination IS NULL
  GROUP BY
    destination_type,
    destination
  HAVING
    COUNT(DISTINCT account_id) >= CAST(:common_sweep_min_accounts AS BIGINT)
)
SELECT
  o.account_id AS account_id,
  IF(
    SIZE(COLLECT_SET(o.destination_type || ':' || o.destination)) = 0,
    NULL,
    ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(o.destination_type || ':' || o.destination)), ',')
  ) AS destinations,
  MAX(c.accounts) AS max_accounts_on_destination,
  SUM(o.amount_usd) AS swept_usd
FROM outflows AS o
JOIN common AS c
  ON c.destination_type = o.destination_type AND c.destination = o.destination
GROUP BY
  o.account_id
ORDER BY
  o.account_id NULLS LAST
