SELECT
  COUNT(*) AS liquidation_count,
  COALESCE(-SUM(LEAST(insurance_fund_delta_usd, 0)), 0) AS insurance_fund_loss_usd,
  COUNT(*) FILTER(WHERE
    method = 'backstop') AS backstop_count,
  COUNT(*) FILTER(WHERE
    method = 'adl') AS adl_count,
  COALESCE(SUM(qty), 0) AS liquidated_qty,
  MIN(ts) AS first_liquidation_ts,
  MAX(ts) AS last_liquidation_ts
FROM liquidations
WHERE
  account_id = :account_id AND symbol = :symbol AND ts BETWEEN :start_ts AND :end_ts
