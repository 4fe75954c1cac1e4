WITH shared_identity AS (
  SELECT
    o.account_id AS linked_account_id,
    o.link_type AS link_reason
  FROM identity_links AS s
  JOIN identity_links AS o
    ON o.link_type = s.link_type
    AND o.link_value = s.link_value
    AND o.account_id <> s.account_id
  WHERE
    s.account_id = :buyer_id AND s.link_type <> 'ip'
), same_payer AS (
  SELECT DISTINCT
    buyer_account_id AS linked_account_id,
    'same_payer_account' AS link_reason
  FROM p2p_orders
  WHERE
    :payer_hash <> ''
    AND payer_account_hash = :payer_hash
    AND buyer_account_id <> :buyer_id
), all_links AS (
  SELECT
    linked_account_id,
    link_reason
  FROM shared_identity
  UNION ALL
  SELECT
    linked_account_id,
    link_reason
  FROM same_payer
)
SELECT
  l.linked_account_id AS linked_account_id,
  IF(
    SIZE(COLLECT_SET(l.link_reason)) = 0,
    NULL,
    ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(l.link_reason)), ',')
  ) AS link_reasons,
  COALESCE(BOOL_OR(x.action IN ('withdraw_hold', 'freeze', 'offboard', 'sar_filed')), FALSE) AS linked_account_actioned
FROM all_links AS l
LEFT JOIN account_actions AS x
  ON x.account_id = l.linked_account_id
GROUP BY
  l.linked_account_id
ORDER BY
  l.linked_account_id NULLS LAST
