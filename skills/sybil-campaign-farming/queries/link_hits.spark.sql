WITH grantees AS (
  SELECT DISTINCT
    account_id
  FROM reward_grants
  WHERE
    campaign_id = :campaign_id AND granted_ts BETWEEN :start_ts AND :end_ts
), link_sizes AS (
  SELECT
    l.link_type AS link_type,
    l.link_value AS link_value,
    COUNT(DISTINCT l.account_id) AS accounts
  FROM identity_links AS l
  WHERE
    l.link_type IN (
      'device_id',
      'kyc_doc_hash',
      'face_hash',
      'phone',
      'bank_account',
      'payout_address'
    )
    AND EXISTS(
      SELECT
        1
      FROM identity_links AS k
      JOIN grantees AS g
        ON g.account_id = k.account_id
      WHERE
        k.link_type = l.link_type AND k.link_value = l.link_value
    )
  GROUP BY
    l.link_type,
    l.link_value
), strong AS (
  SELECT
    link_type,
    link_value,
    accounts
  FROM link_sizes
  WHERE
    accounts >= CASE link_type
      WHEN 'device_id'
      THEN CAST(:device_min_accounts AS BIGINT)
      WHEN 'kyc_doc_hash'
      THEN CAST(:document_min_accounts AS BIGINT)
      WHEN 'face_hash'
      THEN CAST(:document_min_accounts AS BIGINT)
      WHEN 'phone'
      THEN CAST(:phone_min_accounts AS BIGINT)
      ELSE CAST(:payout_min_accounts AS BIGINT)
    END
)
SELECT
  l.account_id AS account_id,
  IF(
    SIZE(COLLECT_SET(s.link_type)) = 0,
    NULL,
    ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(s.link_type)), ',')
  ) AS link_types,
  MAX(s.accounts) AS max_accounts_on_link,
  BOOL_OR(s.link_type IN ('kyc_doc_hash', 'face_hash')) AS shares_identity
FROM identity_links AS l
JOIN strong AS s
  ON s.link_type = l.link_type AND s.link_value = l.link_value
JOIN grantees AS g
  ON g.account_id = l.account_id
GROUP BY
  l.account_id
ORDER BY
  l.account_id NULLS LAST
