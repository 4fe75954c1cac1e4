WITH reviewed AS (
  SELECT
    case_id,
    alert_type,
    COALESCE(sop_id, '(none)') AS sop_id,
    COALESCE(sop_version, '(none)') AS sop_version,
    (
      ARRAY_CONTAINS(CAST(:disagree_ids AS ARRAY<STRING>), case_id)
      OR ARRAY_CONTAINS(CAST(:manual_error_ids AS ARRAY<STRING>), case_id)
    )
    AND NOT ARRAY_CONTAINS(CAST(:explained_ids AS ARRAY<STRING>), case_id) AS confirmed_error
  FROM alert_cases
  WHERE
    ARRAY_CONTAINS(CAST(:sampled_ids AS ARRAY<STRING>), case_id)
), by_group AS (
  SELECT
    alert_type,
    sop_id,
    sop_version,
    COUNT(*) AS sampled,
    COUNT(*) FILTER(WHERE
      confirmed_error) AS errors,
    TRY_DIVIDE(CAST(COUNT(*) FILTER(WHERE
      confirmed_error) AS DOUBLE), COUNT(*)) AS error_rate
  FROM reviewed
  GROUP BY
    alert_type,
    sop_id,
    sop_version
), worst AS (
  SELECT
    alert_type,
    sop_id,
    sop_version,
    sampled,
    errors,
    error_rate
  FROM by_group
  ORDER BY
    errors >= :min_systematic_errors DESC,
    error_rate DESC,
    errors DESC,
    alert_type NULLS LAST
  LIMIT 1
), overall AS (
  SELECT
    COUNT(*) AS sampled,
    COUNT(*) FILTER(WHERE
      confirmed_error) AS confirmed_errors,
    COALESCE(
      TRY_DIVIDE(CAST(COUNT(*) FILTER(WHERE
        confirmed_error) AS DOUBLE), NULLIF(COUNT(*), 0)),
      0
    ) AS error_rate,
    COALESCE(
      IF(
        COUNT(*) FILTER(WHERE
          confirmed_error) = 0,
        NULL,
        CONCAT(
          ARRAY_SORT(COLLECT_LIST(case_id) FILTER(WHERE
            confirmed_error)),
          ARRAY_REPEAT(
            NULL,
            CAST(COUNT(*) FILTER(WHERE
              confirmed_error) - COUNT(case_id) FILTER(WHERE
              confirmed_error) AS INT)
          )
        )
      ),
      CAST(ARRAY() AS ARRAY<STRING>)
    ) AS error_case_ids
  FROM reviewed
)
SELECT
  o.sampled,
  o.confirmed_errors,
  o.error_rate,
  o.error_case_ids,
  COALESCE(w.alert_type, '') AS worst_alert_type,
  COALESCE(w.sop_id, '') AS worst_sop_id,
  COALESCE(w.sop_version, '') AS worst_sop_version,
  COALESCE(w.sampled, 0) AS worst_group_sampled,
  COALESCE(w.errors, 0) AS worst_group_errors,
  COALESCE(w.error_rate, 0) AS worst_group_error_rate
FROM overall AS o
LEFT JOIN worst AS w
  ON TRUE
