WITH legs AS (
  SELECT maker_account_id AS account_id, ts FROM trades
  WHERE symbol = $symbol AND NOT is_liquidation AND ts BETWEEN $start_ts AND $end_ts
  UNION ALL
  SELECT taker_account_id AS account_id, ts FROM trades
  WHERE symbol = $symbol AND NOT is_liquidation AND ts BETWEEN $start_ts AND $end_ts
),
opened AS (
  SELECT account_id, min(ts) AS first_trade_ts FROM legs GROUP BY account_id
),
subject_open AS (
  SELECT first_trade_ts FROM opened WHERE account_id = $account_id
),
latest AS (
  SELECT account_id, arg_max(size, ts) AS size, arg_max(abs(size) * mark_price, ts) AS position_usd
  FROM position_snapshots
  WHERE symbol = $symbol AND ts BETWEEN $start_ts AND $snapshot_ts
  GROUP BY account_id
),
coordinated AS (
  SELECT l.account_id, l.position_usd
  FROM latest AS l
  JOIN opened AS o ON o.account_id = l.account_id
  CROSS JOIN subject_open AS so
  LEFT JOIN accounts AS a ON a.account_id = l.account_id
  WHERE l.account_id <> $account_id
    AND NOT list_contains($linked_ids, l.account_id)
    AND NOT coalesce(a.is_market_maker, false)
    AND sign(l.size) = sign($subject_size)
    AND abs(date_diff('second', o.first_trade_ts, so.first_trade_ts)) <= 60 * $coordination_minutes
)
SELECT count(*) AS coordinated_accounts,
       coalesce(list(account_id ORDER BY account_id), []) AS coordinated_account_ids,
       coalesce(sum(position_usd), 0) AS coordinated_same_side_usd,
       coalesce(($group_usd + coalesce(sum(position_usd), 0)) / nullif($open_interest_usd, 0), 0) AS coordinated_oi_share
FROM coordinated
