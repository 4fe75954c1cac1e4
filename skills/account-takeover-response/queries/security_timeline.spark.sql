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
)
SELECT
  e.ts AS ts,
  e.event_type AS event_type,
  e.device_id AS device_id,
  e.ip AS ip,
  e.geo_country AS geo_country,
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
  COALESCE(NOT e.ip IN (
    SELECT
      value
    FROM known_ips
  ), TRUE) AS new_ip,
  COALESCE(NOT e.geo_country IN (
    SELECT
      value
    FROM known_countries
  ), FALSE) AS new_country
FROM security_events AS e
WHERE
  e.account_id = :account_id AND e.ts BETWEEN :start_ts AND :end_ts
ORDER BY
  e.ts NULLS LAST,
  e.event_type NULLS LAST
