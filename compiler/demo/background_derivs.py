"""Background market data and derivatives: liquidations, 1-minute bars, index components, positions.

Bars are aggregated from the trades table (background trades only exist at
that point), so open/high/low/close, notional and trade counts agree with
the trades; minutes without a trade print a flat bar at the fair price.
Notional is summed in whole cents (integers) so the total does not depend
on how threads split the minutes. The index is the weighted mean of its
components, computed row by row from the same hashed source deviations, so
index_price equals sum(weight * price) over index_components.
"""

from __future__ import annotations

import duckdb

from compiler.demo.background_base import Sizes, weighted
from compiler.demo.background_market import ORDER_COLUMNS, SYMBOLS, symbol_case

SOURCES: dict[int, tuple[tuple[str, float], ...]] = {
    0: (("binance", .30), ("coinbase", .30), ("okx", .25), ("kraken", .15)),
    1: (("binance", .30), ("coinbase", .30), ("okx", .25), ("kraken", .15)),
    2: (("binance", .40), ("coinbase", .35), ("okx", .25)),
}
"""Index sources by asset number, with weights summing to one; none is ever excluded in the background."""


def create_liquidations(con: duckdb.DuckDBPyConnection, sizes: Sizes, everyone: int) -> None:
    """A few small liquidations through the order book, with their trades and orders.

    The fill lands near the bankruptcy price: usually a little better (the
    insurance fund gains a few dollars), sometimes a little worse (it pays a
    few dollars) - far below any loss a risk team would look into.
    """
    n, lq, mm = sizes.trades, sizes.liquidations, sizes.mm_accounts
    perp_symbol = symbol_case("bg_u(j, 'lqsym')", perps_only=True)
    con.execute(f"""
        CREATE TEMP TABLE bg_liq AS
        WITH c AS (
            SELECT j, bg_slot_us(j, {lq}, 'lq') AS us, {perp_symbol} AS sym_no, bg_u(j, 'lqside') < 0.55 AS long,
                   bg_perm(bg_pick(j, 'lqacct', {everyone}), {everyone}) AS trader_no,
                   0.2 + bg_u(j, 'slip') AS slip
            FROM range({lq}) AS t(j)
        ),
        f AS (
            SELECT c.*, s.symbol, s.tick_dec, s.lot, s.lot_dec, s.hs, s.mmr, r.account_id,
                   round((p.p0 + (p.p1 - p.p0) * (c.us % 60000000) / 60e6) * (1 + bg_basis(TRUE, s.sym_no, p.m)),
                         s.tick_dec) AS mark
            FROM c JOIN bg_sym AS s USING (sym_no) JOIN bg_pool AS r USING (trader_no)
            JOIN bg_path AS p ON p.asset_no = s.asset_no AND p.m = c.us // 60000000
        ),
        g AS (
            SELECT f.*, round(greatest(1, round(least(exp(ln(8000) + 0.9 * bg_n(j, 'lqsize')), 80000) / mark / lot))
                              * lot, lot_dec) AS qty,
                   round(mark * (1 + CASE WHEN long THEN -1 ELSE 1 END * mmr), tick_dec) AS bankruptcy,
                   round(mark * (1 + CASE WHEN long THEN -1 ELSE 1 END * mmr * slip), tick_dec) AS fill
            FROM f
        )
        SELECT g.*, round(CASE WHEN long THEN fill - bankruptcy ELSE bankruptcy - fill END * qty, 2) AS fund_delta,
               bg_acct(1 + bg_pick(j, 'lqmm', {mm})) AS maker_account, {n} + j AS i
        FROM g""")
    con.execute("""
        INSERT INTO liquidations
        SELECT format('BGL{:07d}', j), bg_ts(us), account_id, symbol, CASE WHEN long THEN 'long' ELSE 'short' END, qty,
               mark, bankruptcy, fill, 'orderbook', fund_delta
        FROM bg_liq ORDER BY j""")
    con.execute("""
        INSERT INTO trades
        SELECT format('BGT{:09d}', i), symbol, bg_ts(us), fill, qty, fill * qty, format('BGO{:09d}', 3 * i),
               format('BGO{:09d}', 3 * i + 1), maker_account, account_id, CASE WHEN long THEN 'sell' ELSE 'buy' END, TRUE
        FROM bg_liq ORDER BY j""")
    con.execute(f"""
        INSERT INTO orders ({ORDER_COLUMNS})
        SELECT format('BGO{{:09d}}', 3 * i + 1), account_id, symbol, CASE WHEN long THEN 'sell' ELSE 'buy' END, 'market',
               'IOC', NULL, qty, qty, 'filled', bg_ts(us - 1000), bg_ts(us), round(mark * (1 - hs), tick_dec),
               round(mark * (1 + hs), tick_dec), TRUE, 'none', 'liquidation'
        FROM bg_liq
        UNION ALL
        SELECT format('BGO{{:09d}}', 3 * i), maker_account, symbol, CASE WHEN long THEN 'buy' ELSE 'sell' END, 'limit',
               'GTX', fill, qty, qty, 'filled', bg_ts(us - 2000000), bg_ts(us), round(mark * (1 - hs), tick_dec),
               round(mark * (1 + hs), tick_dec), FALSE, 'expire_maker', 'api'
        FROM bg_liq""")


def create_bars_and_index(con: duckdb.DuckDBPyConnection) -> None:
    """market_bars_1m for every background symbol and minute of the week, and index_components.

    bg_idx holds each asset's source prices side by side (c0..c3) and their
    weighted mean, one row per minute, so the index is computed row by row
    (no floating-point aggregation) and both tables read the same numbers.
    """
    width = max(len(sources) for sources in SOURCES.values())
    prices = ", ".join(f"CASE WHEN {k} < CASE asset_no " + " ".join(f"WHEN {a} THEN {len(s)}" for a, s in SOURCES.items())
                       + f" END THEN round(p1 * (1 + 0.00012 * bg_n(asset_no * 100000000 + m * 10 + {k}, 'src')), 6)"
                       f" END AS c{k}" for k in range(width))
    index = "CASE asset_no " + " ".join(
        f"WHEN {a} THEN " + " + ".join(f"{w!r} * c{k}" for k, (_, w) in enumerate(src))
        for a, src in SOURCES.items()) + " END"
    con.execute(f"CREATE TEMP TABLE bg_idx AS SELECT *, {index} AS index_price FROM (SELECT asset_no, m, {prices} "
                "FROM bg_path)")
    con.execute("""
        CREATE TEMP TABLE bg_agg AS
        SELECT symbol, date_trunc('minute', ts) AS ts, arg_min(price, (ts, trade_id)) AS open, max(price) AS high,
               min(price) AS low, arg_max(price, (ts, trade_id)) AS close,
               sum(round(notional_usd * 100)::BIGINT) / 100.0 AS notional_usd, count(*)::INTEGER AS trade_count
        FROM trades GROUP BY ALL""")
    con.execute("""
        INSERT INTO market_bars_1m
        WITH x AS (
            SELECT s.sym_no, s.symbol, s.perp, s.tick_dec, s.hs, s.depth_usd, s.oi_usd, p.m, i.index_price,
                   bg_ts(p.m * 60000000) AS ts, p.p1 * (1 + bg_basis(s.perp, s.sym_no, p.m)) AS fair
            FROM bg_sym AS s JOIN bg_path AS p USING (asset_no) JOIN bg_idx AS i USING (asset_no, m)
        )
        SELECT x.symbol, x.ts, coalesce(a.open, round(fair, tick_dec)), coalesce(a.high, round(fair, tick_dec)),
               coalesce(a.low, round(fair, tick_dec)), coalesce(a.close, round(fair, tick_dec)),
               coalesce(a.notional_usd, 0), coalesce(a.trade_count, 0), round(index_price, 6),
               round(index_price * (1 + bg_basis(perp, sym_no, m)), tick_dec),
               round(fair * (1 - hs), tick_dec), round(fair * (1 + hs), tick_dec),
               round(depth_usd * (0.85 + 0.3 * bg_u(sym_no * 1000000 + m, 'depth'))
                     * (1 + 0.25 * sin(2 * pi() * m / 1440.0 - 2.0))),
               CASE WHEN perp THEN round(oi_usd * (1 + 0.05 * sin(2 * pi() * m / 2880.0 + sym_no)
                                                   + 0.03 * sin(2 * pi() * m / 6720.0 + 2 * sym_no))) END,
               CASE WHEN perp THEN round(0.0001 + 0.00005 * sin(2 * pi() * m / 4320.0 + sym_no), 6) END
        FROM x LEFT JOIN bg_agg AS a ON a.symbol = x.symbol AND a.ts = x.ts
        ORDER BY x.sym_no, x.m""")
    union = " UNION ALL ".join(f"SELECT asset_no, m, {k} AS k, '{name}' AS source, c{k} AS price, {weight!r} AS weight "
                               f"FROM bg_idx WHERE asset_no = {asset}"
                               for asset, sources in SOURCES.items() for k, (name, weight) in enumerate(sources))
    con.execute(f"""
        INSERT INTO index_components
        SELECT bg_ts(c.m * 60000000), s.symbol, c.source, c.price, c.weight, FALSE
        FROM ({union}) AS c JOIN bg_sym AS s USING (asset_no) ORDER BY s.sym_no, c.m, c.k""")


def create_positions(con: duckdb.DuckDBPyConnection, sizes: Sizes, everyone: int) -> None:
    """position_snapshots: hourly, for the most active takers, in BTC perps and often ETH or SOL perps too.

    Positions are held in segments of 12 to 48 hours (sometimes flat, then no
    snapshot); each segment has its own size, direction and entry price (the
    fair price when it opened). They are plausible rather than replayed from
    the trades: leverage stays at 10x or below, so the week's moves never
    carry a mark price through a liquidation price.
    """
    perps = [n for n, s in enumerate(SYMBOLS) if s.perp]
    first = perps[0]
    margin_mode = weighted("bg_u(key, 'mode')", [("'cross'", .7), ("'isolated'", .3)])
    con.execute(f"""
        INSERT INTO position_snapshots
        WITH held AS (
            SELECT k, s.sym_no, k * 8 + s.sym_no AS key, 12 + bg_pick(k * 8 + s.sym_no, 'len', 37) AS len
            FROM range({sizes.position_accounts}) AS t(k) CROSS JOIN bg_sym AS s
            WHERE s.perp AND (s.sym_no = {first} OR bg_u(k * 8 + s.sym_no, 'hold') < 0.4)
        ),
        h AS (
            SELECT held.*, t.h::BIGINT AS h, (t.h + bg_pick(key, 'phase', len)) // len AS seg,
                   [2, 3, 5, 10][1 + bg_pick(key, 'lev', 4)] AS leverage, {margin_mode} AS margin_mode
            FROM held CROSS JOIN range(168) AS t(h)
        ),
        x AS (
            SELECT h.*, key * 1000 + seg AS seg_key, greatest(seg * len - bg_pick(key, 'phase', len), 0) AS start_h
            FROM h
        ),
        y AS (
            SELECT x.*, s.symbol, s.tick_dec, s.lot, s.lot_dec, s.mmr, r.account_id,
                   round(e.p0 * (1 + bg_basis(TRUE, s.sym_no, e.m)) * (1 + 0.001 * bg_n(seg_key, 'entry')), s.tick_dec)
                       AS entry,
                   round(p.p0 * (1 + bg_basis(TRUE, s.sym_no, p.m)), s.tick_dec) AS mark,
                   CASE WHEN bg_u(seg_key, 'dir') < 0.55 THEN 1 ELSE -1 END AS dir
            FROM x JOIN bg_sym AS s USING (sym_no)
            JOIN bg_pool AS r ON r.trader_no = bg_perm(x.k, {everyone})
            JOIN bg_path AS e ON e.asset_no = s.asset_no AND e.m = x.start_h * 60
            JOIN bg_path AS p ON p.asset_no = s.asset_no AND p.m = x.h * 60
            WHERE bg_u(seg_key, 'flat') >= 0.15
        ),
        z AS (
            SELECT y.*, dir * round(greatest(1, round(least(exp(ln(20000) + 1.2 * bg_n(seg_key, 'psize')), 2e6)
                                                      / entry / lot)) * lot, lot_dec) AS size
            FROM y
        )
        SELECT bg_ts(h * 3600000000), account_id, symbol, size, entry, mark, leverage, margin_mode,
               round(abs(size) * entry / leverage, 2), round(size * (mark - entry), 2),
               round(entry * (1 - dir * (1.0 / leverage - mmr)), tick_dec)
        FROM z ORDER BY k, sym_no, h""")
