SELECT count(DISTINCT account_id) AS grantees,
       count(*) AS grants,
       coalesce(sum(amount_usd), 0) AS reward_usd,
       min(granted_ts) AS first_grant_ts,
       max(granted_ts) AS last_grant_ts
FROM reward_grants
WHERE campaign_id = $campaign_id
  AND granted_ts BETWEEN $start_ts AND $end_ts
