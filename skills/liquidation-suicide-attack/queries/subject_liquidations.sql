SELECT count(*) AS liquidation_count,
       coalesce(-sum(least(insurance_fund_delta_usd, 0)), 0) AS insurance_fund_loss_usd,
       count(*) FILTER (WHERE method = 'backstop') AS backstop_count,
       count(*) FILTER (WHERE method = 'adl') AS adl_count,
       coalesce(sum(qty), 0) AS liquidated_qty,
       min(ts) AS first_liquidation_ts,
       max(ts) AS last_liquidation_ts
FROM liquidations
WHERE account_id = $account_id
  AND symbol = $symbol
  AND ts BETWEEN $start_ts AND $end_ts
