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
),
events AS (
  SELECT e.ts AS ts,
         e.event_type AS event_type,
         e.geo_country AS geo_country,
         e.device_id IS NULL AS no_device,
         CASE WHEN e.device_id IS NULL THEN coalesce(e.ip NOT IN (SELECT value FROM known_ips), true)
              ELSE e.device_id NOT IN (SELECT value FROM known_devices) END AS new_device,
         coalesce(e.geo_country NOT IN (SELECT value FROM known_countries), false) AS new_country
  FROM security_events AS e
  WHERE e.account_id = $account_id
    AND e.ts BETWEEN $start_ts AND $end_ts
)
SELECT count(*) FILTER (WHERE event_type = 'login' AND new_device) AS new_device_logins,
       count(*) FILTER (WHERE event_type = 'login' AND no_device) AS logins_without_device,
       count(*) FILTER (WHERE event_type = 'login' AND new_country) AS new_country_logins,
       count(*) FILTER (WHERE event_type IN ('password_reset', '2fa_reset')) AS credential_resets,
       count(*) FILTER (WHERE event_type = 'api_key_create') AS api_keys_created,
       count(*) FILTER (WHERE event_type = 'withdraw_addr_add') AS withdrawal_addresses_added,
       count(*) FILTER (WHERE event_type IN ('password_reset', '2fa_reset', 'api_key_create', 'withdraw_addr_add')) AS security_changes,
       count(*) FILTER (WHERE event_type IN ('password_reset', '2fa_reset', 'api_key_create', 'withdraw_addr_add')
                          AND (new_device OR new_country)) AS changes_from_new_context,
       (SELECT count(*) FROM known_devices) AS usual_devices,
       (SELECT coalesce(string_agg(value, ',' ORDER BY value), '') FROM known_countries) AS usual_countries,
       coalesce(string_agg(DISTINCT geo_country, ',' ORDER BY geo_country) FILTER (WHERE new_country), '') AS new_countries,
       min(ts) FILTER (WHERE event_type = 'login' AND (new_device OR new_country)) AS first_new_login_ts,
       min(ts) FILTER (WHERE event_type IN ('password_reset', '2fa_reset', 'api_key_create', 'withdraw_addr_add')) AS first_change_ts
FROM events
