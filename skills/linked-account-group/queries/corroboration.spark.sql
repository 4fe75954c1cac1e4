WITH weak AS (
  SELECT DISTINCT
    l.link_type AS link_type,
    l.link_value AS link_value
  FROM identity_links AS l
  WHERE
    ARRAY_CONTAINS(:group_ids, l.account_id)
    AND l.link_type IN ('ip', 'phone', 'email_norm', 'deposit_source_address')
)
SELECT
  COUNT(DISTINCT l.account_id) AS weak_only_accounts,
  COUNT(DISTINCT l.link_type || ':' || l.link_value) AS weak_links
FROM identity_links AS l
JOIN weak AS w
  ON w.link_type = l.link_type AND w.link_value = l.link_value
WHERE
  NOT ARRAY_CONTAINS(:group_ids, l.account_id)
