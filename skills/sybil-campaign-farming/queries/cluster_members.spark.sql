WITH rewarded AS (
  SELECT
    account_id,
    COUNT(*) AS grants,
    SUM(amount_usd) AS reward_usd
  FROM reward_grants
  WHERE
    campaign_id = :campaign_id AND granted_ts BETWEEN :start_ts AND :end_ts
  GROUP BY
    account_id
), balance AS (
  SELECT
    account_id,
    SUM(amount_usd) AS usd
  FROM (
    SELECT
      account_id,
      amount_usd
    FROM reward_grants
    UNION ALL
    SELECT
      account_id,
      CASE
        WHEN kind IN ('deposit', 'internal_in')
        THEN COALESCE(amount_usd, 0)
        ELSE -COALESCE(amount_usd, 0)
      END AS amount_usd
    FROM transfers
  ) AS moves
  WHERE
    account_id IN (
      SELECT
        account_id
      FROM rewarded
    )
  GROUP BY
    account_id
), flagged AS (
  SELECT
    account_id,
    ARRAY_CONTAINS(:link_ids, account_id) AS shared_link,
    ARRAY_CONTAINS(:identity_ids, account_id) AS shared_identity,
    ARRAY_CONTAINS(:funding_ids, account_id) AS common_funding,
    ARRAY_CONTAINS(:sweep_ids, account_id) AS common_sweep,
    ARRAY_CONTAINS(:burst_ids, account_id) AS referral_burst
  FROM rewarded
)
SELECT
  a.account_id AS account_id,
  a.created_at AS created_at,
  a.referrer_account_id AS referrer_account_id,
  a.kyc_level AS kyc_level,
  a.country AS country,
  a.status AS status,
  r.grants AS grants,
  r.reward_usd AS reward_usd,
  COALESCE(b.usd, 0) AS balance_now_usd,
  GREATEST(LEAST(COALESCE(b.usd, 0), r.reward_usd), 0) AS at_risk_usd,
  f.shared_link,
  f.shared_identity,
  f.common_funding,
  f.common_sweep,
  f.referral_burst,
  CAST(f.shared_link AS INT) + CAST(f.common_funding AS INT) + CAST(f.common_sweep AS INT) + CAST(f.referral_burst AS INT) AS account_signals,
  CONCAT_WS(
    ', ',
    CASE WHEN f.shared_link THEN 'shared device, identity or payout link' END,
    CASE WHEN f.shared_identity THEN 'shared ID document or face' END,
    CASE WHEN f.common_funding THEN 'common funding source' END,
    CASE WHEN f.common_sweep THEN 'common sweep destination' END,
    CASE WHEN f.referral_burst THEN 'referral sign-up burst' END
  ) AS evidence
FROM flagged AS f
JOIN rewarded AS r
  ON r.account_id = f.account_id
JOIN accounts AS a
  ON a.account_id = f.account_id
LEFT JOIN balance AS b
  ON b.account_id = f.account_id
WHERE
  f.shared_link OR f.common_funding OR f.common_sweep OR f.referral_burst
ORDER BY
  a.account_id NULLS LAST
