WITH changes AS (
  SELECT
    MIN(ts) AS first_change_ts
  FROM security_events
  WHERE
    account_id = :account_id
    AND ts BETWEEN :start_ts AND :end_ts
    AND event_type IN ('password_reset', '2fa_reset', 'api_key_create', 'withdraw_addr_add')
), balance AS (
  SELECT
    COALESCE(
      SUM(
        CASE
          WHEN t.kind IN ('deposit', 'internal_in')
          THEN t.amount_usd
          ELSE -t.amount_usd
        END
      ),
      0
    ) AS usd
  FROM transfers AS t
  CROSS JOIN changes AS c
  WHERE
    t.account_id = :account_id AND t.ts < c.first_change_ts
), balance_now AS (
  SELECT
    COALESCE(
      SUM(
        CASE WHEN kind IN ('deposit', 'internal_in') THEN amount_usd ELSE -amount_usd END
      ),
      0
    ) AS usd
  FROM transfers
  WHERE
    account_id = :account_id
), known_addresses AS (
  SELECT DISTINCT
    address AS value
  FROM transfers
  WHERE
    account_id = :account_id
    AND kind = 'withdrawal'
    AND ts < :start_ts
    AND NOT address IS NULL
), outflows AS (
  SELECT
    t.transfer_id AS transfer_id,
    t.ts AS ts,
    t.kind AS kind,
    t.amount_usd AS amount_usd,
    t.address AS address,
    t.counterparty_account_id AS counterparty_account_id,
    EXISTS(
      SELECT
        1
      FROM security_events AS s
      WHERE
        s.account_id = :account_id
        AND s.event_type IN ('password_reset', '2fa_reset', 'withdraw_addr_add')
        AND s.ts <= t.ts
        AND s.ts > t.ts - (
          CAST(:withdrawal_lock_hours AS BIGINT)
        ) * INTERVAL '1' HOUR
    ) AS inside_lock
  FROM transfers AS t
  CROSS JOIN changes AS c
  WHERE
    t.account_id = :account_id
    AND t.kind IN ('withdrawal', 'internal_out')
    AND t.ts >= c.first_change_ts
    AND t.ts <= :end_ts
)
SELECT
  COUNT(o.transfer_id) AS outflows,
  COALESCE(SUM(o.amount_usd), 0) AS outflow_usd,
  COALESCE(SUM(o.amount_usd) FILTER(WHERE
    o.kind = 'withdrawal'), 0) AS onchain_usd,
  COALESCE(SUM(o.amount_usd) FILTER(WHERE
    o.kind = 'internal_out'), 0) AS internal_usd,
  COALESCE(
    SUM(o.amount_usd) FILTER(WHERE
      o.kind = 'withdrawal'
      AND NOT o.address IN (
        SELECT
          value
        FROM known_addresses
      )),
    0
  ) AS new_address_usd,
  COUNT(o.transfer_id) FILTER(WHERE
    o.inside_lock) AS inside_lock,
  MAX(b.usd) AS balance_before_usd,
  GREATEST(MAX(n.usd), 0) AS balance_now_usd,
  CASE
    WHEN MAX(b.usd) > 0
    THEN TRY_DIVIDE(COALESCE(SUM(o.amount_usd), 0), MAX(b.usd))
    ELSE 0.0
  END AS outflow_share,
  TIMESTAMPDIFF(
    MINUTE,
    DATE_TRUNC('MINUTE', MAX(c.first_change_ts)),
    DATE_TRUNC('MINUTE', MIN(o.ts))
  ) AS minutes_change_to_outflow,
  COALESCE(
    IF(
      SIZE(COLLECT_SET(o.address)) = 0,
      NULL,
      ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(o.address)), ',')
    ),
    ''
  ) AS destination_addresses,
  COALESCE(
    IF(
      SIZE(COLLECT_SET(o.counterparty_account_id)) = 0,
      NULL,
      ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(o.counterparty_account_id)), ',')
    ),
    ''
  ) AS internal_recipients
FROM changes AS c
CROSS JOIN balance AS b
CROSS JOIN balance_now AS n
LEFT JOIN outflows AS o
  ON TRUE
