WITH bars AS (
  SELECT ts, open, high, close, notional_usd
  FROM market_bars_1m
  WHERE symbol = $symbol
    AND ts >= $spike_start_ts - INTERVAL 24 HOUR
    AND ts < $spike_start_ts + to_minutes(CAST($spike_window_minutes AS BIGINT))
),
before AS (
  SELECT coalesce(sum(notional_usd), 0) AS trailing_24h_usd,
         arg_max(close, ts) AS reference_price
  FROM bars
  WHERE ts < $spike_start_ts
),
spike AS (
  SELECT coalesce(sum(notional_usd), 0) AS spike_notional_usd,
         max(high) AS peak_price,
         arg_min(open, ts) AS first_open,
         arg_min(ts, row(-high, ts)) AS peak_ts  -- the first minute that reached the peak, if several did
  FROM bars
  WHERE ts >= $spike_start_ts
)
SELECT s.spike_notional_usd AS spike_notional_usd,
       b.trailing_24h_usd AS trailing_24h_usd,
       b.trailing_24h_usd * $spike_window_minutes / 1440.0 AS trailing_mean_window_usd,
       s.spike_notional_usd / greatest(b.trailing_24h_usd * $spike_window_minutes / 1440.0, 1.0) AS burst_multiple,
       coalesce(b.reference_price, s.first_open, 0.0) AS reference_price,
       coalesce(s.peak_price, 0.0) AS peak_price,
       s.peak_ts AS peak_ts,
       coalesce(s.peak_price / nullif(coalesce(b.reference_price, s.first_open), 0) - 1, 0.0) AS price_change
FROM spike AS s
CROSS JOIN before AS b
