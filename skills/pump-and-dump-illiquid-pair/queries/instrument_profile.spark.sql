SELECT
  symbol,
  market_type,
  base_asset,
  quote_asset,
  listed_at,
  status,
  COALESCE(listed_at <= :spike_start_ts - INTERVAL '24' HOUR, TRUE) AS listed_a_day_before
FROM instruments
WHERE
  symbol = :symbol
