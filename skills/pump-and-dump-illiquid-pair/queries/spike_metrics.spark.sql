WITH bars AS (
  SELECT
    ts,
    open,
    high,
    close,
    notional_usd
  FROM market_bars_1m
  WHERE
    symbol = :symbol
    AND ts >= :spike_start_ts - INTERVAL '24' HOUR
    AND ts < :spike_start_ts + (
      CAST(:spike_window_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
), before AS (
  SELECT
    COALESCE(SUM(notional_usd), 0) AS trailing_24h_usd,
    MAX_BY(close, IF(close IS NULL, NULL, ts)) AS reference_price
  FROM bars
  WHERE
    ts < :spike_start_ts
), spike AS (
  SELECT
    COALESCE(SUM(notional_usd), 0) AS spike_notional_usd,
    MAX(high) AS peak_price,
    MIN_BY(open, IF(open IS NULL, NULL, ts)) AS first_open,
    MIN_BY(ts, IF(ts IS NULL, NULL, STRUCT(-high IS NULL, -high, ts IS NULL, ts))) AS peak_ts /* the first minute that reached the peak, if several did */
  FROM bars
  WHERE
    ts >= :spike_start_ts
)
SELECT
  s.spike_notional_usd AS spike_notional_usd,
  b.trailing_24h_usd AS trailing_24h_usd,
  TRY_DIVIDE(b.trailing_24h_usd * :spike_window_minutes, 1440.0) AS trailing_mean_window_usd,
  TRY_DIVIDE(
    s.spike_notional_usd,
    GREATEST(TRY_DIVIDE(b.trailing_24h_usd * :spike_window_minutes, 1440.0), 1.0)
  ) AS burst_multiple,
  COALESCE(b.reference_price, s.first_open, 0.0) AS reference_price,
  COALESCE(s.peak_price, 0.0) AS peak_price,
  s.peak_ts AS peak_ts,
  COALESCE(
    TRY_DIVIDE(s.peak_price, NULLIF(COALESCE(b.reference_price, s.first_open), 0)) - 1,
    0.0
  ) AS price_change
FROM spike AS s
CROSS JOIN before AS b
