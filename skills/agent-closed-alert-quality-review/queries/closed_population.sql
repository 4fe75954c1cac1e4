SELECT count(*) AS closed_count,
       count(DISTINCT closed_by) AS agents,
       count(DISTINCT alert_type) AS alert_types,
       count(*) FILTER (WHERE outcome = 'no_action') AS no_action_count,
       least(count(*), CAST($sample_size AS BIGINT)) AS to_sample
FROM alert_cases
WHERE closer_type = 'agent'
  AND ($agent_id = 'all' OR closed_by = $agent_id)
  AND ($alert_type = 'all' OR alert_type = $alert_type)
  AND closed_ts >= $start_ts AND closed_ts < $end_ts
