"""Background money movements and back-office: transfers, reward_grants, P2P and account_actions.

Addresses, bank accounts and chains come from the account macros, so a
withdrawal goes to the account's own payout address and a deposit comes
from its own deposit source - the same values identity_links holds.
"""

from __future__ import annotations

import duckdb

from compiler.demo.background_base import Sizes, lookup, weighted

FIAT: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    # currency, units per USD (approximate, early 2026), usual P2P rails (none reversible)
    ("EUR", 0.86, ("sepa", "revolut", "wise")), ("GBP", 0.75, ("faster_payments", "revolut")),
    ("PLN", 3.65, ("blik", "bank_transfer")), ("TRY", 43.0, ("bank_transfer", "papara")), ("BRL", 5.40, ("pix",)),
    ("ARS", 1450.0, ("mercado_pago", "bank_transfer")), ("MXN", 18.2, ("spei",)),
    ("NGN", 1450.0, ("bank_transfer", "opay")), ("VND", 26300.0, ("bank_transfer", "momo")),
    ("PHP", 59.0, ("gcash", "bank_transfer")), ("IDR", 16700.0, ("bank_transfer", "dana")),
    ("INR", 90.0, ("upi", "imps")), ("JPY", 157.0, ("bank_transfer",)), ("KRW", 1450.0, ("bank_transfer",)),
    ("AUD", 1.52, ("payid",)), ("CAD", 1.38, ("interac",)), ("USD", 1.0, ("wise", "bank_transfer")),
)


def _asset_no(column: str) -> str:
    """SQL: the bg_path asset number of an asset column (-1 for USDT, which has no path: its price is 1)."""
    return f"CASE {column} WHEN 'BTC' THEN 0 WHEN 'ETH' THEN 1 WHEN 'SOL' THEN 2 ELSE -1 END"


def create_transfers(con: duckdb.DuckDBPyConnection, sizes: Sizes, roots: int) -> None:
    """transfers: on-chain deposits and withdrawals (KYT low) and internal moves between parents and sub-accounts."""
    t, k, pairs = sizes.transfers, sizes.mm_firms, sizes.internal_pairs
    asset_no = _asset_no("e.asset")
    con.execute(f"""
        INSERT INTO transfers
        WITH c AS (
            SELECT j, bg_slot_us(j, {t}, 'xfer') AS us, bg_u(j, 'xmm') < 0.02 AS mm, bg_u(j, 'xkind') < 0.58 AS deposit,
                   bg_perm(bg_skew(j, 'xacct', {roots}, 1.5), {roots}) AS trader_no,
                   1 + bg_pick(j, 'xmmacct', {k}) AS mm_idx
            FROM range({t}) AS t(j)
        ),
        d AS (
            SELECT c.*, a.idx, a.account_id, a.chain, a.payout, a.source
            FROM c JOIN bg_pool AS r USING (trader_no) JOIN bg_acc AS a ON a.idx = CASE WHEN mm THEN mm_idx ELSE r.idx END
        ),
        e AS (
            SELECT d.*, CASE chain WHEN 'TRON' THEN 'USDT' WHEN 'BTC' THEN 'BTC'
                        WHEN 'ETH' THEN CASE WHEN bg_u(j, 'xasset') < 0.6 THEN 'USDT' ELSE 'ETH' END
                        ELSE CASE WHEN bg_u(j, 'xasset') < 0.4 THEN 'USDT' ELSE 'SOL' END END AS asset,
                   round(least(exp(ln(1500) + 1.3 * bg_n(j, 'xamt')), 1e6) * CASE WHEN mm THEN 20 ELSE 1 END, 2)
                       AS usd
            FROM d
        ),
        f AS (
            SELECT e.*, coalesce(p.p0, 1.0) AS price,
                   CASE WHEN asset = 'USDT' THEN usd ELSE round(usd / coalesce(p.p0, 1.0), 8) END AS amount
            FROM e LEFT JOIN bg_path AS p ON p.asset_no = {asset_no}
                                          AND p.m = e.us // 60000000
        )
        SELECT format('BGX{{:09d}}', j), bg_ts(us), account_id, CASE WHEN deposit THEN 'deposit' ELSE 'withdrawal' END,
               asset, amount, round(amount * price, 2), NULL, chain, CASE WHEN deposit THEN source ELSE payout END,
               bg_tx_hash('x' || j, chain), 'low'
        FROM f ORDER BY j""")
    con.execute("""CREATE TEMP TABLE bg_subs AS
                   SELECT (row_number() OVER (ORDER BY idx) - 1)::BIGINT AS sub_no, idx, root FROM bg_acc WHERE is_sub""")
    subs_row = con.execute("SELECT count(*) FROM bg_subs").fetchone()
    subs = int(subs_row[0]) if subs_row else 0
    con.execute(f"""
        INSERT INTO transfers
        WITH c AS (
            SELECT j, bg_slot_us(j, {pairs}, 'int') AS us, s.idx, s.root, bg_u(j, 'todown') < 0.6 AS down,
                   round(least(exp(ln(3000) + 1.2 * bg_n(j, 'iamt')), 5e5)
                         * CASE WHEN s.root <= {k} THEN 20 ELSE 1 END, 2) AS usd
            FROM range({pairs}) AS t(j) JOIN bg_subs AS s ON s.sub_no = bg_pick(j, 'isub', {subs})
        )
        SELECT format('BGX{{:09d}}', {t} + 2 * j), bg_ts(us), bg_acct(CASE WHEN down THEN root ELSE idx END), 'internal_out',
               'USDT', usd, usd, bg_acct(CASE WHEN down THEN idx ELSE root END), NULL, NULL, NULL, NULL
        FROM c
        UNION ALL
        SELECT format('BGX{{:09d}}', {t} + 2 * j + 1), bg_ts(us), bg_acct(CASE WHEN down THEN idx ELSE root END),
               'internal_in', 'USDT', usd, usd, bg_acct(CASE WHEN down THEN root ELSE idx END), NULL, NULL, NULL, NULL
        FROM c""")


def create_rewards_and_actions(con: duckdb.DuckDBPyConnection, sizes: Sizes, roots: int) -> None:
    """reward_grants (one new-year trading rebate, one grant per account) and a few routine watchlist entries."""
    amount = weighted("bg_u(k, 'gamt')", [("5", .4), ("10", .3), ("20", .2), ("50", .1)])
    reason = weighted("bg_u(w, 'wreason')", [("'periodic_review'", .4), ("'adverse_media_false_positive'", .2),
                                             ("'large_deposit_review'", .25), ("'travel_rule_followup'", .15)])
    actor = weighted("bg_u(w, 'wactor')", [("'analyst.kim'", .3), ("'analyst.ortega'", .3), ("'analyst.novak'", .2),
                                           ("'screening.bot'", .2)])
    con.execute(f"""
        INSERT INTO reward_grants
        SELECT format('BGG{{:07d}}', k), r.account_id, 'BGC-NEWYEAR-2026', {amount}::DOUBLE,
               bg_ts(86400000000 + floor(bg_u(k, 'gts') * 5 * 86400e3)::BIGINT * 1000)
        FROM range({sizes.grants}) AS t(k) JOIN bg_pool AS r ON r.trader_no = bg_perm(k, {roots})
        ORDER BY k""")
    con.execute(f"""
        INSERT INTO account_actions
        SELECT format('BGA{{:06d}}', w), r.account_id, bg_ts(bg_slot_us(w, {sizes.watchlist}, 'wl')), 'watchlist',
               {reason}, NULL, {actor}
        FROM range({sizes.watchlist}) AS t(w)
        JOIN bg_pool AS r ON r.trader_no = bg_perm(bg_pick(w, 'wacct', {roots}), {roots})
        ORDER BY w""")


def create_p2p(con: duckdb.DuckDBPyConnection, sizes: Sizes, roots: int) -> None:
    """p2p_orders between merchants and users, and p2p_appeals on every 50th order (payment_not_received).

    Every paid order was paid from the buyer's own bank account in the
    buyer's name; the appeals are late payments or orders that were never
    paid, all resolved within hours.
    """
    p, merchants = sizes.p2p_orders, sizes.p2p_merchants
    fx = lookup("ccy", [(c, repr(rate)) for c, rate, _ in FIAT], "1.0")
    rails = lookup("ccy", [(c, f"[{', '.join(repr(r) for r in rs)}][1 + bg_pick(o, 'rail', {len(rs)})]")
                           for c, _, rs in FIAT], "'bank_transfer'")
    asset = weighted("bg_u(o, 'p2passet')", [("'USDT'", .85), ("'BTC'", .10), ("'ETH'", .05)])
    asset_no = _asset_no("c.asset")
    con.execute(f"""
        CREATE TEMP TABLE bg_p2p AS
        WITH c AS (
            SELECT o, bg_slot_us(o, {p}, 'p2p') AS us, bg_skew(o, 'merch', {merchants}, 1.3) AS merchant_no,
                   bg_perm(bg_skew(o, 'p2pu', {roots}, 1.2), {roots}) AS user_no, bg_u(o, 'msell') < 0.75 AS sells,
                   {asset} AS asset, o % 50 = 7 AS appealed,
                   o % 50 <> 7 AND bg_u(o, 'p2pcxl') < 0.05 AS cancelled, bg_u(o, 'outcome') < 0.8 AS late_payment,
                   round(least(exp(ln(300) + bg_n(o, 'p2pamt')), 20000), 2) AS usd
            FROM range({p}) AS t(o)
        ),
        d AS (
            SELECT c.*, mb.bank AS m_bank, m.account_id AS m_account, ub.bank AS u_bank, u.account_id AS u_account,
                   m.currency AS ccy, coalesce(path.p0, 1.0) AS price,
                   120000000 + bg_pick(o, 'paid', 1080) * 1000000 AS pay_us,
                   60000000 + bg_pick(o, 'release', 1440) * 1000000 AS release_us,
                   1800000000 + bg_pick(o, 'open', 3600) * 1000000 AS open_us,
                   3600000000 + bg_pick(o, 'resolve', 18000) * 1000000 AS resolve_us
            FROM c JOIN bg_merchants AS m USING (merchant_no)
            JOIN bg_pool AS u ON u.trader_no = CASE WHEN c.user_no = m.trader_no THEN (c.user_no + 1) % {roots}
                                                    ELSE c.user_no END
            JOIN bg_acc AS mb ON mb.idx = m.idx JOIN bg_acc AS ub ON ub.idx = u.idx
            LEFT JOIN bg_path AS path ON path.asset_no = {asset_no}
                                     AND path.m = c.us // 60000000
        )
        SELECT d.*, CASE WHEN sells THEN m_account ELSE u_account END AS seller,
               CASE WHEN sells THEN u_account ELSE m_account END AS buyer,
               CASE WHEN sells THEN u_bank ELSE m_bank END AS buyer_bank,
               CASE WHEN asset = 'USDT' THEN usd ELSE round(usd / price, 8) END AS crypto_amount,
               NOT cancelled AND (NOT appealed OR late_payment) AS paid,
               {fx} AS fx, {rails} AS rail
        FROM d""")
    con.execute("""
        INSERT INTO p2p_orders
        SELECT format('BGP{:08d}', o), format('BGAD{:05d}', merchant_no * 8 + CASE asset WHEN 'USDT' THEN 0
                                                                        WHEN 'BTC' THEN 2 ELSE 4 END + sells::INTEGER),
               buyer, seller, asset, crypto_amount, ccy,
               round(crypto_amount * price * fx * (1.005 + 0.015 * bg_u(o, 'premium')), 2), rail, bg_ts(us),
               CASE WHEN NOT cancelled THEN bg_ts(us + pay_us) END,
               CASE WHEN paid AND NOT appealed THEN bg_ts(us + pay_us + release_us)
                    WHEN paid THEN bg_ts(us + pay_us + open_us + resolve_us) END,
               CASE WHEN paid THEN 'completed' ELSE 'cancelled' END,
               CASE WHEN paid THEN TRUE END,
               CASE WHEN paid THEN 'pay-' || substr(md5(buyer_bank), 1, 24) END
        FROM bg_p2p ORDER BY o""")
    con.execute("""
        INSERT INTO p2p_appeals
        SELECT format('BGAP{:07d}', o), format('BGP{:08d}', o), seller, bg_ts(us + pay_us + open_us),
               'payment_not_received', CASE WHEN late_payment THEN 'released_to_buyer' ELSE 'cancelled_unpaid' END,
               bg_ts(us + pay_us + open_us + resolve_us)
        FROM bg_p2p WHERE appealed ORDER BY o""")
