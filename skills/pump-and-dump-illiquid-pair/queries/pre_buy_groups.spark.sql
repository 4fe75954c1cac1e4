WITH legs AS (
  SELECT
    taker_account_id AS account_id,
    taker_side AS side,
    ts,
    qty,
    notional_usd
  FROM trades
  WHERE
    symbol = :symbol
    AND ts >= :spike_start_ts - (
      CAST(:pre_buy_lookback_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
    AND ts < :spike_start_ts + (
      CAST(:sell_window_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
  UNION ALL
  SELECT
    maker_account_id AS account_id,
    CASE WHEN taker_side = 'buy' THEN 'sell' ELSE 'buy' END AS side,
    ts,
    qty,
    notional_usd
  FROM trades
  WHERE
    symbol = :symbol
    AND ts >= :spike_start_ts - (
      CAST(:pre_buy_lookback_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
    AND ts < :spike_start_ts + (
      CAST(:sell_window_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
), per_account AS (
  SELECT
    account_id,
    COALESCE(SUM(notional_usd) FILTER(WHERE
      side = 'buy' AND ts < :spike_start_ts), 0) AS pre_buy_usd,
    COALESCE(SUM(qty) FILTER(WHERE
      side = 'buy' AND ts < :spike_start_ts), 0) AS pre_buy_qty,
    COALESCE(SUM(qty) FILTER(WHERE
      side = 'sell' AND ts >= :spike_start_ts), 0) AS sold_qty,
    MIN(ts) FILTER(WHERE
      side = 'buy' AND ts < :spike_start_ts) AS first_buy_ts,
    MIN(ts) FILTER(WHERE
      side = 'sell' AND ts >= :spike_start_ts) AS first_sell_ts
  FROM legs
  GROUP BY
    account_id
), buyers AS (
  SELECT
    p.*
  FROM per_account AS p
  LEFT JOIN accounts AS a
    ON a.account_id = p.account_id
  WHERE
    p.pre_buy_usd > 0 AND NOT COALESCE(a.is_market_maker, FALSE)
), strong AS (
  SELECT
    account_id,
    link_type,
    link_value
  FROM identity_links
  WHERE
    link_type IN ('device_id', 'kyc_doc_hash', 'face_hash', 'payout_address', 'bank_account')
    AND account_id IN (
      SELECT
        account_id
      FROM buyers
    )
), funding AS (
  SELECT
    account_id,
    counterparty_account_id AS source
  FROM transfers
  WHERE
    kind = 'internal_in'
    AND NOT counterparty_account_id IS NULL
    AND ts >= :spike_start_ts - INTERVAL '7' DAY
    AND ts < :spike_start_ts
    AND account_id IN (
      SELECT
        account_id
      FROM buyers
    )
), edges AS (
  SELECT
    x.account_id AS a,
    y.account_id AS b
  FROM strong AS x
  JOIN strong AS y
    ON x.link_type = y.link_type
    AND x.link_value = y.link_value
    AND x.account_id <> y.account_id
  UNION
  SELECT
    x.account_id AS a,
    y.account_id AS b
  FROM funding AS x
  JOIN funding AS y
    ON x.source = y.source AND x.account_id <> y.account_id
  UNION
  SELECT
    x.account_id AS a,
    y.account_id AS b
  FROM buyers AS x
  JOIN buyers AS y
    ON x.account_id <> y.account_id
    AND ABS(
      TIMESTAMPDIFF(SECOND, DATE_TRUNC('SECOND', x.first_buy_ts), DATE_TRUNC('SECOND', y.first_buy_ts))
    ) <= 60 * :coordination_minutes
    AND ABS(
      TIMESTAMPDIFF(SECOND, DATE_TRUNC('SECOND', x.first_sell_ts), DATE_TRUNC('SECOND', y.first_sell_ts))
    ) <= 60 * :coordination_minutes
), keyed AS (
  SELECT
    b.account_id AS account_id,
    LEAST(b.account_id, COALESCE(MIN(e.b), b.account_id)) AS group_key
  FROM buyers AS b
  LEFT JOIN edges AS e
    ON e.a = b.account_id
  GROUP BY
    b.account_id
)
SELECT
  k.account_id AS account_id,
  k.group_key AS group_key,
  COUNT(*) OVER g AS group_accounts,
  SUM(b.pre_buy_usd) OVER g AS group_pre_buy_usd,
  COALESCE(TRY_DIVIDE(SUM(b.sold_qty) OVER g, NULLIF(SUM(b.pre_buy_qty) OVER g, 0)), 0.0) AS group_sold_share,
  b.pre_buy_usd AS pre_buy_usd,
  COALESCE(TRY_DIVIDE(b.sold_qty, NULLIF(b.pre_buy_qty, 0)), 0.0) AS sold_share
FROM keyed AS k
JOIN buyers AS b
  ON b.account_id = k.account_id
WINDOW g AS (PARTITION BY k.group_key)
ORDER BY
  group_pre_buy_usd DESC,
  k.group_key NULLS LAST,
  k.account_id NULLS LAST
LIMIT 200
