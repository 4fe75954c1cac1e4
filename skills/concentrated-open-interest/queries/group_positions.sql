WITH latest AS (
  SELECT account_id,
         arg_max(size, ts) AS size,
         arg_max(abs(size) * mark_price, ts) AS position_usd
  FROM position_snapshots
  WHERE symbol = $symbol
    AND list_contains($linked_ids, account_id)
    AND ts BETWEEN $start_ts AND $snapshot_ts
  GROUP BY account_id
)
SELECT count(*) FILTER (WHERE size <> 0) AS linked_with_position,
       coalesce(sum(position_usd) FILTER (WHERE sign(size) = sign($subject_size)), 0) AS linked_same_side_usd,
       coalesce(sum(position_usd) FILTER (WHERE sign(size) = -sign($subject_size)), 0) AS linked_opposite_usd,
       coalesce(list(account_id ORDER BY account_id) FILTER (WHERE sign(size) = -sign($subject_size)), []) AS opposite_account_ids,
       coalesce(($subject_usd + coalesce(sum(position_usd) FILTER (WHERE sign(size) = sign($subject_size)), 0))
                / nullif($open_interest_usd, 0), 0) AS group_oi_share,
       coalesce(sum(position_usd) FILTER (WHERE sign(size) = -sign($subject_size)) / nullif($subject_usd, 0), 0) AS linked_opposite_ratio
FROM latest
