WITH subject_orders AS (
  SELECT
    order_type,
    tif,
    qty,
    filled_qty,
    status,
    created_ts,
    done_ts
  FROM orders
  WHERE
    account_id = :account_id
    AND symbol = :symbol
    AND created_ts BETWEEN :start_ts AND :end_ts
), executions AS (
  SELECT
    COUNT(*) AS trade_count
  FROM trades
  WHERE
    symbol = :symbol
    AND ts BETWEEN :start_ts AND :end_ts
    AND (
      maker_account_id = :account_id OR taker_account_id = :account_id
    )
)
SELECT
  COUNT(*) AS orders_placed,
  COUNT(*) FILTER(WHERE
    o.status = 'cancelled') AS orders_cancelled,
  COUNT(*) FILTER(WHERE
    o.filled_qty > 0) AS orders_with_fills,
  COALESCE(MAX(e.trade_count), 0) AS trade_count,
  COALESCE(
    TRY_DIVIDE(COUNT(*) FILTER(WHERE
      o.status = 'cancelled'), NULLIF(COUNT(*), 0)),
    0.0
  ) AS cancel_ratio,
  COALESCE(1 - TRY_DIVIDE(SUM(o.filled_qty), NULLIF(SUM(o.qty), 0)), 0.0) AS unfilled_ratio,
  COALESCE(
    TRY_DIVIDE(
      COUNT(*) FILTER(WHERE
        o.status = 'cancelled'
        AND o.order_type = 'limit'
        AND NOT COALESCE(o.tif, 'GTC') IN ('IOC', 'FOK')
        AND TIMESTAMPDIFF(
          MILLISECOND,
          DATE_TRUNC('MILLISECOND', o.created_ts),
          DATE_TRUNC('MILLISECOND', o.done_ts)
        ) < :fast_cancel_seconds * 1000),
      NULLIF(
        COUNT(*) FILTER(WHERE
          o.order_type = 'limit' AND NOT COALESCE(o.tif, 'GTC') IN ('IOC', 'FOK')),
        0
      )
    ),
    0.0
  ) AS fast_cancel_ratio,
  COALESCE(TRY_DIVIDE(COUNT(*), NULLIF(MAX(e.trade_count), 0)), CAST(COUNT(*) AS DOUBLE)) AS order_to_trade_ratio
FROM subject_orders AS o
CROSS JOIN executions AS e
