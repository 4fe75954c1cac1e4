WITH grantees AS (
  SELECT DISTINCT
    account_id
  FROM reward_grants
  WHERE
    campaign_id = :campaign_id AND granted_ts BETWEEN :start_ts AND :end_ts
), grantee_links AS (
  SELECT DISTINCT
    l.link_type AS link_type,
    l.link_value AS link_value
  FROM identity_links AS l
  JOIN grantees AS g
    ON g.account_id = l.account_id
  WHERE
    l.link_type IN (
      'device_id',
      'kyc_doc_hash',
      'face_hash',
      'phone',
      'bank_account',
      'payout_address',
      'ip'
    )
), sharing AS (
  SELECT
    l.link_type AS link_type,
    l.link_value AS link_value,
    COUNT(DISTINCT l.account_id) AS accounts,
    COUNT(DISTINCT g.account_id) AS grantees,
    IF(
      SIZE(COLLECT_SET(l.account_id)) = 0,
      NULL,
      ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(l.account_id)), ',')
    ) AS account_ids
  FROM identity_links AS l
  JOIN grantee_links AS k
    ON k.link_type = l.link_type AND k.link_value = l.link_value
  LEFT JOIN grantees AS g
    ON g.account_id = l.account_id
  GROUP BY
    l.link_type,
    l.link_value
  HAVING
    COUNT(DISTINCT l.account_id) >= 2
), barred AS (
  SELECT
    link_type,
    link_value,
    accounts,
    grantees,
    account_ids,
    CASE link_type
      WHEN 'device_id'
      THEN CAST(:device_min_accounts AS BIGINT)
      WHEN 'kyc_doc_hash'
      THEN CAST(:document_min_accounts AS BIGINT)
      WHEN 'face_hash'
      THEN CAST(:document_min_accounts AS BIGINT)
      WHEN 'phone'
      THEN CAST(:phone_min_accounts AS BIGINT)
      WHEN 'ip'
      THEN CAST(:ip_min_accounts AS BIGINT)
      ELSE CAST(:payout_min_accounts AS BIGINT)
    END AS min_accounts
  FROM sharing
)
SELECT
  link_type,
  link_value,
  accounts,
  grantees,
  min_accounts,
  accounts >= min_accounts AS meets_threshold,
  account_ids
FROM barred
ORDER BY
  meets_threshold DESC,
  accounts DESC,
  link_type NULLS LAST,
  link_value NULLS LAST
