WITH baseline AS (
  SELECT
    device_id,
    ip,
    geo_country
  FROM security_events
  WHERE
    account_id = :account_id
    AND ts >= :start_ts - (
      CAST(:baseline_days AS BIGINT)
    ) * INTERVAL '1' DAY
    AND ts < :start_ts
), known_devices AS (
  SELECT
    device_id AS value
  FROM baseline
  WHERE
    NOT device_id IS NULL
  UNION
  SELECT
    link_value AS value
  FROM identity_links
  WHERE
    account_id = :account_id AND link_type = 'device_id' AND first_seen < :start_ts
), known_ips AS (
  SELECT
    ip AS value
  FROM baseline
  WHERE
    NOT ip IS NULL
  UNION
  SELECT
    link_value AS value
  FROM identity_links
  WHERE
    account_id = :account_id AND link_type = 'ip' AND first_seen < :start_ts
), known_countries AS (
  SELECT
    geo_country AS value
  FROM baseline
  WHERE
    NOT geo_country IS NULL
  UNION
  SELECT
    country AS value
  FROM accounts
  WHERE
    account_id = :account_id AND NOT country IS NULL
), events AS (
  SELECT
    e.ts AS ts,
    e.event_type AS event_type,
    e.geo_country AS geo_country,
    e.device_id IS NULL AS no_device,
    CASE
      WHEN e.device_id IS NULL
      THEN COALESCE(NOT e.ip IN (
        SELECT
          value
        FROM known_ips
      ), TRUE)
      ELSE NOT e.device_id IN (
        SELECT
          value
        FROM known_devices
      )
    END AS new_device,
    COALESCE(NOT e.geo_country IN (
      SELECT
        value
      FROM known_countries
    ), FALSE) AS new_country
  FROM security_events AS e
  WHERE
    e.account_id = :account_id AND e.ts BETWEEN :start_ts AND :end_ts
)
SELECT
  COUNT(*) FILTER(WHERE
    event_type = 'login' AND new_device) AS new_device_logins,
  COUNT(*) FILTER(WHERE
    event_type = 'login' AND no_device) AS logins_without_device,
  COUNT(*) FILTER(WHERE
    event_type = 'login' AND new_country) AS new_country_logins,
  COUNT(*) FILTER(WHERE
    event_type IN ('password_reset', '2fa_reset')) AS credential_resets,
  COUNT(*) FILTER(WHERE
    event_type = 'api_key_create') AS api_keys_created,
  COUNT(*) FILTER(WHERE
    event_type = 'withdraw_addr_add') AS withdrawal_addresses_added,
  COUNT(*) FILTER(WHERE
    event_type IN ('password_reset', '2fa_reset', 'api_key_create', 'withdraw_addr_add')) AS security_changes,
  COUNT(*) FILTER(WHERE
    event_type IN ('password_reset', '2fa_reset', 'api_key_create', 'withdraw_addr_add')
    AND (
      new_device OR new_country
    )) AS changes_from_new_context,
  (
    SELECT
      COUNT(*)
    FROM known_devices
  ) AS usual_devices,
  (
    SELECT
      COALESCE(
        IF(
          SIZE(COLLECT_LIST(value)) = 0,
          NULL,
          ARRAY_JOIN(ARRAY_SORT(COLLECT_LIST(value)), ',')
        ),
        ''
      )
    FROM known_countries
  ) AS usual_countries,
  COALESCE(
    IF(
      SIZE(COLLECT_SET(geo_country) FILTER(WHERE
        new_country)) = 0,
      NULL,
      ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(geo_country) FILTER(WHERE
        new_country)), ',')
    ),
    ''
  ) AS new_countries,
  MIN(ts) FILTER(WHERE
    event_type = 'login' AND (
      new_device OR new_country
    )) AS first_new_login_ts,
  MIN(ts) FILTER(WHERE
    event_type IN ('password_reset', '2fa_reset', 'api_key_create', 'withdraw_addr_add')) AS first_change_ts
FROM events
