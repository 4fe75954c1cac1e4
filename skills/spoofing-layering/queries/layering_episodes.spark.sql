WITH market AS (
  SELECT
    COALESCE(AVG(notional_usd), 0) AS mean_trade_usd
  FROM trades
  WHERE
    symbol = :symbol AND ts BETWEEN :start_ts AND :end_ts
), subject_orders AS (
  SELECT
    side,
    price,
    qty,
    filled_qty,
    status,
    created_ts,
    done_ts,
    best_bid_at_entry,
    best_ask_at_entry,
    CAST(TIMESTAMP_MICROS(
      UNIX_MICROS(CAST(created_ts AS TIMESTAMP)) - PMOD(
        UNIX_MICROS(CAST(created_ts AS TIMESTAMP)) - 946857600000000,
        CAST(CAST(:episode_window_minutes AS BIGINT) AS BIGINT) * 60000000
      )
    ) AS TIMESTAMP_NTZ) AS bucket_start
  FROM orders
  WHERE
    account_id = :account_id
    AND symbol = :symbol
    AND order_type = 'limit'
    AND created_ts BETWEEN :start_ts AND :end_ts
), layers AS (
  SELECT
    o.bucket_start AS bucket_start,
    o.side AS side,
    o.created_ts AS created_ts,
    o.done_ts AS done_ts,
    o.price * (
      o.qty - o.filled_qty
    ) AS cancelled_usd
  FROM subject_orders AS o
  CROSS JOIN market AS m
  WHERE
    o.status = 'cancelled'
    AND NOT o.done_ts IS NULL
    AND o.price * o.qty >= :large_order_multiple * m.mean_trade_usd
    AND CASE
      WHEN o.side = 'buy'
      THEN o.price >= o.best_bid_at_entry * (
        1 - TRY_DIVIDE(:near_touch_bps, 10000.0)
      )
      ELSE o.price <= o.best_ask_at_entry * (
        1 + TRY_DIVIDE(:near_touch_bps, 10000.0)
      )
    END
), by_side AS (
  SELECT
    bucket_start,
    side,
    COUNT(*) AS layer_orders,
    SUM(cancelled_usd) AS layer_cancelled_usd,
    MEDIAN(
      TRY_DIVIDE(
        TIMESTAMPDIFF(
          MILLISECOND,
          DATE_TRUNC('MILLISECOND', created_ts),
          DATE_TRUNC('MILLISECOND', done_ts)
        ),
        1000.0
      )
    ) AS median_rest_seconds
  FROM layers
  GROUP BY
    bucket_start,
    side
), ranked AS (
  SELECT
    bucket_start,
    side,
    layer_orders,
    layer_cancelled_usd,
    median_rest_seconds,
    TRY_DIVIDE(layer_cancelled_usd, SUM(layer_cancelled_usd) OVER (PARTITION BY bucket_start)) AS layer_side_share,
    ROW_NUMBER() OVER (PARTITION BY bucket_start ORDER BY layer_cancelled_usd DESC, side NULLS LAST) AS side_rank
  FROM by_side
), side_cancels AS (
  SELECT
    bucket_start,
    side,
    TRY_DIVIDE(SUM(qty - filled_qty) FILTER(WHERE
      status = 'cancelled'), NULLIF(SUM(qty), 0)) AS side_cancel_ratio
  FROM subject_orders
  GROUP BY
    bucket_start,
    side
), fills AS (
  SELECT
    trade_id,
    ts,
    notional_usd,
    CASE
      WHEN ARRAY_CONTAINS(:group_ids, taker_account_id)
      THEN taker_side
      WHEN taker_side = 'buy'
      THEN 'sell'
      ELSE 'buy'
    END AS side,
    CASE
      WHEN ARRAY_CONTAINS(:group_ids, taker_account_id)
      THEN taker_account_id
      ELSE maker_account_id
    END AS filled_by
  FROM trades
  WHERE
    symbol = :symbol
    AND ts BETWEEN :start_ts AND :end_ts
    AND (
      ARRAY_CONTAINS(:group_ids, maker_account_id)
      OR ARRAY_CONTAINS(:group_ids, taker_account_id)
    )
    AND NOT (
      ARRAY_CONTAINS(:group_ids, maker_account_id)
      AND ARRAY_CONTAINS(:group_ids, taker_account_id)
    )
), opposite_trades AS (
  SELECT DISTINCT
    r.bucket_start AS bucket_start,
    f.trade_id AS trade_id,
    f.notional_usd AS notional_usd,
    f.filled_by AS filled_by
  FROM ranked AS r
  JOIN layers AS l
    ON l.bucket_start = r.bucket_start AND l.side = r.side
  JOIN fills AS f
    ON f.side <> r.side AND f.ts BETWEEN l.created_ts AND l.done_ts
  WHERE
    r.side_rank = 1
), opposite AS (
  SELECT
    bucket_start,
    COUNT(*) AS opposite_fills,
    SUM(notional_usd) AS opposite_fill_usd,
    COUNT(*) FILTER(WHERE
      filled_by <> :account_id) AS linked_opposite_fills
  FROM opposite_trades
  GROUP BY
    bucket_start
)
SELECT
  r.bucket_start AS episode_start,
  r.side AS layer_side,
  r.layer_orders AS layer_orders,
  r.layer_cancelled_usd AS layer_cancelled_usd,
  r.layer_side_share AS layer_side_share,
  r.median_rest_seconds AS median_rest_seconds,
  COALESCE(c.side_cancel_ratio, 0.0) AS layer_side_cancel_ratio,
  COALESCE(o.opposite_fills, 0) AS opposite_fills,
  COALESCE(o.opposite_fill_usd, 0.0) AS opposite_fill_usd,
  COALESCE(o.linked_opposite_fills, 0) AS linked_opposite_fills,
  COALESCE(TRY_DIVIDE(r.layer_cancelled_usd, NULLIF(o.opposite_fill_usd, 0)), 0.0) AS cancel_to_fill_multiple,
  m.mean_trade_usd AS mean_trade_usd
FROM ranked AS r
CROSS JOIN market AS m
LEFT JOIN side_cancels AS c
  ON c.bucket_start = r.bucket_start AND c.side = r.side
LEFT JOIN opposite AS o
  ON o.bucket_start = r.bucket_start
WHERE
  r.side_rank = 1
ORDER BY
  cancel_to_fill_multiple DESC,
  episode_start NULLS LAST
LIMIT 10
