WITH subject_trades AS (
  SELECT notional_usd, symbol,
         CASE WHEN maker_account_id = $account_id THEN taker_account_id ELSE maker_account_id END AS counterparty
  FROM trades
  WHERE (maker_account_id = $account_id OR taker_account_id = $account_id)
    AND ts BETWEEN $start_ts AND $end_ts
)
SELECT coalesce(sum(notional_usd), 0) AS volume_usd,
       coalesce(sum(notional_usd) FILTER (WHERE counterparty = $account_id), 0) AS self_volume_usd,
       coalesce(sum(notional_usd) FILTER (WHERE list_contains($linked_ids, counterparty)), 0) AS related_volume_usd,
       coalesce(sum(notional_usd) FILTER (WHERE counterparty = $account_id OR list_contains($linked_ids, counterparty))
                / nullif(sum(notional_usd), 0), 0) AS related_match_ratio,
       coalesce(list_sort(list(DISTINCT counterparty) FILTER (WHERE list_contains($linked_ids, counterparty))),
                []) AS matched_linked_ids,
       count(*) AS trade_count,
       coalesce(list_sort(list(DISTINCT symbol)), []) AS symbols
FROM subject_trades
