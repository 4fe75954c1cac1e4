WITH snaps AS (
  SELECT
    p.account_id AS account_id,
    p.ts AS ts,
    ABS(p.size) * COALESCE(p.mark_price, b.mark_price) AS position_usd,
    b.open_interest_usd AS open_interest_usd,
    b.depth_2pct_usd AS depth_2pct_usd
  FROM position_snapshots AS p
  JOIN market_bars_1m AS b
    ON b.symbol = p.symbol AND b.ts = DATE_TRUNC('MINUTE', p.ts)
  WHERE
    p.symbol = :symbol
    AND ARRAY_CONTAINS(:group_ids, p.account_id)
    AND p.ts BETWEEN :start_ts AND :end_ts
), volume AS (
  SELECT
    s.account_id AS account_id,
    s.ts AS ts,
    SUM(v.notional_usd) AS volume_24h_usd
  FROM snaps AS s
  JOIN market_bars_1m AS v
    ON v.symbol = :symbol AND v.ts > s.ts - INTERVAL '24' HOUR AND v.ts <= s.ts
  GROUP BY
    s.account_id,
    s.ts
)
SELECT
  s.account_id AS account_id,
  MAX(s.position_usd) AS peak_position_usd,
  COALESCE(MAX(TRY_DIVIDE(s.position_usd, NULLIF(s.open_interest_usd, 0))), 0) AS peak_oi_share,
  COALESCE(MAX(TRY_DIVIDE(s.position_usd, NULLIF(s.depth_2pct_usd, 0))), 0) AS peak_depth_multiple,
  COALESCE(MAX(TRY_DIVIDE(s.position_usd, NULLIF(v.volume_24h_usd, 0))), 0) AS peak_volume_multiple,
  COALESCE(BOOL_OR(a.is_market_maker), FALSE) AS is_market_maker,
  ARRAY_CONTAINS(:subject_and_linked, s.account_id) AS is_subject_or_linked
FROM snaps AS s
LEFT JOIN volume AS v
  ON v.account_id = s.account_id AND v.ts = s.ts
LEFT JOIN accounts AS a
  ON a.account_id = s.account_id
GROUP BY
  s.account_id
ORDER BY
  peak_oi_share DESC,
  account_id NULLS LAST
