SELECT
  a.account_id AS account_id,
  a.created_at AS created_at,
  a.kyc_level AS kyc_level,
  a.country AS country,
  a.status AS status,
  a.is_market_maker AS is_market_maker,
  i.market_type AS market_type,
  COALESCE(i.market_type IN ('spot', 'perp'), FALSE) AS supported_market
FROM accounts AS a
LEFT JOIN instruments AS i
  ON i.symbol = :symbol
WHERE
  a.account_id = :account_id
