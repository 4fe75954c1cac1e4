WITH latest AS (
  SELECT
    account_id,
    MAX_BY(size, IF(size IS NULL, NULL, ts)) AS size,
    MAX_BY(ABS(size) * mark_price, IF(ABS(size) * mark_price IS NULL, NULL, ts)) AS position_usd
  FROM position_snapshots
  WHERE
    symbol = :symbol
    AND ARRAY_CONTAINS(:linked_ids, account_id)
    AND ts BETWEEN :start_ts AND :snapshot_ts
  GROUP BY
    account_id
)
SELECT
  COUNT(*) FILTER(WHERE
    size <> 0) AS linked_with_position,
  COALESCE(SUM(position_usd) FILTER(WHERE
    SIGN(size) = SIGN(:subject_size)), 0) AS linked_same_side_usd,
  COALESCE(SUM(position_usd) FILTER(WHERE
    SIGN(size) = -SIGN(:subject_size)), 0) AS linked_opposite_usd,
  COALESCE(
    IF(
      COUNT(*) FILTER(WHERE
        SIGN(size) = -SIGN(:subject_size)) = 0,
      NULL,
      CONCAT(
        ARRAY_SORT(COLLECT_LIST(account_id) FILTER(WHERE
          SIGN(size) = -SIGN(:subject_size))),
        ARRAY_REPEAT(
          NULL,
          CAST(COUNT(*) FILTER(WHERE
            SIGN(size) = -SIGN(:subject_size)) - COUNT(account_id) FILTER(WHERE
            SIGN(size) = -SIGN(:subject_size)) AS INT)
        )
      )
    ),
    ARRAY()
  ) AS opposite_account_ids,
  COALESCE(
    TRY_DIVIDE(
      (
        :subject_usd + COALESCE(SUM(position_usd) FILTER(WHERE
          SIGN(size) = SIGN(:subject_size)), 0)
      ),
      NULLIF(:open_interest_usd, 0)
    ),
    0
  ) AS group_oi_share,
  COALESCE(
    TRY_DIVIDE(
      SUM(position_usd) FILTER(WHERE
        SIGN(size) = -SIGN(:subject_size)),
      NULLIF(:subject_usd, 0)
    ),
    0
  ) AS linked_opposite_ratio
FROM latest
