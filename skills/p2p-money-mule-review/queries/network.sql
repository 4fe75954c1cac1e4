WITH by_identity AS (
  SELECT unnest($group_ids) AS linked_account_id, unnest($group_links) AS link_reason
),
by_destination AS (
  SELECT DISTINCT t.account_id AS linked_account_id, 'same_withdrawal_address' AS link_reason
  FROM transfers AS t
  JOIN transfers AS s
    ON s.address = t.address
   AND s.account_id = $account_id
   AND s.kind = 'withdrawal'
   AND s.ts BETWEEN $start_ts AND $end_ts
  WHERE t.kind = 'withdrawal' AND t.account_id <> $account_id AND t.address IS NOT NULL
),
by_payer AS (
  SELECT DISTINCT o.buyer_account_id AS linked_account_id, 'same_payer_account' AS link_reason
  FROM p2p_orders AS o
  JOIN p2p_orders AS s
    ON s.payer_account_hash = o.payer_account_hash
   AND s.buyer_account_id = $account_id
   AND s.created_ts BETWEEN $start_ts AND $end_ts
  WHERE o.buyer_account_id <> $account_id AND o.payer_account_hash IS NOT NULL
),
all_links AS (
  SELECT linked_account_id, link_reason FROM by_identity
  UNION ALL
  SELECT linked_account_id, link_reason FROM by_destination
  UNION ALL
  SELECT linked_account_id, link_reason FROM by_payer
),
linked_orders AS (
  SELECT buyer_account_id AS account_id, count(*) AS p2p_buy_orders
  FROM p2p_orders
  WHERE created_ts BETWEEN $start_ts AND $end_ts
  GROUP BY buyer_account_id
)
SELECT l.linked_account_id AS linked_account_id,
       string_agg(DISTINCT l.link_reason, ',' ORDER BY l.link_reason) AS link_reasons,
       coalesce(max(n.p2p_buy_orders), 0) AS p2p_buy_orders,
       coalesce(bool_or(x.action IN ('withdraw_hold', 'freeze', 'offboard', 'sar_filed')), false) AS linked_account_actioned
FROM all_links AS l
LEFT JOIN linked_orders AS n ON n.account_id = l.linked_account_id
LEFT JOIN account_actions AS x ON x.account_id = l.linked_account_id
GROUP BY l.linked_account_id
ORDER BY l.linked_account_id
