WITH reviewed AS (
  SELECT case_id, alert_type,
         coalesce(sop_id, '(none)') AS sop_id,
         coalesce(sop_version, '(none)') AS sop_version,
         (list_contains(CAST($disagree_ids AS VARCHAR[]), case_id)
           OR list_contains(CAST($manual_error_ids AS VARCHAR[]), case_id))
           AND NOT list_contains(CAST($explained_ids AS VARCHAR[]), case_id) AS confirmed_error
  FROM alert_cases
  WHERE list_contains(CAST($sampled_ids AS VARCHAR[]), case_id)
),
by_group AS (
  SELECT alert_type, sop_id, sop_version,
         count(*) AS sampled,
         count(*) FILTER (WHERE confirmed_error) AS errors,
         CAST(count(*) FILTER (WHERE confirmed_error) AS DOUBLE) / count(*) AS error_rate
  FROM reviewed
  GROUP BY alert_type, sop_id, sop_version
),
worst AS (
  SELECT alert_type, sop_id, sop_version, sampled, errors, error_rate
  FROM by_group
  ORDER BY errors >= $min_systematic_errors DESC, error_rate DESC, errors DESC, alert_type
  LIMIT 1
),
overall AS (
  SELECT count(*) AS sampled,
         count(*) FILTER (WHERE confirmed_error) AS confirmed_errors,
         coalesce(CAST(count(*) FILTER (WHERE confirmed_error) AS DOUBLE) / nullif(count(*), 0), 0)
           AS error_rate,
         coalesce(list(case_id ORDER BY case_id) FILTER (WHERE confirmed_error), CAST([] AS VARCHAR[]))
           AS error_case_ids
  FROM reviewed
)
SELECT o.sampled, o.confirmed_errors, o.error_rate, o.error_case_ids,
       coalesce(w.alert_type, '') AS worst_alert_type,
       coalesce(w.sop_id, '') AS worst_sop_id,
       coalesce(w.sop_version, '') AS worst_sop_version,
       coalesce(w.sampled, 0) AS worst_group_sampled,
       coalesce(w.errors, 0) AS worst_group_errors,
       coalesce(w.error_rate, 0) AS worst_group_error_rate
FROM overall AS o
LEFT JOIN worst AS w ON true
