SELECT
  symbol,
  market_type,
  base_asset,
  quote_asset,
  listed_at,
  status
FROM instruments
WHERE
  symbol = :symbol
