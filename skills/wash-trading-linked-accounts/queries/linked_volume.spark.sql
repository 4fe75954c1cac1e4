WITH subject_trades AS (
  SELECT
    notional_usd,
    symbol,
    CASE
      WHEN maker_account_id = :account_id
      THEN taker_account_id
      ELSE maker_account_id
    END AS counterparty
  FROM trades
  WHERE
    (
      maker_account_id = :account_id OR taker_account_id = :account_id
    )
    AND ts BETWEEN :start_ts AND :end_ts
)
SELECT
  COALESCE(SUM(notional_usd), 0) AS volume_usd,
  COALESCE(SUM(notional_usd) FILTER(WHERE
    counterparty = :account_id), 0) AS self_volume_usd,
  COALESCE(SUM(notional_usd) FILTER(WHERE
    ARRAY_CONTAINS(:linked_ids, counterparty)), 0) AS related_volume_usd,
  COALESCE(
    TRY_DIVIDE(
      SUM(notional_usd) FILTER(WHERE
        counterparty = :account_id OR ARRAY_CONTAINS(:linked_ids, counterparty)),
      NULLIF(SUM(notional_usd), 0)
    ),
    0
  ) AS related_match_ratio,
  COALESCE(
    ARRAY_SORT(
      IF(
        COUNT(*) FILTER(WHERE
          ARRAY_CONTAINS(:linked_ids, counterparty)) = 0,
        NULL,
        CONCAT(
          ARRAY_SORT(
            COLLECT_SET(counterparty) FILTER(WHERE
              ARRAY_CONTAINS(:linked_ids, counterparty))
          ),
          ARRAY_REPEAT(
            NULL,
            IF(
              COUNT(*) FILTER(WHERE
                ARRAY_CONTAINS(:linked_ids, counterparty)) - COUNT(counterparty) FILTER(WHERE
                ARRAY_CONTAINS(:linked_ids, counterparty)) > 0,
              1,
              0
            )
          )
        )
      )
    ),
    ARRAY()
  ) AS matched_linked_ids,
  COUNT(*) AS trade_count,
  COALESCE(
    ARRAY_SORT(
      IF(
        COUNT(*) = 0,
        NULL,
        CONCAT(
          ARRAY_SORT(COLLECT_SET(symbol)),
          ARRAY_REPEAT(NULL, IF(COUNT(*) - COUNT(symbol) > 0, 1, 0))
        )
      )
    ),
    ARRAY()
  ) AS symbols
FROM subject_trades
