WITH components AS (
  SELECT
    ts,
    source,
    price,
    weight,
    COALESCE(excluded, FALSE) AS excluded,
    MEDIAN(price) OVER (PARTITION BY ts) AS median_price
  FROM index_components
  WHERE
    symbol = :symbol AND ts BETWEEN :start_ts AND :end_ts
), pair AS (
  SELECT
    base_asset,
    quote_asset
  FROM instruments
  WHERE
    symbol = :symbol
), venue AS (
  SELECT
    DATE_TRUNC('MINUTE', t.ts) AS ts,
    TRY_DIVIDE(SUM(t.notional_usd), NULLIF(SUM(t.qty), 0)) AS vwap
  FROM trades AS t
  JOIN instruments AS i
    ON i.symbol = t.symbol
  JOIN pair AS p
    ON i.base_asset = p.base_asset AND i.quote_asset = p.quote_asset
  WHERE
    t.ts BETWEEN :start_ts AND :end_ts AND NOT t.is_liquidation
  GROUP BY
    1
), measured AS (
  SELECT
    c.*,
    TRY_DIVIDE(ABS(c.price - c.median_price), NULLIF(c.median_price, 0)) AS peer_dev,
    TRY_DIVIDE(ABS(c.price - v.vwap), NULLIF(v.vwap, 0)) AS trade_dev
  FROM components AS c
  LEFT JOIN venue AS v
    ON v.ts = c.ts
)
SELECT
  source,
  MAX(weight) AS max_weight,
  COALESCE(MAX(TRY_DIVIDE(ABS(price - median_price), NULLIF(median_price, 0))), 0) AS max_deviation,
  COALESCE(MAX(trade_dev), 0) AS max_trade_deviation,
  COUNT(*) FILTER(WHERE
    excluded) AS excluded_minutes,
  COUNT(*) FILTER(WHERE
    NOT excluded AND peer_dev >= :index_source_deviation) AS minutes_fed_off,
  MIN(ts) FILTER(WHERE
    excluded) AS first_excluded_ts,
  MAX(ts) FILTER(WHERE
    excluded) AS last_excluded_ts
FROM measured
GROUP BY
  source
ORDER BY
  max_deviation DESC,
  source NULLS LAST
