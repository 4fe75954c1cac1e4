SELECT
  COUNT(DISTINCT account_id) AS grantees,
  COUNT(*) AS grants,
  COALESCE(SUM(amount_usd), 0) AS reward_usd,
  MIN(granted_ts) AS first_grant_ts,
  MAX(granted_ts) AS last_grant_ts
FROM reward_grants
WHERE
  campaign_id = :campaign_id AND granted_ts BETWEEN :start_ts AND :end_ts
