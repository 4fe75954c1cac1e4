WITH campaign AS (
  SELECT
    account_id,
    amount_usd
  FROM reward_grants
  WHERE
    campaign_id = :campaign_id AND granted_ts BETWEEN :start_ts AND :end_ts
), member_transfers AS (
  SELECT
    kind,
    amount_usd,
    kyt_risk,
    ts
  FROM transfers
  WHERE
    ARRAY_CONTAINS(:member_ids, account_id)
)
SELECT
  CAST(:families AS BIGINT) AS signal_families,
  SIZE(ARRAY_DISTINCT(FILTER(:member_ids, v -> NOT v IS NULL))) AS accounts,
  SIZE(ARRAY_DISTINCT(FILTER(:identity_ids, v -> NOT v IS NULL))) AS identity_shared_accounts,
  (
    SELECT
      COALESCE(SUM(amount_usd), 0)
    FROM campaign
    WHERE
      ARRAY_CONTAINS(:member_ids, account_id)
  ) AS reward_usd,
  (
    SELECT
      COALESCE(
        TRY_DIVIDE(
          SUM(amount_usd) FILTER(WHERE
            ARRAY_CONTAINS(:member_ids, account_id)),
          NULLIF(SUM(amount_usd), 0)
        ),
        0
      )
    FROM campaign
  ) AS reward_share,
  (
    SELECT
      COALESCE(SUM(amount_usd), 0)
    FROM member_transfers
    WHERE
      kind = 'withdrawal' AND ts >= :start_ts
  ) AS withdrawn_onchain_usd,
  (
    SELECT
      COUNT(*)
    FROM member_transfers
    WHERE
      kyt_risk IN ('high', 'severe')
  ) AS high_risk_transfers
