WITH sample AS (
  SELECT
    case_id,
    alert_type,
    sop_id,
    sop_version,
    subject_account_id,
    window_start,
    window_end,
    outcome,
    reported_metric,
    reported_value
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
  ORDER BY
    MD5(case_id || :sample_seed) NULLS LAST
  LIMIT CAST(CAST(:sample_size AS INT) AS INT)
), subject_links AS (
  SELECT
    s.case_id,
    l.account_id AS linked_id
  FROM sample AS s
  JOIN identity_links AS own
    ON own.account_id = s.subject_account_id
  JOIN identity_links AS l
    ON l.link_type = own.link_type AND l.link_value = own.link_value
  WHERE
    l.account_id <> s.subject_account_id
    AND own.link_type IN ('device_id', 'kyc_doc_hash', 'face_hash', 'payout_address', 'bank_account')
  UNION
  SELECT
    s.case_id,
    sibling.account_id AS linked_id
  FROM sample AS s
  JOIN accounts AS subject
    ON subject.account_id = s.subject_account_id
  JOIN accounts AS sibling
    ON sibling.parent_account_id = subject.parent_account_id
  WHERE
    sibling.account_id <> s.subject_account_id
), legs AS (
  SELECT
    s.case_id,
    t.notional_usd,
    t.maker_account_id = t.taker_account_id AS self_match,
    CASE
      WHEN t.maker_account_id = s.subject_account_id
      THEN t.taker_account_id
      ELSE t.maker_account_id
    END AS counterparty
  FROM sample AS s
  JOIN trades AS t
    ON (
      t.maker_account_id = s.subject_account_id
      OR t.taker_account_id = s.subject_account_id
    )
    AND t.ts BETWEEN s.window_start AND s.window_end
), figures AS (
  SELECT
    g.case_id,
    SUM(g.notional_usd) AS volume_usd,
    COALESCE(SUM(g.notional_usd) FILTER(WHERE
      g.self_match OR NOT k.linked_id IS NULL), 0) AS related_volume_usd
  FROM legs AS g
  LEFT JOIN subject_links AS k
    ON k.case_id = g.case_id AND k.linked_id = g.counterparty
  GROUP BY
    g.case_id
), checked AS (
  SELECT
    s.case_id,
    s.alert_type,
    s.sop_id,
    s.sop_version,
    s.subject_account_id,
    s.outcome,
    s.reported_metric,
    s.reported_value,
    COALESCE(s.reported_metric IN ('volume_usd', 'related_volume_usd'), FALSE) AS supported,
    CASE s.reported_metric
      WHEN 'volume_usd'
      THEN CAST(COALESCE(f.volume_usd, 0) AS DOUBLE)
      WHEN 'related_volume_usd'
      THEN CAST(COALESCE(f.related_volume_usd, 0) AS DOUBLE)
    END AS recomputed_value,
    CAST(COALESCE(TRY_DIVIDE(f.related_volume_usd, NULLIF(f.volume_usd, 0)), 0) AS DOUBLE) AS related_match_ratio
  FROM sample AS s
  LEFT JOIN figures AS f
    ON f.case_id = s.case_id
), flagged AS (
  SELECT
    *,
    COALESCE(
      supported
      AND (
        reported_value IS NULL
        OR ABS(reported_value - recomputed_value) > GREATEST(:min_tolerance_usd, :value_tolerance * recomputed_value)
      ),
      FALSE
    ) AS figure_mismatch,
    COALESCE(
      sop_id = 'wash-trading-linked-accounts'
      AND outcome = 'no_action'
      AND related_match_ratio >= :wash_related_match_ratio,
      FALSE
    ) AS missed_escalation
  FROM checked
)
SELECT
  case_id,
  alert_type,
  sop_id,
  sop_version,
  subject_account_id,
  outcome,
  reported_metric,
  reported_value,
  supported,
  recomputed_value,
  CAST(TRY_DIVIDE(ABS(reported_value - recomputed_value), NULLIF(recomputed_value, 0)) AS DOUBLE) AS deviation_ratio,
  related_match_ratio,
  figure_mismatch,
  missed_escalation,
  figure_mismatch OR missed_escalation AS disagrees
FROM flagged
ORDER BY
  disagrees DESC,
  supported NULLS LAST,
  case_id NULLS LAST
