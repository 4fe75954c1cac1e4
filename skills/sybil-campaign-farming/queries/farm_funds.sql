WITH farm AS (
  SELECT DISTINCT unnest($farm_ids) AS account_id
),
rewards AS (
  SELECT account_id,
         sum(amount_usd) AS all_rewards_usd,
         coalesce(sum(amount_usd) FILTER (WHERE campaign_id = $campaign_id
                                            AND granted_ts BETWEEN $start_ts AND $end_ts), 0) AS campaign_reward_usd
  FROM reward_grants
  WHERE account_id IN (SELECT account_id FROM farm)
  GROUP BY account_id
),
cash AS (
  SELECT account_id,
         sum(CASE WHEN kind IN ('deposit', 'internal_in') THEN coalesce(amount_usd, 0)
                  ELSE -coalesce(amount_usd, 0) END) AS net_transfers_usd
  FROM transfers
  WHERE account_id IN (SELECT account_id FROM farm)
  GROUP BY account_id
)
SELECT f.account_id AS account_id,
       coalesce(r.campaign_reward_usd, 0) AS campaign_reward_usd,
       coalesce(r.all_rewards_usd, 0) + coalesce(c.net_transfers_usd, 0) AS balance_now_usd,
       greatest(least(coalesce(r.all_rewards_usd, 0) + coalesce(c.net_transfers_usd, 0),
                      coalesce(r.campaign_reward_usd, 0)), 0) AS at_risk_usd
FROM farm AS f
LEFT JOIN rewards AS r ON r.account_id = f.account_id
LEFT JOIN cash AS c ON c.account_id = f.account_id
ORDER BY at_risk_usd DESC, account_id
