WITH clean AS (
  SELECT
    ts,
    TRY_DIVIDE(SUM(price * weight), NULLIF(SUM(weight), 0)) AS clean_index
  FROM index_components
  WHERE
    symbol = :symbol
    AND ts BETWEEN :start_ts AND :end_ts
    AND NOT ARRAY_CONTAINS(:bad_sources, source)
  GROUP BY
    ts
), liq AS (
  SELECT
    l.liq_id,
    l.ts,
    l.account_id,
    l.side_closed,
    l.qty,
    l.bankruptcy_price,
    l.avg_fill_price,
    l.insurance_fund_delta_usd,
    c.clean_index,
    (
      SELECT
        MAX_BY(p.liq_price, p.ts)
      FROM position_snapshots AS p
      WHERE
        p.account_id = l.account_id AND p.symbol = l.symbol AND p.ts <= l.ts
    ) AS last_liq_price
  FROM liquidations AS l
  LEFT JOIN clean AS c
    ON c.ts = DATE_TRUNC('MINUTE', l.ts)
  WHERE
    l.symbol = :symbol AND l.ts BETWEEN :start_ts AND :end_ts
), flagged AS (
  SELECT
    *,
    COALESCE(
      CASE
        WHEN side_closed = 'long'
        THEN clean_index > last_liq_price
        WHEN side_closed = 'short'
        THEN clean_index < last_liq_price
      END,
      FALSE
    ) AS distorted,
    CASE
      WHEN side_closed = 'long'
      THEN qty * (
        clean_index - bankruptcy_price
      )
      ELSE qty * (
        bankruptcy_price - clean_index
      )
    END AS equity_at_clean_usd
  FROM liq
), per_minute AS (
  SELECT
    DATE_TRUNC('MINUTE', ts) AS minute,
    COUNT(*) AS n
  FROM flagged
  GROUP BY
    1
)
SELECT
  COUNT(*) AS liquidation_count,
  COALESCE((
    SELECT
      MAX(n)
    FROM per_minute
  ), 0) AS peak_liquidations_per_minute,
  COUNT(DISTINCT account_id) AS liquidated_accounts,
  COALESCE(-SUM(LEAST(insurance_fund_delta_usd, 0)), 0) AS insurance_fund_loss_usd,
  COUNT(*) FILTER(WHERE
    distorted) AS distorted_count,
  COALESCE(SUM(GREATEST(equity_at_clean_usd, 0)) FILTER(WHERE
    distorted), 0) AS compensation_estimate_usd,
  COALESCE(
    IF(
      COUNT(*) FILTER(WHERE
        distorted) = 0,
      NULL,
      CONCAT(
        ARRAY_SORT(COLLECT_SET(account_id) FILTER(WHERE
          distorted)),
        ARRAY_REPEAT(
          NULL,
          IF(
            COUNT(*) FILTER(WHERE
              distorted) - COUNT(account_id) FILTER(WHERE
              distorted) > 0,
            1,
            0
          )
        )
      )
    ),
    ARRAY()
  ) AS distorted_account_ids,
  COUNT(*) FILTER(WHERE
    last_liq_price IS NULL) AS without_snapshot
FROM flagged
