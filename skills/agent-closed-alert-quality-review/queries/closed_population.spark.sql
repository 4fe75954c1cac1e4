SELECT
  COUNT(*) AS closed_count,
  COUNT(DISTINCT closed_by) AS agents,
  COUNT(DISTINCT alert_type) AS alert_types,
  COUNT(*) FILTER(WHERE
    outcome = 'no_action') AS no_action_count,
  LEAST(COUNT(*), CAST(:sample_size AS BIGINT)) AS to_sample
FROM alert_cases
WHERE
  closer_type = 'agent'
  AND (
    :agent_id = 'all' OR closed_by = :agent_id
  )
  AND (
    :alert_type = 'all' OR alert_type = :alert_type
  )
  AND closed_ts >= :start_ts
  AND closed_ts < :end_ts
