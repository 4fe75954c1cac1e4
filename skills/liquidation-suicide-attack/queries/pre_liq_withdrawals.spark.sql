WITH first_liq AS (
  SELECT
    MIN(ts) AS first_liquidation_ts
  FROM liquidations
  WHERE
    account_id = :account_id AND symbol = :symbol AND ts BETWEEN :start_ts AND :end_ts
)
SELECT
  t.account_id AS account_id,
  COUNT(*) FILTER(WHERE
    t.ts < f.first_liquidation_ts) AS withdrawals_before,
  COALESCE(SUM(t.amount_usd) FILTER(WHERE
    t.ts < f.first_liquidation_ts), 0) AS withdrawn_before_usd,
  COUNT(*) FILTER(WHERE
    t.ts >= f.first_liquidation_ts) AS withdrawals_after,
  COALESCE(SUM(t.amount_usd) FILTER(WHERE
    t.ts >= f.first_liquidation_ts), 0) AS withdrawn_after_usd
FROM transfers AS t
CROSS JOIN first_liq AS f
WHERE
  ARRAY_CONTAINS(:group_ids, t.account_id)
  AND t.kind IN ('withdrawal', 'internal_out')
  AND t.ts >= f.first_liquidation_ts - (
    CAST(:withdrawal_lookback_minutes AS BIGINT)
  ) * INTERVAL '1' MINUTE
  AND t.ts <= :end_ts
GROUP BY
  t.account_id
ORDER BY
  withdrawn_before_usd DESC,
  account_id NULLS LAST
