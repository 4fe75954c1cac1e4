WITH grantees AS (
  SELECT DISTINCT
    account_id
  FROM reward_grants
  WHERE
    campaign_id = :campaign_id AND granted_ts BETWEEN :start_ts AND :end_ts
), referees AS (
  SELECT
    a.account_id AS account_id,
    a.referrer_account_id AS referrer_account_id,
    a.created_at AS created_at
  FROM accounts AS a
  WHERE
    a.referrer_account_id IN (
      SELECT
        r.referrer_account_id
      FROM accounts AS r
      JOIN grantees AS g
        ON g.account_id = r.account_id
      WHERE
        NOT r.referrer_account_id IS NULL
    )
), bursts AS (
  SELECT
    s.referrer_account_id AS referrer_account_id,
    s.account_id AS first_account_id,
    s.created_at AS burst_start,
    COUNT(*) AS signups
  FROM referees AS s
  JOIN referees AS m
    ON m.referrer_account_id = s.referrer_account_id
    AND m.created_at BETWEEN s.created_at AND s.created_at + (
      CAST(:burst_window_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
  GROUP BY
    s.referrer_account_id,
    s.account_id,
    s.created_at
  HAVING
    COUNT(*) >= CAST(:burst_min_signups AS BIGINT)
)
SELECT
  m.account_id AS account_id,
  m.referrer_account_id AS referrer_account_id,
  m.created_at AS signed_up_at,
  MAX(b.signups) AS burst_signups
FROM referees AS m
JOIN grantees AS g
  ON g.account_id = m.account_id
JOIN bursts AS b
  ON b.referrer_account_id = m.referrer_account_id
  AND m.created_at BETWEEN b.burst_start AND b.burst_start + (
    CAST(:burst_window_minutes AS BIGINT)
  ) * INTERVAL '1' MINUTE
GROUP BY
  m.account_id,
  m.referrer_account_id,
  m.created_at
ORDER BY
  m.created_at NULLS LAST,
  m.account_id NULLS LAST
