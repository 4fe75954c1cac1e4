SELECT
  symbol,
  market_type,
  base_asset,
  quote_asset,
  max_leverage,
  maint_margin_rate,
  oi_cap_usd,
  status
FROM instruments
WHERE
  symbol = :symbol
