WITH legs AS (
  SELECT
    taker_account_id AS account_id,
    CASE WHEN taker_side = 'buy' THEN notional_usd ELSE -notional_usd END AS signed_usd,
    notional_usd
  FROM trades
  WHERE
    ts BETWEEN :start_ts AND :end_ts AND ARRAY_CONTAINS(:group_ids, taker_account_id)
  UNION ALL
  SELECT
    maker_account_id AS account_id,
    CASE WHEN taker_side = 'buy' THEN -notional_usd ELSE notional_usd END AS signed_usd,
    notional_usd
  FROM trades
  WHERE
    ts BETWEEN :start_ts AND :end_ts AND ARRAY_CONTAINS(:group_ids, maker_account_id)
)
SELECT
  COALESCE(ABS(SUM(signed_usd)), 0) AS net_usd,
  COALESCE(SUM(notional_usd), 0) AS gross_usd,
  COALESCE(TRY_DIVIDE(ABS(SUM(signed_usd)), NULLIF(SUM(notional_usd), 0)), 0) AS net_position_ratio
FROM legs
