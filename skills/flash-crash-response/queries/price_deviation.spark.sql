WITH consensus AS (
  SELECT
    ts,
    MEDIAN(price) AS consensus_price
  FROM index_components
  WHERE
    symbol = :symbol AND ts BETWEEN :start_ts AND :end_ts
  GROUP BY
    ts
), bars AS (
  SELECT
    ts,
    low,
    high,
    close,
    index_price,
    mark_price,
    depth_2pct_usd,
    trade_count,
    TRY_DIVIDE(GREATEST(ABS(low - index_price), ABS(high - index_price)), NULLIF(index_price, 0)) AS last_dev,
    TRY_DIVIDE(ABS(mark_price - index_price), NULLIF(index_price, 0)) AS mark_dev,
    (
      SELECT
        TRY_DIVIDE(ABS(index_price - c.consensus_price), NULLIF(c.consensus_price, 0))
      FROM consensus AS c
      WHERE
        c.ts = b.ts
    ) AS index_dev
  FROM market_bars_1m AS b
  WHERE
    symbol = :symbol AND ts BETWEEN :start_ts AND :end_ts
), latest AS (
  SELECT
    last_dev,
    mark_dev,
    index_dev
  FROM bars
  ORDER BY
    ts DESC
  LIMIT 1
)
SELECT
  COUNT(*) AS minutes,
  COALESCE(MAX(last_dev), 0) AS max_last_index_dev,
  COALESCE(MAX(mark_dev), 0) AS max_mark_index_dev,
  COUNT(*) FILTER(WHERE
    last_dev >= :last_index_deviation) AS minutes_last_dislocated,
  COUNT(*) FILTER(WHERE
    mark_dev >= :mark_index_deviation) AS minutes_mark_dislocated,
  MIN(ts) FILTER(WHERE
    last_dev >= :last_index_deviation OR mark_dev >= :mark_index_deviation) AS first_dislocated_ts,
  MAX(ts) FILTER(WHERE
    last_dev >= :last_index_deviation OR mark_dev >= :mark_index_deviation) AS last_dislocated_ts,
  MIN(low) AS min_price,
  MIN(depth_2pct_usd) AS min_depth_2pct_usd,
  MAX(depth_2pct_usd) AS max_depth_2pct_usd,
  MAX(trade_count) AS max_trades_per_minute,
  COALESCE((
    SELECT
      last_dev
    FROM latest
  ), 0) AS latest_last_index_dev,
  COALESCE((
    SELECT
      mark_dev
    FROM latest
  ), 0) AS latest_mark_index_dev,
  COALESCE(MAX(index_dev), 0) AS max_index_consensus_dev,
  COALESCE((
    SELECT
      index_dev
    FROM latest
  ), 0) AS latest_index_consensus_dev
FROM bars
