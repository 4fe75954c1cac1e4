WITH linked_group AS (
  SELECT unnest($group_ids) AS linked_account_id, unnest($group_links) AS link_reason
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
  SELECT linked_account_id, link_reason FROM linked_group
  UNION ALL
  SELECT linked_account_id, link_reason FROM internal_funding
)
SELECT linked_account_id AS linked_account_id,
       string_agg(DISTINCT link_reason, ',' ORDER BY link_reason) AS link_reasons
FROM all_links
GROUP BY linked_account_id
ORDER BY linked_account_id
