WITH window_liqs AS (
  SELECT
    account_id,
    ts,
    insurance_fund_delta_usd
  FROM liquidations
  WHERE
    symbol = :symbol AND ts BETWEEN :start_ts AND :end_ts
), opened AS (
  SELECT
    account_id,
    MIN(ts) AS first_open_ts
  FROM (
    SELECT
      maker_account_id AS account_id,
      ts
    FROM trades
    WHERE
      symbol = :symbol AND NOT is_liquidation AND ts BETWEEN :start_ts AND :end_ts
    UNION ALL
    SELECT
      taker_account_id AS account_id,
      ts
    FROM trades
    WHERE
      symbol = :symbol AND NOT is_liquidation AND ts BETWEEN :start_ts AND :end_ts
  ) AS legs
  GROUP BY
    account_id
), anchor AS (
  SELECT
    (
      SELECT
        MIN(ts)
      FROM window_liqs
      WHERE
        account_id = :account_id
    ) AS first_liq_ts,
    (
      SELECT
        first_open_ts
      FROM opened
      WHERE
        account_id = :account_id
    ) AS first_open_ts
), coordinated AS (
  SELECT DISTINCT
    l.account_id AS account_id
  FROM window_liqs AS l
  JOIN opened AS o
    ON o.account_id = l.account_id
  CROSS JOIN anchor AS a
  WHERE
    NOT ARRAY_CONTAINS(:group_ids, l.account_id)
    AND ABS(
      TIMESTAMPDIFF(SECOND, DATE_TRUNC('SECOND', l.ts), DATE_TRUNC('SECOND', a.first_liq_ts))
    ) <= 60 * :coordination_minutes
    AND ABS(
      TIMESTAMPDIFF(SECOND, DATE_TRUNC('SECOND', o.first_open_ts), DATE_TRUNC('SECOND', a.first_open_ts))
    ) <= 60 * :coordination_minutes
)
SELECT
  COUNT(*) FILTER(WHERE
    account_id = :account_id) AS liquidation_count,
  COALESCE(
    -SUM(LEAST(insurance_fund_delta_usd, 0)) FILTER(WHERE
      account_id = :account_id),
    0
  ) AS insurance_fund_loss_usd,
  COALESCE(
    -SUM(LEAST(insurance_fund_delta_usd, 0)) FILTER(WHERE
      ARRAY_CONTAINS(:group_ids, account_id)
      OR account_id IN (
        SELECT
          account_id
        FROM coordinated
      )),
    0
  ) AS group_loss_usd,
  COALESCE(
    (
      SELECT
        -SUM(LEAST(o.insurance_fund_delta_usd, 0))
      FROM liquidations AS o
      WHERE
        o.symbol <> :symbol
        AND ARRAY_CONTAINS(:group_ids, o.account_id)
        AND o.ts BETWEEN :start_ts AND :end_ts
    ),
    0
  ) AS group_loss_other_contracts_usd,
  COALESCE(
    -SUM(LEAST(insurance_fund_delta_usd, 0)) FILTER(WHERE
      ARRAY_CONTAINS(:group_ids, account_id)
      OR account_id IN (
        SELECT
          account_id
        FROM coordinated
      )),
    0
  ) + COALESCE(
    (
      SELECT
        -SUM(LEAST(o.insurance_fund_delta_usd, 0))
      FROM liquidations AS o
      WHERE
        o.symbol <> :symbol
        AND ARRAY_CONTAINS(:group_ids, o.account_id)
        AND o.ts BETWEEN :start_ts AND :end_ts
    ),
    0
  ) AS group_loss_all_contracts_usd,
  (
    SELECT
      COUNT(*)
    FROM coordinated
  ) AS coordinated_accounts,
  COALESCE(
    (
      SELECT
        IF(
          COUNT(*) = 0,
          NULL,
          CONCAT(
            ARRAY_SORT(COLLECT_LIST(account_id)),
            ARRAY_REPEAT(NULL, CAST(COUNT(*) - COUNT(account_id) AS INT))
          )
        )
      FROM coordinated
    ),
    ARRAY()
  ) AS coordinated_account_ids,
  COUNT(DISTINCT account_id) FILTER(WHERE
    ABS(
      TIMESTAMPDIFF(
        SECOND,
        DATE_TRUNC('SECOND', ts),
        DATE_TRUNC('SECOND', (
          SELECT
            first_liq_ts
          FROM anchor
        ))
      )
    ) <= 60 * :coordination_minutes) AS accounts_liquidated_nearby
FROM window_liqs
