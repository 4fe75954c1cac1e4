WITH grantees AS (
  SELECT DISTINCT
    account_id
  FROM reward_grants
  WHERE
    campaign_id = :campaign_id AND granted_ts BETWEEN :start_ts AND :end_ts
), sources AS (
  SELECT
    account_id,
    'deposit_address' AS source_type,
    link_value AS source
  FROM identity_links
  WHERE
    link_type = 'deposit_source_address'
  UNION
  SELECT
    account_id,
    'internal_account' AS source_type,
    counterparty_account_id AS source
  FROM transfers
  WHERE
    kind = 'internal_in' AND NOT counterparty_account_id IS NULL AND ts <= :end_ts
), grantee_sources AS (
  SELECT
    s.account_id AS account_id,
    s.source_type AS source_type,
    s.source AS source
  FROM sources AS s
  JOIN grantees AS g
    ON g.account_id = s.account_id
), common AS (
  SELECT
    source_type,
    source,
    COUNT(DISTINCT account_id) AS accounts
  FROM grantee_sources
  GROUP BY
    source_type,
    source
  HAVING
    COUNT(DISTINCT account_id) >= CAST(:common_source_min_accounts AS BIGINT)
)
SELECT
  gs.account_id AS account_id,
  IF(
    SIZE(COLLECT_SET(c.source_type || ':' || c.source)) = 0,
    NULL,
    ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(c.source_type || ':' || c.source)), ',')
  ) AS sources,
  MAX(c.accounts) AS max_accounts_on_source
FROM grantee_sources AS gs
JOIN common AS c
  ON c.source_type = gs.source_type AND c.source = gs.source
GROUP BY
  gs.account_id
ORDER BY
  gs.account_id NULLS LAST
