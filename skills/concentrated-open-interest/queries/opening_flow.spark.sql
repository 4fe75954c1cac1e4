WITH flow AS (
  SELECT
    CASE
      WHEN maker_account_id = :account_id
      THEN taker_account_id
      ELSE maker_account_id
    END AS counterparty_id,
    notional_usd
  FROM trades
  WHERE
    symbol = :symbol
    AND (
      maker_account_id = :account_id OR taker_account_id = :account_id
    )
    AND NOT is_liquidation
    AND ts BETWEEN :start_ts AND :end_ts
), by_counterparty AS (
  SELECT
    counterparty_id,
    SUM(notional_usd) AS notional_usd
  FROM flow
  GROUP BY
    counterparty_id
)
SELECT
  COALESCE((
    SELECT
      SUM(notional_usd)
    FROM flow
  ), 0) AS volume_usd,
  COALESCE(
    (
      SELECT
        SUM(notional_usd)
      FROM flow
      WHERE
        counterparty_id = :account_id OR ARRAY_CONTAINS(:linked_ids, counterparty_id)
    ),
    0
  ) AS linked_volume_usd,
  COALESCE(
    TRY_DIVIDE(
      (
        SELECT
          SUM(notional_usd)
        FROM flow
        WHERE
          counterparty_id = :account_id OR ARRAY_CONTAINS(:linked_ids, counterparty_id)
      ),
      NULLIF((
        SELECT
          SUM(notional_usd)
        FROM flow
      ), 0)
    ),
    0
  ) AS linked_match_share,
  (
    SELECT
      counterparty_id
    FROM by_counterparty
    ORDER BY
      notional_usd DESC,
      counterparty_id NULLS LAST
    LIMIT 1
  ) AS top_counterparty_id,
  COALESCE(
    TRY_DIVIDE(
      (
        SELECT
          MAX(notional_usd)
        FROM by_counterparty
      ),
      NULLIF((
        SELECT
          SUM(notional_usd)
        FROM flow
      ), 0)
    ),
    0
  ) AS top_counterparty_share
