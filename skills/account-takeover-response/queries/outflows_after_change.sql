WITH changes AS (
  SELECT min(ts) AS first_change_ts
  FROM security_events
  WHERE account_id = $account_id
    AND ts BETWEEN $start_ts AND $end_ts
    AND event_type IN ('password_reset', '2fa_reset', 'api_key_create', 'withdraw_addr_add')
),
balance AS (
  SELECT coalesce(sum(CASE WHEN t.kind IN ('deposit', 'internal_in') THEN t.amount_usd ELSE -t.amount_usd END), 0) AS usd
  FROM transfers AS t
  CROSS JOIN changes AS c
  WHERE t.account_id = $account_id AND t.ts < c.first_change_ts
),
balance_now AS (
  SELECT coalesce(sum(CASE WHEN kind IN ('deposit', 'internal_in') THEN amount_usd ELSE -amount_usd END), 0) AS usd
  FROM transfers
  WHERE account_id = $account_id
),
known_addresses AS (
  SELECT DISTINCT address AS value
  FROM transfers
  WHERE account_id = $account_id AND kind = 'withdrawal' AND ts < $start_ts AND address IS NOT NULL
),
outflows AS (
  SELECT t.transfer_id AS transfer_id, t.ts AS ts, t.kind AS kind, t.amount_usd AS amount_usd,
         t.address AS address, t.counterparty_account_id AS counterparty_account_id,
         EXISTS (
           SELECT 1 FROM security_events AS s
           WHERE s.account_id = $account_id
             AND s.event_type IN ('password_reset', '2fa_reset', 'withdraw_addr_add')
             AND s.ts <= t.ts
             AND s.ts > t.ts - to_hours(CAST($withdrawal_lock_hours AS BIGINT))
         ) AS inside_lock
  FROM transfers AS t
  CROSS JOIN changes AS c
  WHERE t.account_id = $account_id
    AND t.kind IN ('withdrawal', 'internal_out')
    AND t.ts >= c.first_change_ts
    AND t.ts <= $end_ts
)
SELECT count(o.transfer_id) AS outflows,
       coalesce(sum(o.amount_usd), 0) AS outflow_usd,
       coalesce(sum(o.amount_usd) FILTER (WHERE o.kind = 'withdrawal'), 0) AS onchain_usd,
       coalesce(sum(o.amount_usd) FILTER (WHERE o.kind = 'internal_out'), 0) AS internal_usd,
       coalesce(sum(o.amount_usd) FILTER (WHERE o.kind = 'withdrawal'
                                            AND o.address NOT IN (SELECT value FROM known_addresses)), 0) AS new_address_usd,
       count(o.transfer_id) FILTER (WHERE o.inside_lock) AS inside_lock,
       max(b.usd) AS balance_before_usd,
       greatest(max(n.usd), 0) AS balance_now_usd,
       CASE WHEN max(b.usd) > 0 THEN coalesce(sum(o.amount_usd), 0) / max(b.usd) ELSE 0.0 END AS outflow_share,
       date_diff('minute', max(c.first_change_ts), min(o.ts)) AS minutes_change_to_outflow,
       coalesce(string_agg(DISTINCT o.address, ',' ORDER BY o.address), '') AS destination_addresses,
       coalesce(string_agg(DISTINCT o.counterparty_account_id, ',' ORDER BY o.counterparty_account_id), '') AS internal_recipients
FROM changes AS c
CROSS JOIN balance AS b
CROSS JOIN balance_now AS n
LEFT JOIN outflows AS o ON true
