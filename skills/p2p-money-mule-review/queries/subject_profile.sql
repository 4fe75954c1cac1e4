SELECT account_id, user_id, created_at, kyc_level, country, status,
       date_diff('day', created_at, $end_ts) AS account_age_days
FROM accounts
WHERE account_id = $account_id
