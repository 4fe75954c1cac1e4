WITH flow AS (
  SELECT CASE WHEN maker_account_id = $account_id THEN taker_account_id ELSE maker_account_id END AS counterparty_id,
         notional_usd
  FROM trades
  WHERE symbol = $symbol
    AND (maker_account_id = $account_id OR taker_account_id = $account_id)
    AND NOT is_liquidation
    AND ts BETWEEN $start_ts AND $end_ts
),
by_counterparty AS (
  SELECT counterparty_id, sum(notional_usd) AS notional_usd
  FROM flow
  GROUP BY counterparty_id
)
SELECT coalesce((SELECT sum(notional_usd) FROM flow), 0) AS volume_usd,
       coalesce((SELECT sum(notional_usd) FROM flow
                 WHERE counterparty_id = $account_id OR list_contains($linked_ids, counterparty_id)), 0) AS linked_volume_usd,
       coalesce((SELECT sum(notional_usd) FROM flow
                 WHERE counterparty_id = $account_id OR list_contains($linked_ids, counterparty_id))
                / nullif((SELECT sum(notional_usd) FROM flow), 0), 0) AS linked_match_share,
       (SELECT counterparty_id FROM by_counterparty ORDER BY notional_usd DESC, counterparty_id LIMIT 1) AS top_counterparty_id,
       coalesce((SELECT max(notional_usd) FROM by_counterparty) / nullif((SELECT sum(notional_usd) FROM flow), 0), 0) AS top_counterparty_share
