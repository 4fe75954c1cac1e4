WITH outs AS (
  SELECT coalesce(chain, '') AS chain, coalesce(address, '') AS address, amount_usd, kyt_risk, ts
  FROM transfers
  WHERE account_id = $account_id
    AND kind = 'withdrawal'
    AND ts BETWEEN $start_ts AND $end_ts
),
known AS (
  SELECT link_value AS address, min(first_seen) AS known_since
  FROM identity_links
  WHERE account_id = $account_id AND link_type = 'payout_address'
  GROUP BY link_value
),
others AS (
  SELECT address, count(DISTINCT account_id) AS other_accounts
  FROM (
    SELECT address, account_id FROM transfers
    WHERE kind = 'withdrawal' AND address IS NOT NULL AND account_id <> $account_id
    UNION
    SELECT link_value AS address, account_id FROM identity_links
    WHERE link_type IN ('payout_address', 'deposit_source_address') AND account_id <> $account_id
  ) AS used
  GROUP BY address
)
SELECT o.chain AS chain,
       o.address AS address,
       count(*) AS withdrawals,
       coalesce(sum(o.amount_usd), 0) AS amount_usd,
       count(*) FILTER (WHERE o.kyt_risk IN ('high', 'severe')) AS high_risk_withdrawals,
       coalesce(string_agg(DISTINCT o.kyt_risk, ',' ORDER BY o.kyt_risk), '') AS kyt_risks,
       min(o.ts) AS first_withdrawal_ts,
       max(o.ts) AS last_withdrawal_ts,
       min(k.known_since) AS address_known_since,
       coalesce(max(x.other_accounts), 0) AS other_accounts
FROM outs AS o
LEFT JOIN known AS k ON k.address = o.address
LEFT JOIN others AS x ON x.address = o.address
GROUP BY o.chain, o.address
ORDER BY amount_usd DESC, o.address
