WITH taker_buys AS (
  SELECT taker_account_id, ts, count(*) AS fills, sum(notional_usd) AS notional_usd
  FROM trades
  WHERE symbol = $symbol AND taker_side = 'buy'
    AND ts >= $spike_start_ts
    AND ts < $spike_start_ts + to_minutes(CAST($spike_window_minutes AS BIGINT))
  GROUP BY taker_account_id, ts
)
SELECT count(*) FILTER (WHERE fills >= $min_rush_fills) AS rush_orders,
       coalesce(sum(notional_usd) FILTER (WHERE fills >= $min_rush_fills), 0.0) AS rush_notional_usd,
       count(DISTINCT taker_account_id) FILTER (WHERE fills >= $min_rush_fills) AS rush_takers,
       count(*) AS taker_buy_orders,
       coalesce(max(fills), 0) AS max_fills_per_order
FROM taker_buys
