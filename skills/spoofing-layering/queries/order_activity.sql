WITH subject_orders AS (
  SELECT order_type, tif, qty, filled_qty, status, created_ts, done_ts
  FROM orders
  WHERE account_id = $account_id AND symbol = $symbol
    AND created_ts BETWEEN $start_ts AND $end_ts
),
executions AS (
  SELECT count(*) AS trade_count
  FROM trades
  WHERE symbol = $symbol AND ts BETWEEN $start_ts AND $end_ts
    AND (maker_account_id = $account_id OR taker_account_id = $account_id)
)
SELECT count(*) AS orders_placed,
       count(*) FILTER (WHERE o.status = 'cancelled') AS orders_cancelled,
       count(*) FILTER (WHERE o.filled_qty > 0) AS orders_with_fills,
       coalesce(max(e.trade_count), 0) AS trade_count,
       coalesce(count(*) FILTER (WHERE o.status = 'cancelled') / nullif(count(*), 0), 0.0) AS cancel_ratio,
       coalesce(1 - sum(o.filled_qty) / nullif(sum(o.qty), 0), 0.0) AS unfilled_ratio,
       coalesce(count(*) FILTER (WHERE o.status = 'cancelled' AND o.order_type = 'limit'
                                   AND coalesce(o.tif, 'GTC') NOT IN ('IOC', 'FOK')
                                   AND date_diff('millisecond', o.created_ts, o.done_ts) < $fast_cancel_seconds * 1000)
                / nullif(count(*) FILTER (WHERE o.order_type = 'limit'
                                            AND coalesce(o.tif, 'GTC') NOT IN ('IOC', 'FOK')), 0),
                0.0) AS fast_cancel_ratio,
       coalesce(count(*) / nullif(max(e.trade_count), 0), CAST(count(*) AS DOUBLE)) AS order_to_trade_ratio
FROM subject_orders AS o
CROSS JOIN executions AS e
