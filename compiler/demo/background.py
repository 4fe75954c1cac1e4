"""Benign background activity of the demo exchange: a week of spot and perpetual trading and everything around it.

The background is what the injected cases hide in: thousands of accounts at
scale 1 and a hundred thousand at scale 2,000, market makers quoting six
symbols, retail traders, deposits and withdrawals, P2P orders, logins. It is
benign by construction - no account trades with itself or its family, shared
identifiers are the ordinary kind (office and carrier-grade NAT IPs, a
sub-account's device), liquidations are small, appeals are resolved - so a
good SOP run on a background account finds nothing.

Every table is built by set-based DuckDB SQL over range(), with randomness
from hash(row, seed, salt) (see background_base), so generation scales
linearly and the same scale and seed give identical tables in any process.
All background ids start with BG (BG000123 accounts, BGT trades, BGO orders,
BGX transfers, BGP P2P orders...), so they never collide with a case's ids.
"""

from __future__ import annotations

import duckdb

from compiler.demo.background_base import check_seed, drop_macros, install_macros, sizes_for
from compiler.demo.background_derivs import create_bars_and_index, create_liquidations, create_positions
from compiler.demo.background_funds import create_p2p, create_rewards_and_actions, create_transfers
from compiler.demo.background_market import (
    create_instruments,
    create_price_path,
    create_quotes_and_stp,
    create_trade_orders,
    create_trades,
)
from compiler.demo.background_users import (
    create_accounts,
    create_identity_links,
    create_security_events,
    install_account_macros,
    pool_sizes,
)


def create_background(con: duckdb.DuckDBPyConnection, scale: int, seed: int) -> None:
    """Fill the canonical tables in con (already created, empty) with benign activity.

    Scale 1 is about 5,000 trades; trades and orders grow linearly with the
    scale, accounts one per hundred trades (at least 200, at most 250,000),
    bars and index components stay one per symbol and minute. alert_cases is
    left empty. Raises ValueError for a scale below 1 or a seed out of range,
    before writing anything.
    """
    sizes = sizes_for(scale)
    install_macros(con, check_seed(seed))
    try:
        install_account_macros(con, sizes)
        create_instruments(con)
        create_price_path(con)
        create_accounts(con, sizes)
        roots, everyone = pool_sizes(con)
        create_trades(con, sizes, roots, everyone)
        create_liquidations(con, sizes, everyone)
        create_bars_and_index(con)
        con.execute("DROP TABLE temp.bg_agg")
        create_trade_orders(con, sizes)
        con.execute("DROP TABLE temp.bg_tr")
        create_quotes_and_stp(con, sizes, roots)
        con.execute("DROP TABLE temp.bg_ids")
        create_positions(con, sizes, everyone)
        create_identity_links(con)
        create_security_events(con, sizes, roots)
        create_transfers(con, sizes, roots)
        create_rewards_and_actions(con, sizes, roots)
        create_p2p(con, sizes, roots)
    finally:
        drop_macros(con)
