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
    COALESCE(SUM(notional_usd) FILTER(WHERE
      side = 'sell' AND ts >= :spike_start_ts), 0) AS sold_usd
  FROM legs
  GROUP BY
    account_id
), large AS (
  SELECT
    account_id
  FROM per_account
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
)
SELECT
  p.account_id AS account_id,
  COALESCE(ac.is_market_maker, FALSE) AS is_market_maker,
  p.pre_buy_usd AS pre_buy_usd,
  p.sold_usd AS sold_usd,
  COALESCE(TRY_DIVIDE(p.sold_qty, NULLIF(p.pre_buy_qty, 0)), 0.0) AS sold_share,
  p.sold_usd - p.sold_qty * COALESCE(TRY_DIVIDE(p.pre_buy_usd, NULLIF(p.pre_buy_qty, 0)), 0.0) AS gain_on_sold_usd,
  COALESCE(sh.linked_pre_buyers, 0) AS linked_pre_buyers
FROM per_account AS p
LEFT JOIN accounts AS ac
  ON ac.account_id = p.account_id
LEFT JOIN shared AS sh
  ON sh.account_id = p.account_id
WHERE
  p.pre_buy_usd > 0
ORDER BY
  p.pre_buy_usd DESC,
  p.account_id NULLS LAST
LIMIT 25
