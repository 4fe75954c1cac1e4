WITH outs AS (
  SELECT
    COALESCE(chain, '') AS chain,
    COALESCE(address, '') AS address,
    amount_usd,
    kyt_risk,
    ts
  FROM transfers
  WHERE
    account_id = :account_id
    AND kind = 'withdrawal'
    AND ts BETWEEN :start_ts AND :end_ts
), known AS (
  SELECT
    link_value AS address,
    MIN(first_seen) AS known_since
  FROM identity_links
  WHERE
    account_id = :account_id AND link_type = 'payout_address'
  GROUP BY
    link_value
), others AS (
  SELECT
    address,
    COUNT(DISTINCT account_id) AS other_accounts
  FROM (
    SELECT
      address,
      account_id
    FROM transfers
    WHERE
      kind = 'withdrawal' AND NOT address IS NULL AND account_id <> :account_id
    UNION
    SELECT
      link_value AS address,
      account_id
    FROM identity_links
    WHERE
      link_type IN ('payout_address', 'deposit_source_address')
      AND account_id <> :account_id
  ) AS used
  GROUP BY
    address
)
SELECT
  o.chain AS chain,
  o.address AS address,
  COUNT(*) AS withdrawals,
  COALESCE(SUM(o.amount_usd), 0) AS amount_usd,
  COUNT(*) FILTER(WHERE
    o.kyt_risk IN ('high', 'severe')) AS high_risk_withdrawals,
  COALESCE(
    IF(
      SIZE(COLLECT_SET(o.kyt_risk)) = 0,
      NULL,
      ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(o.kyt_risk)), ',')
    ),
    ''
  ) AS kyt_risks,
  MIN(o.ts) AS first_withdrawal_ts,
  MAX(o.ts) AS last_withdrawal_ts,
  MIN(k.known_since) AS address_known_since,
  COALESCE(MAX(x.other_accounts), 0) AS other_accounts
FROM outs AS o
LEFT JOIN known AS k
  ON k.address = o.address
LEFT JOIN others AS x
  ON x.address = o.address
GROUP BY
  o.chain,
  o.address
ORDER BY
  amount_usd DESC,
  o.address NULLS LAST
