WITH subject AS (
  SELECT link_type, link_value FROM identity_links WHERE account_id = $account_id
)
SELECT DISTINCT l.account_id AS account_id, l.link_type AS link_type
FROM identity_links AS l
JOIN subject AS s ON l.link_type = s.link_type AND l.link_value = s.link_value
WHERE l.account_id <> $account_id
  AND l.link_type IN ('device_id', 'kyc_doc_hash', 'face_hash', 'payout_address', 'bank_account')
UNION
SELECT a.account_id AS account_id, 'parent' AS link_type
FROM accounts AS a
WHERE a.account_id <> $account_id
  AND a.parent_account_id = (SELECT parent_account_id FROM accounts WHERE account_id = $account_id)
ORDER BY account_id
