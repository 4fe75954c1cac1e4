WITH linked_group AS (
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
), internal_funding AS (
  SELECT
    counterparty_account_id AS linked_account_id,
    'internal_transfer' AS link_reason
  FROM transfers
  WHERE
    account_id = :account_id
    AND kind IN ('internal_in', 'internal_out')
    AND NOT counterparty_account_id IS NULL
    AND counterparty_account_id <> :account_id
), all_links AS (
  SELECT
    linked_account_id,
    link_reason
  FROM linked_group
  UNION ALL
  SELECT
    linked_account_id,
    link_reason
  FROM internal_funding
)
SELECT
  linked_account_id AS linked_account_id,
  IF(
    SIZE(COLLECT_SET(link_reason)) = 0,
    NULL,
    ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(link_reason)), ',')
  ) AS link_reasons
FROM all_links
GROUP BY
  linked_account_id
ORDER BY
  linked_account_id NULLS LAST
