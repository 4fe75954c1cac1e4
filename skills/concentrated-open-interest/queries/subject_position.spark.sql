WITH snap AS (
  SELECT
    ts,
    size,
    entry_price,
    mark_price,
    leverage,
    margin_usd,
    liq_price
  FROM position_snapshots
  WHERE
    account_id = :account_id AND symbol = :symbol AND ts BETWEEN :start_ts AND :end_ts
  ORDER BY
    ts DESC
  LIMIT 1
), bar AS (
  SELECT
    b.mark_price AS mark_price,
    b.index_price AS index_price,
    b.open_interest_usd AS open_interest_usd,
    b.depth_2pct_usd AS depth_2pct_usd,
    TIMESTAMPDIFF(MINUTE, DATE_TRUNC('MINUTE', b.ts), DATE_TRUNC('MINUTE', s.ts)) AS bar_age_minutes
  FROM market_bars_1m AS b
  JOIN snap AS s
    ON b.symbol = :symbol AND b.ts <= s.ts
  ORDER BY
    b.ts DESC
  LIMIT 1
), volume AS (
  SELECT
    COALESCE(SUM(b.notional_usd), 0) AS volume_24h_usd
  FROM market_bars_1m AS b
  JOIN snap AS s
    ON b.symbol = :symbol AND b.ts > s.ts - INTERVAL '24' HOUR AND b.ts <= s.ts
), sized AS (
  SELECT
    s.ts AS snapshot_ts,
    s.size AS size,
    s.entry_price AS entry_price,
    s.leverage AS leverage,
    s.margin_usd AS margin_usd,
    s.liq_price AS liq_price,
    ABS(s.size) * COALESCE(s.mark_price, b.mark_price) AS position_usd,
    b.open_interest_usd AS open_interest_usd,
    b.depth_2pct_usd AS depth_2pct_usd,
    v.volume_24h_usd AS volume_24h_usd,
    i.oi_cap_usd AS oi_cap_usd,
    b.bar_age_minutes AS bar_age_minutes
  FROM snap AS s
  LEFT JOIN bar AS b
    ON TRUE
  CROSS JOIN volume AS v
  LEFT JOIN instruments AS i
    ON i.symbol = :symbol
)
SELECT
  snapshot_ts,
  size,
  entry_price,
  leverage,
  margin_usd,
  liq_price,
  CASE WHEN size > 0 THEN 'long' WHEN size < 0 THEN 'short' ELSE 'flat' END AS side,
  COALESCE(position_usd, 0) AS position_usd,
  open_interest_usd,
  depth_2pct_usd,
  volume_24h_usd,
  oi_cap_usd,
  COALESCE(TRY_DIVIDE(position_usd, NULLIF(open_interest_usd, 0)), 0) AS oi_share,
  COALESCE(TRY_DIVIDE(position_usd, NULLIF(depth_2pct_usd, 0)), 0) AS depth_multiple,
  COALESCE(TRY_DIVIDE(position_usd, NULLIF(volume_24h_usd, 0)), 0) AS volume_multiple,
  COALESCE(TRY_DIVIDE(open_interest_usd, NULLIF(oi_cap_usd, 0)), 0) AS oi_cap_utilisation,
  bar_age_minutes,
  COALESCE(open_interest_usd > 0 AND bar_age_minutes <= :max_bar_age_minutes, FALSE) AS oi_known
FROM sized
