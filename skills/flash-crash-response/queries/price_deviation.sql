WITH consensus AS (
  SELECT ts, median(price) AS consensus_price
  FROM index_components
  WHERE symbol = $symbol AND ts BETWEEN $start_ts AND $end_ts
  GROUP BY ts
),
bars AS (
  SELECT ts, low, high, close, index_price, mark_price, depth_2pct_usd, trade_count,
         greatest(abs(low - index_price), abs(high - index_price)) / nullif(index_price, 0) AS last_dev,
         abs(mark_price - index_price) / nullif(index_price, 0) AS mark_dev,
         (SELECT abs(index_price - c.consensus_price) / nullif(c.consensus_price, 0)
          FROM consensus AS c WHERE c.ts = b.ts) AS index_dev
  FROM market_bars_1m AS b
  WHERE symbol = $symbol
    AND ts BETWEEN $start_ts AND $end_ts
),
latest AS (
  SELECT last_dev, mark_dev, index_dev FROM bars ORDER BY ts DESC LIMIT 1
)
SELECT count(*) AS minutes,
       coalesce(max(last_dev), 0) AS max_last_index_dev,
       coalesce(max(mark_dev), 0) AS max_mark_index_dev,
       count(*) FILTER (WHERE last_dev >= $last_index_deviation) AS minutes_last_dislocated,
       count(*) FILTER (WHERE mark_dev >= $mark_index_deviation) AS minutes_mark_dislocated,
       min(ts) FILTER (WHERE last_dev >= $last_index_deviation OR mark_dev >= $mark_index_deviation) AS first_dislocated_ts,
       max(ts) FILTER (WHERE last_dev >= $last_index_deviation OR mark_dev >= $mark_index_deviation) AS last_dislocated_ts,
       min(low) AS min_price,
       min(depth_2pct_usd) AS min_depth_2pct_usd,
       max(depth_2pct_usd) AS max_depth_2pct_usd,
       max(trade_count) AS max_trades_per_minute,
       coalesce((SELECT last_dev FROM latest), 0) AS latest_last_index_dev,
       coalesce((SELECT mark_dev FROM latest), 0) AS latest_mark_index_dev,
       coalesce(max(index_dev), 0) AS max_index_consensus_dev,
       coalesce((SELECT index_dev FROM latest), 0) AS latest_index_consensus_dev
FROM bars
