SELECT
  symbol,
  market_type,
  base_asset,
  max_leverage,
  maint_margin_rate,
  oi_cap_usd,
  listed_at,
  status
FROM instruments
WHERE
  symbol = :symbol
