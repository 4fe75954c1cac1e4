SELECT
  account_id,
  user_id,
  created_at,
  kyc_level,
  country,
  status,
  is_market_maker
FROM accounts
WHERE
  account_id = :account_id
