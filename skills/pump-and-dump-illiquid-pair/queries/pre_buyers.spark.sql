WITH window_trades AS (
  SELECT
    taker_account_id,
    maker_account_id,
    taker_side,
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
), legs AS (
  SELECT
    taker_account_id AS account_id,
    taker_side AS side,
    ts,
    qty,
    notional_usd
  FROM window_trades
  UNION ALL
  SELECT
    maker_account_id AS account_id,
    CASE WHEN taker_side = 'buy' THEN 'sell' ELSE 'buy' END AS side,
    ts,
    qty,
    notional_usd
  FROM window_trades
), per_account AS (
  SELECT
    account_id,
    COALESCE(SUM(notional_usd) FILTER(WHERE
      side = 'buy' AND ts < :spike_start_ts), 0) AS pre_buy_usd,
    COALESCE(SUM(qty) FILTER(WHERE
      side = 'buy' AND ts < :spike_start_ts), 0) AS pre_buy_qty,
    COALESCE(SUM(qty) FILTER(WHERE
      side = 'sell' AND ts >= :spike_start_ts), 0) AS sold_qty,
    COALESCE(SUM(notional_usd) FILTER(WHERE
      side = 'sell' AND ts >= :spike_start_ts), 0) AS sold_usd,
    MIN(ts) FILTER(WHERE
      side = 'buy' AND ts < :spike_start_ts) AS first_buy_ts,
    MIN(ts) FILTER(WHERE
      side = 'sell' AND ts >= :spike_start_ts) AS first_sell_ts
  FROM legs
  GROUP BY
    account_id
), buyers AS (
  SELECT
    p.*,
    COALESCE(a.is_market_maker, FALSE) AS is_market_maker
  FROM per_account AS p
  LEFT JOIN accounts AS a
    ON a.account_id = p.account_id
  WHERE
    p.pre_buy_usd > 0
), large AS (
  SELECT
    account_id
  FROM buyers
  WHERE
    pre_buy_usd >= :min_pre_buy_usd
), shared AS (
  SELECT
    a.account_id AS account_id,
    COUNT(DISTINCT b.account_id) AS linked_pre_buyers
  FROM identity_links AS a
  JOIN identity_links AS b
    ON a.link_type = b.link_type
    AND a.link_value = b.link_value
    AND a.account_id <> b.account_id
  WHERE
    a.link_type <> 'ip'
    AND a.account_id IN (
      SELECT
        account_id
      FROM large
    )
    AND b.account_id IN (
      SELECT
        account_id
      FROM large
    )
  GROUP BY
    a.account_id
), ring AS (
  SELECT
    *
  FROM buyers
  WHERE
    NOT is_market_maker
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
      FROM ring
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
      FROM ring
    )
), paced AS (
  SELECT
    order_id,
    account_id,
    created_ts
  FROM orders
  WHERE
    symbol = :symbol
    AND created_ts >= :spike_start_ts - (
      CAST(:pre_buy_lookback_minutes AS BIGINT)
    ) * INTERVAL '1' MINUTE
    AND created_ts < :spike_start_ts
    AND account_id IN (
      SELECT
        account_id
      FROM ring
    )
), paced_counts AS (
  SELECT
    account_id,
    COUNT(*) AS orders
  FROM paced
  GROUP BY
    account_id
), in_step AS (
  SELECT
    x.account_id AS a,
    y.account_id AS b,
    COUNT(DISTINCT x.order_id) AS matched
  FROM paced AS x
  JOIN paced AS y
    ON x.account_id <> y.account_id
    AND y.created_ts BETWEEN x.created_ts - (
      CAST(:rhythm_seconds AS BIGINT)
    ) * INTERVAL '1' SECOND AND x.created_ts + (
      CAST(:rhythm_seconds AS BIGINT)
    ) * INTERVAL '1' SECOND
  GROUP BY
    x.account_id,
    y.account_id
), edges AS (
  SELECT
    x.account_id AS a,
    y.account_id AS b,
    'identifier' AS signal
  FROM strong AS x
  JOIN strong AS y
    ON x.link_type = y.link_type
    AND x.link_value = y.link_value
    AND x.account_id <> y.account_id
  UNION
  SELECT
    x.account_id AS a,
    y.account_id AS b,
    'funding' AS signal
  FROM funding AS x
  JOIN funding AS y
    ON x.source = y.source AND x.account_id <> y.account_id
  UNION
  SELECT
    x.account_id AS a,
    y.account_id AS b,
    'same_minutes' AS signal
  FROM ring AS x
  JOIN ring AS y
    ON x.account_id <> y.account_id
    AND ABS(
      TIMESTAMPDIFF(SECOND, DATE_TRUNC('SECOND', x.first_buy_ts), DATE_TRUNC('SECOND', y.first_buy_ts))
    ) <= 60 * :coordination_minutes
    AND ABS(
      TIMESTAMPDIFF(SECOND, DATE_TRUNC('SECOND', x.first_sell_ts), DATE_TRUNC('SECOND', y.first_sell_ts))
    ) <= 60 * :coordination_minutes
  UNION
  SELECT
    s.a AS a,
    s.b AS b,
    'order_rhythm' AS signal
  FROM in_step AS s
  JOIN in_step AS r
    ON r.a = s.b AND r.b = s.a
  JOIN paced_counts AS ca
    ON ca.account_id = s.a
  JOIN paced_counts AS cb
    ON cb.account_id = s.b
  WHERE
    ca.orders >= :rhythm_min_orders
    AND cb.orders >= :rhythm_min_orders
    AND s.matched >= :rhythm_min_share * ca.orders
    AND r.matched >= :rhythm_min_share * cb.orders
), keyed AS (
  SELECT
    b.account_id AS account_id,
    CASE
      WHEN b.is_market_maker
      THEN b.account_id
      ELSE LEAST(b.account_id, COALESCE(MIN(e.b), b.account_id))
    END AS group_key,
    COALESCE(
      IF(
        SIZE(COLLECT_SET(e.signal)) = 0,
        NULL,
        ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(e.signal)), ',')
      ),
      ''
    ) AS group_signals
  FROM buyers AS b
  LEFT JOIN edges AS e
    ON e.a = b.account_id
  GROUP BY
    b.account_id,
    b.is_market_maker
)
SELECT
  b.account_id AS account_id,
  b.is_market_maker AS is_market_maker,
  b.pre_buy_usd AS pre_buy_usd,
  b.sold_usd AS sold_usd,
  COALESCE(TRY_DIVIDE(b.sold_qty, NULLIF(b.pre_buy_qty, 0)), 0.0) AS sold_share,
  b.sold_usd - b.sold_qty * COALESCE(TRY_DIVIDE(b.pre_buy_usd, NULLIF(b.pre_buy_qty, 0)), 0.0) AS gain_on_sold_usd,
  COALESCE(sh.linked_pre_buyers, 0) AS linked_pre_buyers,
  k.group_key AS group_key,
  k.group_signals AS group_signals,
  COUNT(*) OVER g AS group_accounts,
  SUM(b.pre_buy_usd) OVER g AS group_pre_buy_usd,
  COALESCE(TRY_DIVIDE(SUM(b.sold_qty) OVER g, NULLIF(SUM(b.pre_buy_qty) OVER g, 0)), 0.0) AS group_sold_share
FROM buyers AS b
JOIN keyed AS k
  ON k.account_id = b.account_id
LEFT JOIN shared AS sh
  ON sh.account_id = b.account_id
WINDOW g AS (PARTITION BY k.group_key)
ORDER BY
  group_pre_buy_usd DESC,
  k.group_key NULLS LAST,
  b.pre_buy_usd DESC,
  b.account_id NULLS LAST
LIMIT 200
