WITH campaign AS (
  SELECT account_id, amount_usd
  FROM reward_grants
  WHERE campaign_id = $campaign_id
    AND granted_ts BETWEEN $start_ts AND $end_ts
),
member_transfers AS (
  SELECT kind, amount_usd, kyt_risk, ts
  FROM transfers
  WHERE list_contains($member_ids, account_id)
)
SELECT CAST($families AS BIGINT) AS signal_families,
       len(list_distinct($member_ids)) AS accounts,
       len(list_distinct($identity_ids)) AS identity_shared_accounts,
       (SELECT coalesce(sum(amount_usd), 0) FROM campaign WHERE list_contains($member_ids, account_id)) AS reward_usd,
       (SELECT coalesce(sum(amount_usd) FILTER (WHERE list_contains($member_ids, account_id)) / nullif(sum(amount_usd), 0), 0)
          FROM campaign) AS reward_share,
       (SELECT coalesce(sum(amount_usd), 0) FROM member_transfers WHERE kind = 'withdrawal' AND ts >= $start_ts) AS withdrawn_onchain_usd,
       (SELECT count(*) FROM member_transfers WHERE kyt_risk IN ('high', 'severe')) AS high_risk_transfers
