WITH o AS (
  SELECT
    buyer_account_id AS buyer,
    seller_account_id AS seller,
    asset,
    COALESCE(crypto_amount, 0) AS crypto_amount,
    released_ts
  FROM p2p_orders
  WHERE
    p2p_order_id = :p2p_order_id
), moves AS (
  SELECT
    CASE WHEN t.kind IN ('deposit', 'internal_in') THEN t.amount ELSE -t.amount END AS amount
  FROM transfers AS t
  JOIN o
    ON t.account_id = o.buyer AND t.asset = o.asset
  UNION ALL
  SELECT
    CASE
      WHEN p.buyer_account_id = o.buyer
      THEN COALESCE(p.crypto_amount, 0)
      ELSE -COALESCE(p.crypto_amount, 0)
    END AS amount
  FROM p2p_orders AS p
  JOIN o
    ON p.asset = o.asset
    AND (
      p.buyer_account_id = o.buyer OR p.seller_account_id = o.buyer
    )
  WHERE
    NOT p.released_ts IS NULL
  UNION ALL
  SELECT
    CASE
      WHEN (
        tr.taker_account_id = o.buyer
      ) = (
        tr.taker_side = 'buy'
      )
      THEN tr.qty
      ELSE -tr.qty
    END AS amount
  FROM trades AS tr
  JOIN instruments AS i
    ON i.symbol = tr.symbol AND i.market_type = 'spot'
  JOIN o
    ON i.base_asset = o.asset
    AND (
      tr.taker_account_id = o.buyer OR tr.maker_account_id = o.buyer
    )
  UNION ALL
  SELECT
    CASE
      WHEN (
        tr.taker_account_id = o.buyer
      ) = (
        tr.taker_side = 'buy'
      )
      THEN -tr.qty * tr.price
      ELSE tr.qty * tr.price
    END AS amount
  FROM trades AS tr
  JOIN instruments AS i
    ON i.symbol = tr.symbol AND i.market_type = 'spot'
  JOIN o
    ON i.quote_asset = o.asset
    AND (
      tr.taker_account_id = o.buyer OR tr.maker_account_id = o.buyer
    )
), returned AS (
  SELECT
    COALESCE(SUM(t.amount), 0) AS amount
  FROM transfers AS t
  JOIN o
    ON t.account_id = o.buyer AND t.asset = o.asset
  WHERE
    t.kind = 'internal_out'
    AND t.counterparty_account_id = o.seller
    AND t.ts >= o.released_ts
)
SELECT
  o.buyer AS buyer_account_id,
  o.asset AS asset,
  o.crypto_amount AS crypto_amount,
  (
    SELECT
      COALESCE(SUM(amount), 0)
    FROM moves
  ) AS balance_now,
  r.amount AS returned_to_seller,
  GREATEST(
    LEAST((
      SELECT
        COALESCE(SUM(amount), 0)
      FROM moves
    ), o.crypto_amount - r.amount),
    0
  ) AS at_risk
FROM o
CROSS JOIN returned AS r
