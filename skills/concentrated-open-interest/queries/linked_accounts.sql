WITH subject AS (
  SELECT account_id, user_id, parent_account_id
  FROM accounts
  WHERE account_id = $account_id
),
shared_identity AS (
  SELECT o.account_id AS linked_account_id, o.link_type AS link_reason
  FROM identity_links AS s
  JOIN identity_links AS o
    ON o.link_type = s.link_type AND o.link_value = s.link_value AND o.account_id <> s.account_id
  WHERE s.account_id = $account_id
    AND s.link_type <> 'ip'
),
same_owner AS (
  SELECT a.account_id AS linked_account_id, 'same_user_or_parent' AS link_reason
  FROM accounts AS a
  JOIN subject AS s
    ON a.account_id <> s.account_id
   AND (a.user_id = s.user_id
        OR a.parent_account_id = s.account_id
        OR a.account_id = s.parent_account_id
        OR a.parent_account_id = s.parent_account_id)
),
internal_funding AS (
  SELECT counterparty_account_id AS linked_account_id, 'internal_transfer' AS link_reason
  FROM transfers
  WHERE account_id = $account_id
    AND kind IN ('internal_in', 'internal_out')
    AND counterparty_account_id IS NOT NULL
    AND counterparty_account_id <> $account_id
),
all_links AS (
  SELECT linked_account_id, link_reason FROM shared_identity
  UNION ALL
  SELECT linked_account_id, link_reason FROM same_owner
  UNION ALL
  SELECT linked_account_id, link_reason FROM internal_funding
)
SELECT linked_account_id AS linked_account_id,
       string_agg(DISTINCT link_reason, ',' ORDER BY link_reason) AS link_reasons
FROM all_links
GROUP BY linked_account_id
ORDER BY linked_account_id
