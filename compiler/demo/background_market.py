"""Background markets: instruments, the fair-price path, trades, orders and prevented self-matches.

Trades are numbered in time order (bg_slot_us) and come in maker orders:
trade i rests against maker order mo(i), which is i itself or, for about 60%
of odd i, i - 1 (a resting order filled twice in a row). The maker order's
symbol, side, account and price are hashes of mo(i), so both fills agree
without any join between rows. Orders are deliberately not one per trade
side: every trade has its own taker order and references a real maker order,
and the book also holds cancelled quotes (half as many as trades) and the
orders behind prevented self-matches. At scale 2,000 that is about 22
million orders, the largest table, which is what a real venue looks like.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from compiler.demo.background_base import WEEK_MINUTES, Sizes, weighted


@dataclass(frozen=True, slots=True)
class Symbol:
    """A background instrument and the parameters its synthetic market uses."""

    symbol: str
    asset_no: int
    base: str
    perp: bool
    share: float  # of background trades
    tick_dec: int  # price decimals
    lot: float
    lot_dec: int
    half_spread: float  # fraction of price
    median_usd: float  # median trade notional
    depth_usd: float  # typical 2% book depth
    oi_usd: float  # typical open interest (perps)
    max_leverage: float | None
    mmr: float | None
    oi_cap_usd: float | None


SYMBOLS: tuple[Symbol, ...] = (
    Symbol("BTCUSDT", 0, "BTC", False, .24, 1, 0.0001, 4, .00005, 600, 15e6, 0, None, None, None),
    Symbol("ETHUSDT", 1, "ETH", False, .14, 2, 0.001, 3, .00008, 400, 6e6, 0, None, None, None),
    Symbol("SOLUSDT", 2, "SOL", False, .08, 2, 0.01, 2, .00015, 250, 2e6, 0, None, None, None),
    Symbol("BTCUSDT-PERP", 0, "BTC", True, .30, 1, 0.001, 3, .00004, 2500, 40e6, 1.2e9, 125, .004, 2.5e9),
    Symbol("ETHUSDT-PERP", 1, "ETH", True, .16, 2, 0.01, 2, .00006, 1500, 20e6, 6e8, 100, .005, 1.2e9),
    Symbol("SOLUSDT-PERP", 2, "SOL", True, .08, 2, 0.1, 1, .0001, 800, 6e6, 1.5e8, 50, .01, 4e8),
)
ASSETS: tuple[tuple[str, float, float], ...] = (("BTC", 93_500.0, .00045), ("ETH", 3_250.0, .0006), ("SOL", 185.0, .0009))
"""Base assets: (name, price at the start of the week, volatility per minute)."""


def symbol_case(u_sql: str, perps_only: bool = False) -> str:
    """SQL picking a symbol number by its share of trading."""
    return weighted(u_sql, [(str(n), s.share) for n, s in enumerate(SYMBOLS) if s.perp or not perps_only])


def create_instruments(con: duckdb.DuckDBPyConnection) -> None:
    """instruments, and the temporary bg_sym table of market parameters by symbol number."""
    con.execute("""CREATE TEMP TABLE bg_sym (sym_no BIGINT, symbol VARCHAR, asset_no BIGINT, perp BOOLEAN,
        tick_dec INTEGER, lot DOUBLE, lot_dec INTEGER, hs DOUBLE, median_usd DOUBLE, depth_usd DOUBLE,
        oi_usd DOUBLE, mmr DOUBLE, max_leverage DOUBLE)""")
    con.executemany("INSERT INTO bg_sym VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [[n, s.symbol, s.asset_no, s.perp, s.tick_dec, s.lot, s.lot_dec, s.half_spread, s.median_usd,
                      s.depth_usd, s.oi_usd, s.mmr, s.max_leverage] for n, s in enumerate(SYMBOLS)])
    con.executemany("INSERT INTO instruments VALUES (?, ?, ?, 'USDT', ?, ?, ?, ?, 'trading')",
                    [[s.symbol, "perp" if s.perp else "spot", s.base, s.max_leverage, s.mmr, s.oi_cap_usd,
                      "2021-03-01 00:00:00" if s.perp else "2020-06-15 00:00:00"] for s in SYMBOLS])


def create_price_path(con: duckdb.DuckDBPyConnection) -> None:
    """bg_path: each base asset's fair price at the start (p0) and end (p1) of every minute of the week.

    A geometric random walk whose steps are whole nano-log units, so the
    running sum is an exact integer however DuckDB splits the window.
    """
    rows = ", ".join(f"({n}, {price!r}, {vol!r})" for n, (_, price, vol) in enumerate(ASSETS))
    con.execute(f"""
        CREATE TEMP TABLE bg_path AS
        WITH a(asset_no, p_start, vol) AS (VALUES {rows}),
        steps AS (
            SELECT asset_no, m, p_start,
                   CASE WHEN m = 0 THEN 0
                        ELSE round(bg_n(asset_no * 1000000 + m, 'walk') * vol * 1e9)::BIGINT END AS step
            FROM a CROSS JOIN range({WEEK_MINUTES + 1}) AS t(m)
        ),
        walk AS (
            SELECT asset_no, m, p_start * exp(1e-9 * sum(step) OVER (PARTITION BY asset_no ORDER BY m
                                                                     ROWS UNBOUNDED PRECEDING)) AS p
            FROM steps
        )
        SELECT asset_no::BIGINT AS asset_no, m::BIGINT AS m, p AS p0,
               lead(p) OVER (PARTITION BY asset_no ORDER BY m) AS p1
        FROM walk QUALIFY m < {WEEK_MINUTES}""")
    con.execute("CREATE OR REPLACE TEMP MACRO bg_basis(perp, sym_no, m) AS "
                "CASE WHEN perp THEN 0.00008 + 0.00006 * sin(2 * pi() * m / 720.0 + sym_no) ELSE 0.0 END")
    con.execute("CREATE OR REPLACE TEMP MACRO bg_lots(k, salt, median, price, lot) AS "
                "greatest(1, round(least(exp(ln(median) + 1.3 * bg_n(k, salt)), 1.5e6) / (price * lot)))::BIGINT")


def create_trades(con: duckdb.DuckDBPyConnection, sizes: Sizes, roots: int, everyone: int) -> None:
    """bg_tr (every trade with what its orders need) and the trades table, in time order.

    Market makers sit on the maker side of 80% of trades; the other makers
    are retail roots, whose takers are then drawn from roots only (never the
    maker itself), so no trade matches an account with itself or its family.
    Prices are the touch at the maker's time: bid for a resting buy, ask for
    a resting sell, around a fair price that wiggles within the minute.
    """
    n, mm = sizes.trades, sizes.mm_accounts
    symbol = symbol_case("bg_u(mo, 'sym')")
    # range() feeds a single thread; a materialised table of row numbers is scanned in parallel.
    con.execute(f"CREATE TEMP TABLE bg_ids AS SELECT i FROM range({n}) AS t(i)")
    con.execute(f"""
        CREATE TEMP TABLE bg_tr AS
        WITH base AS (
            SELECT i, CASE WHEN i % 2 = 1 AND bg_u(i // 2, 'pair') < 0.6 THEN i - 1 ELSE i END AS mo
            FROM bg_ids WHERE i < {n}
        ),
        b AS (
            SELECT i, mo, bg_slot_us(i, {n}, 'ts') AS us, bg_slot_us(mo, {n}, 'ts') AS mo_us,
                   {symbol} AS sym_no, bg_u(mo, 'mm') < 0.8 AS maker_mm,
                   bg_u(mo, 'side') < 0.5 AS maker_buys,
                   bg_perm(bg_skew(mo, 'mk', {roots}, 2.0), {roots}) AS mk,
                   bg_perm(bg_skew(i, 'tk', {roots}, 2.0), {roots}) AS tk_root,
                   bg_perm(bg_skew(i, 'tk', {everyone}, 2.0), {everyone}) AS tk_all
            FROM base
        ),
        f AS (
            SELECT b.*, s.symbol, s.perp, s.tick_dec, s.lot, s.lot_dec, s.hs, s.median_usd,
                   (p.p0 + (p.p1 - p.p0) * (b.mo_us % 60000000) / 60e6)
                   * (1 + bg_basis(s.perp, s.sym_no, p.m) + 0.0001 * bg_n(b.mo, 'wiggle')) AS fair,
                   CASE WHEN b.maker_mm THEN b.tk_all WHEN b.tk_root = b.mk THEN (b.tk_root + 1) % {roots}
                        ELSE b.tk_root END AS tk
            FROM b JOIN bg_sym AS s USING (sym_no) JOIN bg_path AS p ON p.asset_no = s.asset_no
                                                                    AND p.m = b.mo_us // 60000000
        ),
        q AS (
            SELECT f.*, round(fair * (1 - hs), tick_dec) AS bid, round(fair * (1 + hs), tick_dec) AS ask
            FROM f
        )
        SELECT q.i, q.mo, q.us, q.mo_us, q.sym_no, q.symbol, q.perp, q.tick_dec, q.lot, q.lot_dec, q.median_usd,
               q.maker_mm, q.maker_buys, q.bid, q.ask, CASE WHEN q.maker_buys THEN q.bid ELSE q.ask END AS price,
               bg_lots(q.i, 'size', q.median_usd, CASE WHEN q.maker_buys THEN q.bid ELSE q.ask END, q.lot) AS lots,
               CASE WHEN q.maker_mm THEN bg_acct(1 + bg_skew(q.mo, 'mmacct', {mm}, 1.5)) ELSE mk.account_id END
                   AS maker_account,
               tk.account_id AS taker_account
        FROM q JOIN bg_pool AS tk ON tk.trader_no = q.tk
        LEFT JOIN bg_pool AS mk ON mk.trader_no = CASE WHEN q.maker_mm THEN -1 ELSE q.mk END""")
    con.execute("""
        INSERT INTO trades
        SELECT format('BGT{:09d}', i), symbol, bg_ts(us), price, round(lots * lot, lot_dec),
               price * round(lots * lot, lot_dec), format('BGO{:09d}', 3 * mo), format('BGO{:09d}', 3 * i + 1),
               maker_account, taker_account, CASE WHEN maker_buys THEN 'sell' ELSE 'buy' END, FALSE
        FROM bg_tr ORDER BY i""")


ORDER_COLUMNS = ("order_id, account_id, symbol, side, order_type, tif, price, qty, filled_qty, status, created_ts, "
                 "done_ts, best_bid_at_entry, best_ask_at_entry, reduce_only, stp_mode, channel")


def create_trade_orders(con: duckdb.DuckDBPyConnection, sizes: Sizes) -> None:
    """orders behind the trades: one taker order per trade and one maker order per maker-order group.

    A maker order filled by trades i and i + 1 recomputes the second fill's
    size from the same hash (bg_lots of i + 1), so no window or self-join is
    needed; 30% of maker orders were bigger than what filled and the rest
    was cancelled.
    """
    n = sizes.trades
    channel = weighted("bg_u(i, 'chan')", [("'app'", .45), ("'web'", .30), ("'api'", .25)])
    con.execute(f"""
        INSERT INTO orders ({ORDER_COLUMNS})
        SELECT format('BGO{{:09d}}', 3 * i + 1), taker_account, symbol, CASE WHEN maker_buys THEN 'sell' ELSE 'buy' END,
               CASE WHEN bg_u(i, 'otype') < 0.55 THEN 'market' ELSE 'limit' END,
               CASE WHEN bg_u(i, 'otype') < 0.55 OR bg_u(i, 'tif') < 0.5 THEN 'IOC' ELSE 'GTC' END,
               CASE WHEN bg_u(i, 'otype') >= 0.55
                    THEN round(price * (1 + CASE WHEN maker_buys THEN -1 ELSE 1 END * 0.0005 * bg_u(i, 'slack')),
                               tick_dec) END,
               round(lots * lot, lot_dec), round(lots * lot, lot_dec), 'filled',
               bg_ts(us - 2000 - bg_pick(i, 'lat', 38) * 1000), bg_ts(us), bid, ask,
               perp AND bg_u(i, 'ro') < 0.06, CASE WHEN bg_u(i, 'stp') < 0.3 THEN 'expire_maker' ELSE 'none' END,
               {channel}
        FROM bg_tr ORDER BY i""")
    con.execute(f"""
        INSERT INTO orders ({ORDER_COLUMNS})
        WITH m AS (
            SELECT *, i % 2 = 0 AND i + 1 < {n} AND bg_u(i // 2, 'pair') < 0.6 AS twice,
                   CASE WHEN i % 2 = 0 AND i + 1 < {n} AND bg_u(i // 2, 'pair') < 0.6
                        THEN bg_lots(i + 1, 'size', median_usd, price, lot) ELSE 0 END AS lots2,
                   CASE WHEN bg_u(i, 'rest') < 0.3 THEN greatest(1, round(lots * bg_u(i, 'restsize') * 2))::BIGINT
                        ELSE 0 END AS rest_lots,
                   1000 * CASE WHEN maker_mm THEN 50 + (least(exp(ln(2e3) + 1.2 * bg_n(i, 'life')), 2e4))::BIGINT
                               ELSE 1000 + (least(exp(ln(6e4) + 1.2 * bg_n(i, 'life')), 6e5))::BIGINT END AS life_us
            FROM bg_tr WHERE mo = i
        )
        SELECT format('BGO{{:09d}}', 3 * i), maker_account, symbol, CASE WHEN maker_buys THEN 'buy' ELSE 'sell' END,
               'limit', CASE WHEN maker_mm THEN 'GTX' ELSE 'GTC' END, price,
               round((lots + lots2 + rest_lots) * lot, lot_dec), round((lots + lots2) * lot, lot_dec),
               CASE WHEN rest_lots > 0 THEN 'cancelled' ELSE 'filled' END,
               bg_ts(us - life_us),
               bg_ts(CASE WHEN twice THEN bg_slot_us(i + 1, {n}, 'ts') ELSE us END
                     + CASE WHEN rest_lots > 0 THEN 100000 + bg_pick(i, 'cxl', 9900) * 1000 ELSE 0 END),
               bid, ask, FALSE, CASE WHEN maker_mm THEN 'expire_maker' ELSE 'none' END,
               CASE WHEN maker_mm THEN 'api' ELSE 'web' END
        FROM m ORDER BY i""")


def create_quotes_and_stp(con: duckdb.DuckDBPyConnection, sizes: Sizes, roots: int) -> None:
    """Cancelled quotes (85% market makers) and prevented_matches with the two orders behind each.

    Prevented matches are market makers' own quotes meeting inside one STP
    group (the firm's master and sub-accounts): routine, a few per firm per day.
    Order numbers 3q + 2 never collide with trade orders (3i and 3i + 1).
    """
    q, mm, k, p = sizes.cancelled_orders, sizes.mm_accounts, sizes.mm_firms, sizes.prevented_matches
    fair = ("(path.p0 + (path.p1 - path.p0) * (c.us % 60000000) / 60e6) "
            "* (1 + bg_basis(s.perp, s.sym_no, path.m))")
    quote_symbol, stp_symbol = symbol_case("bg_u(q, 'cqsym')"), symbol_case("bg_u(j, 'stpsym')")
    con.execute(f"""
        INSERT INTO orders ({ORDER_COLUMNS})
        WITH c AS (
            SELECT q, bg_slot_us(q, {q}, 'cq') AS us, {quote_symbol} AS sym_no,
                   bg_u(q, 'cqmm') < 0.85 AS mm, bg_u(q, 'cqside') < 0.5 AS buys,
                   bg_perm(bg_skew(q, 'cqacct', {roots}, 2.0), {roots}) AS trader_no
            FROM (SELECT i AS q FROM bg_ids WHERE i < {q})
        ),
        f AS (
            SELECT c.*, s.symbol, s.tick_dec, s.hs, s.lot, s.lot_dec, s.median_usd, {fair} AS fair,
                   CASE WHEN c.mm THEN bg_acct(1 + bg_skew(c.q, 'cqmmacct', {mm}, 1.5)) ELSE r.account_id END
                       AS account_id
            FROM c JOIN bg_sym AS s USING (sym_no)
            JOIN bg_path AS path ON path.asset_no = s.asset_no AND path.m = c.us // 60000000
            LEFT JOIN bg_pool AS r ON r.trader_no = CASE WHEN c.mm THEN -1 ELSE c.trader_no END
        ),
        g AS (
            SELECT f.*, round(fair * (1 + CASE WHEN buys THEN -1 ELSE 1 END
                                      * hs * (1 + floor(10 * pow(bg_u(q, 'lvl'), 2)))), tick_dec) AS price
            FROM f
        )
        SELECT format('BGO{{:09d}}', 3 * q + 2), account_id, symbol, CASE WHEN buys THEN 'buy' ELSE 'sell' END,
               'limit', CASE WHEN mm THEN 'GTX' ELSE 'GTC' END, price,
               round(bg_lots(q, 'cqsize', median_usd * 1.5, price, lot) * lot, lot_dec), 0, 'cancelled',
               bg_ts(us),
               bg_ts(us + 1000 * CASE WHEN mm THEN 50 + least(exp(ln(3e3) + 1.2 * bg_n(q, 'cqlife')), 3e4)::BIGINT
                                     ELSE 10000 + least(exp(ln(3e5) + 1.2 * bg_n(q, 'cqlife')), 7.2e6)::BIGINT END),
               round(fair * (1 - hs), tick_dec), round(fair * (1 + hs), tick_dec), FALSE,
               CASE WHEN mm THEN 'expire_maker' ELSE 'none' END, CASE WHEN mm THEN 'api' ELSE 'web' END
        FROM g ORDER BY q""")
    con.execute(f"""
        CREATE TEMP TABLE bg_stp AS
        WITH c AS (
            SELECT j, bg_slot_us(j, {p}, 'stp') AS us, bg_pick(j, 'firm', {k}) AS firm,
                   bg_pick(j, 'mkslot', 3) AS mk_slot,
                   CASE WHEN bg_u(j, 'same') < 0.7 THEN bg_pick(j, 'mkslot', 3) ELSE bg_pick(j, 'tkslot', 3) END
                       AS tk_slot,
                   {stp_symbol} AS sym_no, bg_u(j, 'stpside') < 0.5 AS taker_buys
            FROM range({p}) AS t(j)
        )
        SELECT c.*, s.symbol, s.tick_dec, s.lot, s.lot_dec, s.hs,
               CASE c.mk_slot WHEN 0 THEN c.firm + 1 ELSE {k} + 2 * c.firm + c.mk_slot END AS mk_idx,
               CASE c.tk_slot WHEN 0 THEN c.firm + 1 ELSE {k} + 2 * c.firm + c.tk_slot END AS tk_idx,
               round({fair} * (1 + CASE WHEN c.taker_buys THEN 1 ELSE -1 END * s.hs),
                     s.tick_dec) AS price,
               round({fair} * (1 - s.hs), s.tick_dec) AS bid,
               round({fair} * (1 + s.hs), s.tick_dec) AS ask,
               round(bg_lots(c.j, 'stpsize', s.median_usd, 1.0, 1.0) / {fair} / s.lot)
                   AS lots
        FROM c JOIN bg_sym AS s USING (sym_no)
        JOIN bg_path AS path ON path.asset_no = s.asset_no AND path.m = c.us // 60000000""")
    con.execute(f"""
        INSERT INTO prevented_matches
        SELECT bg_ts(us), symbol, format('BGO{{:09d}}', 3 * ({q} + 2 * j) + 2), format('BGO{{:09d}}', 3 * ({q} + 2 * j + 1) + 2),
               bg_acct(tk_idx), bg_acct(mk_idx), format('BGSTP{{:03d}}', firm + 1), round(greatest(lots, 1) * lot, lot_dec),
               price
        FROM bg_stp ORDER BY j""")
    con.execute(f"""
        INSERT INTO orders ({ORDER_COLUMNS})
        SELECT format('BGO{{:09d}}', 3 * ({q} + 2 * j) + 2), bg_acct(tk_idx), symbol,
               CASE WHEN taker_buys THEN 'buy' ELSE 'sell' END, 'limit', 'IOC', price,
               round(greatest(lots, 1) * lot, lot_dec), 0, 'cancelled', bg_ts(us - 4000), bg_ts(us), bid, ask, FALSE,
               'expire_maker', 'api'
        FROM bg_stp
        UNION ALL
        SELECT format('BGO{{:09d}}', 3 * ({q} + 2 * j + 1) + 2), bg_acct(mk_idx), symbol,
               CASE WHEN taker_buys THEN 'sell' ELSE 'buy' END, 'limit', 'GTX', price,
               round(greatest(lots, 1) * lot, lot_dec), 0, 'cancelled', bg_ts(us - 1500000 - bg_pick(j, 'age', 9000) * 1000),
               bg_ts(us), bid, ask, FALSE, 'expire_maker', 'api'
        FROM bg_stp""")
