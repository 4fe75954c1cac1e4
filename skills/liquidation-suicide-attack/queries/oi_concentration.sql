SELECT p.account_id AS account_id,
       max(abs(p.size) * coalesce(p.mark_price, b.mark_price)) AS peak_position_usd,
       coalesce(max(abs(p.size) * coalesce(p.mark_price, b.mark_price) / nullif(b.open_interest_usd, 0)), 0) AS peak_oi_share,
       coalesce(max(abs(p.size) * coalesce(p.mark_price, b.mark_price) / nullif(b.depth_2pct_usd, 0)), 0) AS peak_depth_multiple
FROM position_snapshots AS p
JOIN market_bars_1m AS b
  ON b.symbol = p.symbol AND b.ts = date_trunc('minute', p.ts)
WHERE p.symbol = $symbol
  AND list_contains($group_ids, p.account_id)
  AND p.ts BETWEEN $start_ts AND $end_ts
GROUP BY p.account_id
ORDER BY peak_oi_share DESC, account_id
