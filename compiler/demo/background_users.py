"""Background accounts and who they are: accounts, identity_links and security_events.

Account numbers are laid out so that ownership is a formula, not a lookup:
1..K are market-maker masters, K+1..3K their two sub-accounts each, and the
rest are retail accounts, numbered in order of creation. A retail account at
an even offset may be a sub-account; its parent is always at an odd offset,
which is never a sub-account, so every parent exists, is older, and is a root.
Every per-account value (country, KYC level, device, IPs, addresses) is
drawn once from the root's number into the temporary bg_acc table, so
sub-accounts inherit their owner's, and later tables (security events,
transfers, P2P) join it rather than re-deriving the values.
"""

from __future__ import annotations

import duckdb

from compiler.demo.background_base import Sizes, lookup, weighted

COUNTRIES: tuple[tuple[str, float, str, str], ...] = (
    # code, share of retail accounts, fiat currency, calling code
    ("DE", 0.10, "EUR", "49"), ("FR", 0.06, "EUR", "33"), ("ES", 0.05, "EUR", "34"), ("IT", 0.05, "EUR", "39"),
    ("NL", 0.03, "EUR", "31"), ("PL", 0.04, "PLN", "48"), ("GB", 0.08, "GBP", "44"), ("TR", 0.08, "TRY", "90"),
    ("BR", 0.08, "BRL", "55"), ("AR", 0.04, "ARS", "54"), ("MX", 0.03, "MXN", "52"), ("NG", 0.05, "NGN", "234"),
    ("VN", 0.07, "VND", "84"), ("PH", 0.04, "PHP", "63"), ("ID", 0.05, "IDR", "62"), ("IN", 0.04, "INR", "91"),
    ("JP", 0.03, "JPY", "81"), ("KR", 0.03, "KRW", "82"), ("AU", 0.03, "AUD", "61"), ("CA", 0.02, "CAD", "1"),
)
MM_COUNTRIES = ("SG", "GB", "CH", "HK", "AE", "NL")
CALLING = dict((code, calling) for code, _, _, calling in COUNTRIES) | {"SG": "65", "CH": "41", "HK": "852", "AE": "971"}
DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com", "gmx.de", "hotmail.com")


def install_account_macros(con: duckdb.DuckDBPyConnection, sizes: Sizes) -> None:
    """Macros of an account number: whether it is a sub-account, its root (owner), and address formats."""
    k, mm = sizes.mm_firms, sizes.mm_accounts
    macros = [
        f"bg_is_sub(idx) AS (idx > {mm} AND (idx - {mm}) % 2 = 0 AND bg_u(idx, 'sub') < 0.08)",
        f"bg_root(idx) AS CASE WHEN idx <= {k} THEN idx WHEN idx <= {mm} THEN (idx - {k} - 1) // 2 + 1"
        f" WHEN bg_is_sub(idx) THEN {mm} + 1 + 2 * floor(bg_u(idx, 'parent') * ((idx - {mm}) // 2))::BIGINT"
        " ELSE idx END",
        "bg_addr(h, chain) AS CASE chain WHEN 'ETH' THEN '0x' || substr(h, 1, 40)"
        " WHEN 'TRON' THEN 'T' || translate(upper(substr(h, 1, 9)) || substr(h, 10, 24), '0', 'x')"
        " WHEN 'BTC' THEN 'bc1q' || translate(substr(h, 1, 38), '0', 'p')"
        " ELSE translate(upper(substr(h, 1, 22)) || substr(h, 23, 22), '0O', 'zq') END",
        "bg_tx_hash(key, chain) AS CASE WHEN chain = 'ETH' THEN '0x' ELSE '' END"
        " || bg_hex('tx:' || key) || bg_hex('tx2:' || key)",
    ]
    for macro in macros:
        con.execute(f"CREATE OR REPLACE TEMP MACRO {macro}")


def create_accounts(con: duckdb.DuckDBPyConnection, sizes: Sizes) -> None:
    """accounts, plus temporary tables later parts draw on.

    bg_acc holds every account with its owner's attributes and identifiers
    (drawn from the root's number, so sub-accounts inherit them), computed
    once here rather than re-derived in every table. bg_pool numbers the
    retail accounts (roots first, then sub-accounts) in a hashed order:
    trader_no < R_roots are roots. Drawing makers from roots only and takers
    from everyone keeps a parent from ever trading with its own sub-account,
    so the background has no self or related matches.
    """
    a, k, mm = sizes.accounts, sizes.mm_firms, sizes.mm_accounts
    year_us = 364 * 86_400_000_000
    carrier_ips, offices = max(1, a // 1_000), max(1, a // 300)
    mm_list = ", ".join(f"'{c}'" for c in MM_COUNTRIES)
    country = weighted("bg_u(root, 'country')", [(f"'{c}'", w) for c, w, _, _ in COUNTRIES])
    kyc = weighted("bg_u(root, 'kyc')", [("1", 0.25), ("2", 0.65), ("3", 0.10)])
    chain = weighted("bg_u(root, 'chain')", [("'TRON'", .35), ("'ETH'", .35), ("'BTC'", .15), ("'SOL'", .15)])
    currency = lookup("country", [(c, f"'{cur}'") for c, _, cur, _ in COUNTRIES], "'USD'")
    calling = lookup("country", [(c, f"'{p}'") for c, p in CALLING.items()], "'1'")
    domains = ", ".join(f"'{d}'" for d in DOMAINS)
    shared = (f"CASE WHEN root <= {k} THEN NULL WHEN bg_u(root, 'sip') < 0.08 THEN"
              f" printf('100.%d.%d.%d', 64 + cg % 64, 17 + cg // 64 % 200, 9 + cg // 12800 % 200)"
              f" WHEN bg_u(root, 'sip') < 0.13 THEN printf('185.%d.%d.10', 40 + office // 250 % 200, 1 + office % 250)"
              " END")
    con.execute(f"""
        CREATE TEMP TABLE bg_acc AS
        WITH a AS (
            SELECT idx, bg_root(idx) AS root, idx <= {mm} AS is_mm, idx > {k} AND (idx <= {mm} OR bg_is_sub(idx)) AS is_sub,
                   TIMESTAMP '2025-01-01' + to_microseconds(
                       (floor((idx - 1 + bg_u(idx, 'created')) / {a} * {year_us} / 1e6) * 1e6)::BIGINT) AS created_at
            FROM range(1, {a + 1}) AS t(idx)
        ),
        b AS (
            SELECT a.*, CASE WHEN root <= {k} THEN [{mm_list}][1 + bg_pick(root, 'mmc', {len(MM_COUNTRIES)})]
                             ELSE {country} END AS country,
                   CASE WHEN root <= {k} THEN 3 ELSE {kyc} END AS kyc, {chain} AS chain,
                   bg_pick(root, 'cg', {carrier_ips}) AS cg, bg_pick(root, 'of', {offices}) AS office
            FROM a
        )
        SELECT idx, bg_acct(idx) AS account_id, root, is_mm, is_sub, created_at, country, kyc, chain,
               {currency} AS currency, {shared} AS shared_ip, bg_home_ip(root) AS home_ip,
               bg_device(root, 1) AS device1, CASE WHEN bg_u(root, 'dev2') < 0.3 THEN bg_device(root, 2) END AS device2,
               'u' || substr(bg_hex('mail:' || root), 1, 11) || '@' || [{domains}][1 + bg_pick(root, 'dom', {len(DOMAINS)})]
                   AS email,
               CASE WHEN bg_u(root, 'phone') < 0.9
                    THEN '+' || {calling} || format('{{:09d}}', (root * 387420489 + 1234567) % 1000000000) END AS phone,
               country || format('{{:02d}}', 2 + root % 97) || 'BGBK'
                   || format('{{:012d}}', (root * 7777777 + 99991) % 1000000000000) AS bank,
               bg_addr(bg_hex('payout:' || root) || bg_hex('payout2:' || root), chain) AS payout,
               bg_addr(bg_hex('source:' || root) || bg_hex('source2:' || root), chain) AS source
        FROM b""")
    con.execute(f"""
        INSERT INTO accounts
        SELECT account_id, format('BGU{{:06d}}', root), CASE WHEN is_sub THEN bg_acct(root) END, created_at, kyc, country,
               'active', is_mm,
               CASE WHEN NOT is_mm AND NOT is_sub AND idx > {mm + 10} AND bg_u(idx, 'ref') < 0.25
                    THEN bg_acct({mm} + 1 + 2 * floor(pow(bg_u(idx, 'referrer'), 2) * ((idx - {mm} - 1) // 2))::BIGINT)
               END
        FROM bg_acc ORDER BY idx""")
    con.execute("""
        CREATE TEMP TABLE bg_pool AS
        SELECT (row_number() OVER (ORDER BY is_sub, bg_u(idx, 'pool'), idx) - 1)::BIGINT AS trader_no,
               idx, root, account_id, is_sub
        FROM bg_acc WHERE NOT is_mm""")
    con.execute(f"""
        CREATE TEMP TABLE bg_merchants AS
        SELECT (row_number() OVER (ORDER BY bg_u(p.idx, 'merchant'), p.idx) - 1)::BIGINT AS merchant_no,
               p.trader_no, p.idx, p.account_id, a.currency
        FROM bg_pool AS p JOIN bg_acc AS a USING (idx)
        WHERE NOT p.is_sub AND a.kyc >= 2 AND p.idx < {mm + (a - mm) // 2}
        ORDER BY merchant_no LIMIT {sizes.p2p_merchants}""")


def pool_sizes(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(retail roots, all retail accounts) in bg_pool."""
    row = con.execute("SELECT count(*) FILTER (WHERE NOT is_sub), count(*) FROM bg_pool").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def create_identity_links(con: duckdb.DuckDBPyConnection) -> None:
    """identity_links: mostly one value per account; office and carrier-grade NAT IPs are shared by strangers.

    Sub-accounts are reached through their parent's login (market makers'
    through the parent's API keys), so they carry no identifiers of their
    own: the parent_account_id link is the one that ties them.
    """
    first = "c.created_at + to_microseconds((bg_u(c.idx, 'fs.' || l.link_type) * 86400e6)::BIGINT)"
    last = "TIMESTAMP '2026-01-01' + to_microseconds((bg_u(c.idx, 'ls.' || l.link_type) * 604800e6)::BIGINT)"
    columns = [("device_id", "device1"), ("device_id", "device2"), ("ip", "home_ip"), ("ip", "shared_ip"),
               ("email_norm", "email"), ("phone", "phone"),
               ("kyc_doc_hash", "CASE WHEN kyc >= 1 THEN 'kyc-' || bg_hex('kyc:' || idx) END"),
               ("face_hash", "CASE WHEN kyc >= 2 THEN 'face-' || bg_hex('face:' || idx) END"),
               ("bank_account", "CASE WHEN kyc >= 2 THEN bank END"), ("payout_address", "payout"),
               ("deposit_source_address", "source")]
    union = " UNION ALL ".join(f"SELECT idx, '{kind}' AS link_type, {value} AS link_value FROM bg_acc WHERE NOT is_sub"
                               for kind, value in columns)
    con.execute(f"""
        INSERT INTO identity_links
        SELECT c.account_id, l.link_type, l.link_value, {first}, greatest({first}, {last})
        FROM ({union}) AS l JOIN bg_acc AS c USING (idx)
        WHERE l.link_value IS NOT NULL
        ORDER BY c.idx, l.link_type, l.link_value""")


def create_security_events(con: duckdb.DuckDBPyConnection, sizes: Sizes, roots: int) -> None:
    """security_events: logins from the account's own devices and IPs, and a few routine changes.

    No event comes from a device the account has not used before, so nothing
    here looks like the start of an account takeover.
    """
    n = sizes.security_events
    kinds = weighted("bg_u(e, 'kind')", [("'login'", .93), ("'withdraw_addr_add'", .025), ("'api_key_create'", .025),
                                          ("'password_reset'", .015), ("'2fa_reset'", .005)])
    con.execute(f"""
        INSERT INTO security_events
        WITH ev AS (
            SELECT e, CASE WHEN bg_u(e, 'mm') < 0.02 THEN 1 + bg_pick(e, 'mmacct', {sizes.mm_firms}) END AS mm_idx,
                   bg_perm(bg_skew(e, 'acct', {roots}, 1.6), {roots}) AS trader_no
            FROM range({n}) AS t(e)
        )
        SELECT a.account_id, bg_ts(bg_slot_us(e, {n}, 'sec')), {kinds},
               CASE WHEN a.shared_ip IS NOT NULL AND bg_u(e, 'useshared') < 0.5 THEN a.shared_ip ELSE a.home_ip END,
               CASE WHEN a.device2 IS NOT NULL AND bg_u(e, 'dev') < 0.4 THEN a.device2 ELSE a.device1 END, a.country
        FROM ev JOIN bg_pool AS p USING (trader_no) JOIN bg_acc AS a ON a.idx = coalesce(ev.mm_idx, p.idx)
        ORDER BY e""")
