WITH clean AS (
  SELECT ts, sum(price * weight) / nullif(sum(weight), 0) AS clean_index
  FROM index_components
  WHERE symbol = $symbol
    AND ts BETWEEN $start_ts AND $end_ts
    AND NOT list_contains($bad_sources, source)
  GROUP BY ts
),
liq AS (
  SELECT l.liq_id, l.ts, l.account_id, l.side_closed, l.qty, l.bankruptcy_price,
         l.avg_fill_price, l.insurance_fund_delta_usd, c.clean_index,
         (SELECT p.liq_price
          FROM position_snapshots AS p
          WHERE p.account_id = l.account_id AND p.symbol = l.symbol AND p.ts <= l.ts
          ORDER BY p.ts DESC
          LIMIT 1) AS last_liq_price
  FROM liquidations AS l
  LEFT JOIN clean AS c ON c.ts = date_trunc('minute', l.ts)
  WHERE l.symbol = $symbol
    AND l.ts BETWEEN $start_ts AND $end_ts
),
flagged AS (
  SELECT *,
         coalesce(CASE WHEN side_closed = 'long' THEN clean_index > last_liq_price
                       WHEN side_closed = 'short' THEN clean_index < last_liq_price END, false) AS distorted,
         CASE WHEN side_closed = 'long' THEN qty * (clean_index - bankruptcy_price)
              ELSE qty * (bankruptcy_price - clean_index) END AS equity_at_clean_usd
  FROM liq
),
per_minute AS (
  SELECT date_trunc('minute', ts) AS minute, count(*) AS n FROM flagged GROUP BY 1
)
SELECT count(*) AS liquidation_count,
       coalesce((SELECT max(n) FROM per_minute), 0) AS peak_liquidations_per_minute,
       count(DISTINCT account_id) AS liquidated_accounts,
       coalesce(-sum(least(insurance_fund_delta_usd, 0)), 0) AS insurance_fund_loss_usd,
       count(*) FILTER (WHERE distorted) AS distorted_count,
       coalesce(sum(greatest(equity_at_clean_usd, 0)) FILTER (WHERE distorted), 0) AS compensation_estimate_usd,
       coalesce(list(DISTINCT account_id ORDER BY account_id) FILTER (WHERE distorted), []) AS distorted_account_ids,
       count(*) FILTER (WHERE last_liq_price IS NULL) AS without_snapshot
FROM flagged
