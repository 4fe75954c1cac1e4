WITH snap AS (
  SELECT ts, size, entry_price, mark_price, leverage, margin_usd, liq_price
  FROM position_snapshots
  WHERE account_id = $account_id AND symbol = $symbol
    AND ts BETWEEN $start_ts AND $end_ts
  ORDER BY ts DESC
  LIMIT 1
),
bar AS (
  SELECT b.mark_price AS mark_price, b.index_price AS index_price,
         b.open_interest_usd AS open_interest_usd, b.depth_2pct_usd AS depth_2pct_usd,
         date_diff('minute', b.ts, s.ts) AS bar_age_minutes
  FROM market_bars_1m AS b
  JOIN snap AS s ON b.symbol = $symbol AND b.ts <= s.ts
  ORDER BY b.ts DESC
  LIMIT 1
),
volume AS (
  SELECT coalesce(sum(b.notional_usd), 0) AS volume_24h_usd
  FROM market_bars_1m AS b
  JOIN snap AS s ON b.symbol = $symbol AND b.ts > s.ts - INTERVAL 24 HOUR AND b.ts <= s.ts
),
sized AS (
  SELECT s.ts AS snapshot_ts,
         s.size AS size,
         s.entry_price AS entry_price,
         s.leverage AS leverage,
         s.margin_usd AS margin_usd,
         s.liq_price AS liq_price,
         abs(s.size) * coalesce(s.mark_price, b.mark_price) AS position_usd,
         b.open_interest_usd AS open_interest_usd,
         b.depth_2pct_usd AS depth_2pct_usd,
         v.volume_24h_usd AS volume_24h_usd,
         i.oi_cap_usd AS oi_cap_usd,
         b.bar_age_minutes AS bar_age_minutes
  FROM snap AS s
  LEFT JOIN bar AS b ON true
  CROSS JOIN volume AS v
  LEFT JOIN instruments AS i ON i.symbol = $symbol
)
SELECT snapshot_ts, size, entry_price, leverage, margin_usd, liq_price,
       CASE WHEN size > 0 THEN 'long' WHEN size < 0 THEN 'short' ELSE 'flat' END AS side,
       coalesce(position_usd, 0) AS position_usd,
       open_interest_usd, depth_2pct_usd, volume_24h_usd, oi_cap_usd,
       coalesce(position_usd / nullif(open_interest_usd, 0), 0) AS oi_share,
       coalesce(position_usd / nullif(depth_2pct_usd, 0), 0) AS depth_multiple,
       coalesce(position_usd / nullif(volume_24h_usd, 0), 0) AS volume_multiple,
       coalesce(open_interest_usd / nullif(oi_cap_usd, 0), 0) AS oi_cap_utilisation,
       bar_age_minutes,
       coalesce(open_interest_usd > 0 AND bar_age_minutes <= $max_bar_age_minutes, false) AS oi_known
FROM sized
