WITH components AS (
  SELECT ts, source, price, weight, coalesce(excluded, false) AS excluded,
         median(price) OVER (PARTITION BY ts) AS median_price
  FROM index_components
  WHERE symbol = $symbol
    AND ts BETWEEN $start_ts AND $end_ts
)
SELECT source,
       max(weight) AS max_weight,
       coalesce(max(abs(price - median_price) / nullif(median_price, 0)), 0) AS max_deviation,
       count(*) FILTER (WHERE excluded) AS excluded_minutes,
       min(ts) FILTER (WHERE excluded) AS first_excluded_ts,
       max(ts) FILTER (WHERE excluded) AS last_excluded_ts
FROM components
GROUP BY source
ORDER BY max_deviation DESC, source
