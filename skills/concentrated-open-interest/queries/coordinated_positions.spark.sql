WITH legs AS (
  SELECT
    maker_account_id AS account_id,
    ts
  FROM trades
  WHERE
    symbol = :symbol AND NOT is_liquidation AND ts BETWEEN :start_ts AND :end_ts
  UNION ALL
  SELECT
    taker_account_id AS account_id,
    ts
  FROM trades
  WHERE
    symbol = :symbol AND NOT is_liquidation AND ts BETWEEN :start_ts AND :end_ts
), opened AS (
  SELECT
    account_id,
    MIN(ts) AS first_trade_ts
  FROM legs
  GROUP BY
    account_id
), subject_open AS (
  SELECT
    first_trade_ts
  FROM opened
  WHERE
    account_id = :account_id
), latest AS (
  SELECT
    account_id,
    MAX_BY(size, IF(size IS NULL, NULL, ts)) AS size,
    MAX_BY(ABS(size) * mark_price, IF(ABS(size) * mark_price IS NULL, NULL, ts)) AS position_usd
  FROM position_snapshots
  WHERE
    symbol = :symbol AND ts BETWEEN :start_ts AND :snapshot_ts
  GROUP BY
    account_id
), coordinated AS (
  SELECT
    l.account_id,
    l.position_usd
  FROM latest AS l
  JOIN opened AS o
    ON o.account_id = l.account_id
  CROSS JOIN subject_open AS so
  LEFT JOIN accounts AS a
    ON a.account_id = l.account_id
  WHERE
    l.account_id <> :account_id
    AND NOT ARRAY_CONTAINS(:linked_ids, l.account_id)
    AND NOT COALESCE(a.is_market_maker, FALSE)
    AND SIGN(l.size) = SIGN(:subject_size)
    AND ABS(
      TIMESTAMPDIFF(
        SECOND,
        DATE_TRUNC('SECOND', o.first_trade_ts),
        DATE_TRUNC('SECOND', so.first_trade_ts)
      )
    ) <= 60 * :coordination_minutes
)
SELECT
  COUNT(*) AS coordinated_accounts,
  COALESCE(
    IF(
      COUNT(*) = 0,
      NULL,
      CONCAT(
        ARRAY_SORT(COLLECT_LIST(account_id)),
        ARRAY_REPEAT(NULL, CAST(COUNT(*) - COUNT(account_id) AS INT))
      )
    ),
    ARRAY()
  ) AS coordinated_account_ids,
  COALESCE(SUM(position_usd), 0) AS coordinated_same_side_usd,
  COALESCE(
    TRY_DIVIDE((
      :group_usd + COALESCE(SUM(position_usd), 0)
    ), NULLIF(:open_interest_usd, 0)),
    0
  ) AS coordinated_oi_share
FROM coordinated
