WITH first_liq AS (
  SELECT
    MIN(ts) AS first_liquidation_ts
  FROM liquidations
  WHERE
    account_id = :account_id AND symbol = :symbol AND ts BETWEEN :start_ts AND :end_ts
), opening AS (
  SELECT
    CASE
      WHEN t.maker_account_id = :account_id
      THEN t.taker_account_id
      ELSE t.maker_account_id
    END AS counterparty_id,
    t.notional_usd AS notional_usd
  FROM trades AS t
  CROSS JOIN first_liq AS f
  WHERE
    t.symbol = :symbol
    AND (
      t.maker_account_id = :account_id OR t.taker_account_id = :account_id
    )
    AND NOT t.is_liquidation
    AND t.ts >= LEAST(
      :start_ts,
      COALESCE(f.first_liquidation_ts, :start_ts) - (
        CAST(:opening_lookback_hours AS BIGINT)
      ) * INTERVAL '1' HOUR
    )
    AND t.ts < COALESCE(f.first_liquidation_ts, :end_ts)
), total AS (
  SELECT
    SUM(notional_usd) AS opening_usd
  FROM opening
)
SELECT
  o.counterparty_id AS counterparty_account_id,
  SUM(o.notional_usd) AS counterparty_notional_usd,
  COALESCE(TRY_DIVIDE(SUM(o.notional_usd), NULLIF(MAX(tt.opening_usd), 0)), 0) AS counterparty_share,
  COALESCE(BOOL_OR(a.is_market_maker), FALSE) AS counterparty_is_market_maker
FROM opening AS o
CROSS JOIN total AS tt
LEFT JOIN accounts AS a
  ON a.account_id = o.counterparty_id
GROUP BY
  o.counterparty_id
ORDER BY
  counterparty_share DESC,
  counterparty_account_id NULLS LAST
LIMIT 10
