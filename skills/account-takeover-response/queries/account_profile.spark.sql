SELECT
  account_id,
  user_id,
  created_at,
  kyc_level,
  country,
  status
FROM accounts
WHERE
  account_id = :account_id
