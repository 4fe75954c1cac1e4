WITH window_liqs AS (
  SELECT account_id, ts, insurance_fund_delta_usd
  FROM liquidations
  WHERE symbol = $symbol AND ts BETWEEN $start_ts AND $end_ts
),
opened AS (
  SELECT account_id, min(ts) AS first_open_ts
  FROM (
    SELECT maker_account_id AS account_id, ts FROM trades
    WHERE symbol = $symbol AND NOT is_liquidation AND ts BETWEEN $start_ts AND $end_ts
    UNION ALL
    SELECT taker_account_id AS account_id, ts FROM trades
    WHERE symbol = $symbol AND NOT is_liquidation AND ts BETWEEN $start_ts AND $end_ts
  ) AS legs
  GROUP BY account_id
),
anchor AS (
  SELECT (SELECT min(ts) FROM window_liqs WHERE account_id = $account_id) AS first_liq_ts,
         (SELECT first_open_ts FROM opened WHERE account_id = $account_id) AS first_open_ts
),
coordinated AS (
  SELECT DISTINCT l.account_id AS account_id
  FROM window_liqs AS l
  JOIN opened AS o ON o.account_id = l.account_id
  CROSS JOIN anchor AS a
  WHERE NOT list_contains($group_ids, l.account_id)
    AND abs(date_diff('second', l.ts, a.first_liq_ts)) <= 60 * $coordination_minutes
    AND abs(date_diff('second', o.first_open_ts, a.first_open_ts)) <= 60 * $coordination_minutes
)
SELECT count(*) FILTER (WHERE account_id = $account_id) AS liquidation_count,
       coalesce(-sum(least(insurance_fund_delta_usd, 0)) FILTER (WHERE account_id = $account_id), 0) AS insurance_fund_loss_usd,
       coalesce(-sum(least(insurance_fund_delta_usd, 0)) FILTER (WHERE list_contains($group_ids, account_id)
         OR account_id IN (SELECT account_id FROM coordinated)), 0) AS group_loss_usd,
       coalesce((SELECT -sum(least(o.insurance_fund_delta_usd, 0)) FROM liquidations AS o
                  WHERE o.symbol <> $symbol AND list_contains($group_ids, o.account_id)
                    AND o.ts BETWEEN $start_ts AND $end_ts), 0) AS group_loss_other_contracts_usd,
       coalesce(-sum(least(insurance_fund_delta_usd, 0)) FILTER (WHERE list_contains($group_ids, account_id)
         OR account_id IN (SELECT account_id FROM coordinated)), 0)
         + coalesce((SELECT -sum(least(o.insurance_fund_delta_usd, 0)) FROM liquidations AS o
                      WHERE o.symbol <> $symbol AND list_contains($group_ids, o.account_id)
                        AND o.ts BETWEEN $start_ts AND $end_ts), 0) AS group_loss_all_contracts_usd,
       (SELECT count(*) FROM coordinated) AS coordinated_accounts,
       coalesce((SELECT list(account_id ORDER BY account_id) FROM coordinated), []) AS coordinated_account_ids,
       count(DISTINCT account_id) FILTER (WHERE abs(date_diff('second', ts, (SELECT first_liq_ts FROM anchor)))
         <= 60 * $coordination_minutes) AS accounts_liquidated_nearby
FROM window_liqs
