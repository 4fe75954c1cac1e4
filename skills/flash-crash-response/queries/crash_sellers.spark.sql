WITH pair AS (
  SELECT
    base_asset,
    quote_asset
  FROM instruments
  WHERE
    symbol = :symbol
), markets AS (
  SELECT
    i.symbol
  FROM instruments AS i
  JOIN pair AS p
    ON i.base_asset = p.base_asset AND i.quote_asset = p.quote_asset
), sells AS (
  SELECT
    t.taker_account_id AS account_id,
    t.symbol,
    t.notional_usd
  FROM trades AS t
  WHERE
    t.symbol IN (
      SELECT
        symbol
      FROM markets
    )
    AND t.ts BETWEEN :start_ts AND :end_ts
    AND t.taker_side = 'sell'
    AND NOT t.is_liquidation
)
SELECT
  s.account_id AS account_id,
  SUM(s.notional_usd) AS sold_usd,
  COALESCE(SUM(s.notional_usd) FILTER(WHERE
    s.symbol = :symbol), 0) AS sold_perp_usd,
  COALESCE(SUM(s.notional_usd) FILTER(WHERE
    s.symbol <> :symbol), 0) AS sold_spot_usd,
  COALESCE(
    FIRST(
      (
        SELECT
          MAX_BY(p.size, p.ts)
        FROM position_snapshots AS p
        WHERE
          p.account_id = s.account_id AND p.symbol = :symbol AND p.ts <= :start_ts
      )
    ),
    0
  ) AS perp_size_before
FROM sells AS s
GROUP BY
  s.account_id
ORDER BY
  sold_usd DESC,
  account_id NULLS LAST
LIMIT 5
