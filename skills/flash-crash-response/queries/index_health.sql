WITH components AS (
  SELECT ts, source, price, weight, coalesce(excluded, false) AS excluded,
         median(price) OVER (PARTITION BY ts) AS median_price
  FROM index_components
  WHERE symbol = $symbol
    AND ts BETWEEN $start_ts AND $end_ts
),
pair AS (
  SELECT base_asset, quote_asset FROM instruments WHERE symbol = $symbol
),
venue AS (
  SELECT date_trunc('minute', t.ts) AS ts, sum(t.notional_usd) / nullif(sum(t.qty), 0) AS vwap
  FROM trades AS t
  JOIN instruments AS i ON i.symbol = t.symbol
  JOIN pair AS p ON i.base_asset = p.base_asset AND i.quote_asset = p.quote_asset
  WHERE t.ts BETWEEN $start_ts AND $end_ts AND NOT t.is_liquidation
  GROUP BY 1
),
measured AS (
  SELECT c.*, abs(c.price - c.median_price) / nullif(c.median_price, 0) AS peer_dev,
         abs(c.price - v.vwap) / nullif(v.vwap, 0) AS trade_dev
  FROM components AS c
  LEFT JOIN venue AS v ON v.ts = c.ts
)
SELECT source,
       max(weight) AS max_weight,
       coalesce(max(abs(price - median_price) / nullif(median_price, 0)), 0) AS max_deviation,
       coalesce(max(trade_dev), 0) AS max_trade_deviation,
       count(*) FILTER (WHERE excluded) AS excluded_minutes,
       count(*) FILTER (WHERE NOT excluded AND peer_dev >= $index_source_deviation) AS minutes_fed_off,
       min(ts) FILTER (WHERE excluded) AS first_excluded_ts,
       max(ts) FILTER (WHERE excluded) AS last_excluded_ts
FROM measured
GROUP BY source
ORDER BY max_deviation DESC, source
