SELECT
  account_id,
  user_id,
  created_at,
  kyc_level,
  country,
  status,
  TIMESTAMPDIFF(DAY, DATE_TRUNC('DAY', created_at), DATE_TRUNC('DAY', :end_ts)) AS account_age_days
FROM accounts
WHERE
  account_id = :account_id
