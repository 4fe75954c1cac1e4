WITH by_identity AS (
  SELECT
    TRY_ELEMENT_AT(:group_ids, i) AS linked_account_id,
    TRY_ELEMENT_AT(:group_links, i) AS link_reason
  FROM (
    SELECT
      EXPLODE(SEQUENCE(1, n)) AS i
    FROM (
      SELECT
        GREATEST(COALESCE(SIZE(:group_ids), 0), COALESCE(SIZE(:group_links), 0)) AS n
    )
    WHERE
      n > 0
  )
), by_destination AS (
  SELECT DISTINCT
    t.account_id AS linked_account_id,
    'same_withdrawal_address' AS link_reason
  FROM transfers AS t
  JOIN transfers AS s
    ON s.address = t.address
    AND s.account_id = :account_id
    AND s.kind = 'withdrawal'
    AND s.ts BETWEEN :start_ts AND :end_ts
  WHERE
    t.kind = 'withdrawal' AND t.account_id <> :account_id AND NOT t.address IS NULL
), by_payer AS (
  SELECT DISTINCT
    o.buyer_account_id AS linked_account_id,
    'same_payer_account' AS link_reason
  FROM p2p_orders AS o
  JOIN p2p_orders AS s
    ON s.payer_account_hash = o.payer_account_hash
    AND s.buyer_account_id = :account_id
    AND s.created_ts BETWEEN :start_ts AND :end_ts
  WHERE
    o.buyer_account_id <> :account_id AND NOT o.payer_account_hash IS NULL
), all_links AS (
  SELECT
    linked_account_id,
    link_reason
  FROM by_identity
  UNION ALL
  SELECT
    linked_account_id,
    link_reason
  FROM by_destination
  UNION ALL
  SELECT
    linked_account_id,
    link_reason
  FROM by_payer
), linked_orders AS (
  SELECT
    buyer_account_id AS account_id,
    COUNT(*) AS p2p_buy_orders
  FROM p2p_orders
  WHERE
    created_ts BETWEEN :start_ts AND :end_ts
  GROUP BY
    buyer_account_id
)
SELECT
  l.linked_account_id AS linked_account_id,
  IF(
    SIZE(COLLECT_SET(l.link_reason)) = 0,
    NULL,
    ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(l.link_reason)), ',')
  ) AS link_reasons,
  COALESCE(MAX(n.p2p_buy_orders), 0) AS p2p_buy_orders,
  COALESCE(BOOL_OR(x.action IN ('withdraw_hold', 'freeze', 'offboard', 'sar_filed')), FALSE) AS linked_account_actioned
FROM all_links AS l
LEFT JOIN linked_orders AS n
  ON n.account_id = l.linked_account_id
LEFT JOIN account_actions AS x
  ON x.account_id = l.linked_account_id
GROUP BY
  l.linked_account_id
ORDER BY
  l.linked_account_id NULLS LAST
