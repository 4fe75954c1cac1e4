WITH taker_buys AS (
  SELECT
    taker_account_id,
    ts,
    COUNT(*) AS fills,
    SUM(notional_usd) AS notional_usd
  FROM trades
  WHERE
    symbol = :symbol
    AND taker_side = 'buy'
    AND ts >= :spike_start_ts
    AND ts < :spike_start_ts + (
      CAST(:spike_window_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
  GROUP BY
    taker_account_id,
    ts
)
SELECT
  COUNT(*) FILTER(WHERE
    fills >= :min_rush_fills) AS rush_orders,
  COALESCE(SUM(notional_usd) FILTER(WHERE
    fills >= :min_rush_fills), 0.0) AS rush_notional_usd,
  COUNT(DISTINCT taker_account_id) FILTER(WHERE
    fills >= :min_rush_fills) AS rush_takers,
  COUNT(*) AS taker_buy_orders,
  COALESCE(MAX(fills), 0) AS max_fills_per_order
FROM taker_buys
