WITH baseline AS (
  SELECT device_id, ip, geo_country
  FROM security_events
  WHERE account_id = $account_id
    AND ts >= $start_ts - to_days(CAST($baseline_days AS BIGINT))
    AND ts < $start_ts
),
known_devices AS (
  SELECT device_id AS value FROM baseline WHERE device_id IS NOT NULL
  UNION
  SELECT link_value AS value FROM identity_links
  WHERE account_id = $account_id AND link_type = 'device_id' AND first_seen < $start_ts
),
known_ips AS (
  SELECT ip AS value FROM baseline WHERE ip IS NOT NULL
  UNION
  SELECT link_value AS value FROM identity_links
  WHERE account_id = $account_id AND link_type = 'ip' AND first_seen < $start_ts
),
known_countries AS (
  SELECT geo_country AS value FROM baseline WHERE geo_country IS NOT NULL
  UNION
  SELECT country AS value FROM accounts WHERE account_id = $account_id AND country IS NOT NULL
)
SELECT e.ts AS ts,
       e.event_type AS event_type,
       e.device_id AS device_id,
       e.ip AS ip,
       e.geo_country AS geo_country,
       CASE WHEN e.device_id IS NULL THEN coalesce(e.ip NOT IN (SELECT value FROM known_ips), true)
            ELSE e.device_id NOT IN (SELECT value FROM known_devices) END AS new_device,
       coalesce(e.ip NOT IN (SELECT value FROM known_ips), true) AS new_ip,
       coalesce(e.geo_country NOT IN (SELECT value FROM known_countries), false) AS new_country
FROM security_events AS e
WHERE e.account_id = $account_id
  AND e.ts BETWEEN $start_ts AND $end_ts
ORDER BY e.ts, e.event_type
