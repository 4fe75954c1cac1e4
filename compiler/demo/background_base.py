"""Shared pieces of the benign background: sizes, the demo week, and the SQL macros every part uses.

All randomness is DuckDB's `hash()` of (row number, seed, salt), turned into
numbers by the `bg_*` macros installed here. Nothing depends on the order in
which DuckDB's threads process rows, so the same scale and seed give the same
table contents in any process (for one DuckDB version: hash() is DuckDB's
own). Whatever is aggregated is summed as integers (the price walk's steps,
bar notional in cents), never as doubles, because floating-point sums change
in their last bits with the order in which threads combine them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

WEEK_START = "2026-01-01 00:00:00"
"""First instant of the demo week (UTC); every background trade falls in [start, start + 7 days)."""
WEEK_MINUTES = 7 * 24 * 60
WEEK_US = WEEK_MINUTES * 60_000_000
TRADES_PER_SCALE = 5_000
SEED_RANGE = (-(2**62), 2**62)
"""Seeds are spliced into SQL as integers; a bound keeps them plain BIGINT literals."""


@dataclass(frozen=True, slots=True)
class Sizes:
    """Row counts of the background at one scale; trades grow linearly, accounts are capped."""

    trades: int
    accounts: int
    mm_firms: int
    cancelled_orders: int
    transfers: int
    internal_pairs: int
    security_events: int
    p2p_orders: int
    p2p_merchants: int
    prevented_matches: int
    liquidations: int
    watchlist: int
    position_accounts: int
    grants: int

    @property
    def mm_accounts(self) -> int:
        """Market-maker accounts: each firm has a master account (ids 1..K) and two sub-accounts (K+1..3K)."""
        return 3 * self.mm_firms


def sizes_for(scale: int) -> Sizes:
    """How big each part of the background is at a scale (1 is about 5,000 trades)."""
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a positive integer, not {scale!r}")
    trades = TRADES_PER_SCALE * scale
    accounts = min(max(200, trades // 100), 250_000)
    transfers = trades // 10 + 100
    return Sizes(
        trades=trades,
        accounts=accounts,
        mm_firms=min(30, 4 + accounts // 5_000),
        cancelled_orders=trades // 2,
        transfers=transfers,
        internal_pairs=max(5, transfers // 30),
        security_events=3 * accounts,
        p2p_orders=trades // 50 + 40,
        p2p_merchants=max(5, accounts // 250),
        prevented_matches=5 + trades // 2_000,
        liquidations=3 + trades // 50_000,
        watchlist=3 + trades // 100_000,
        position_accounts=min(max(10, accounts // 50), 2_000),
        grants=max(20, accounts // 20),
    )


def check_seed(seed: int) -> int:
    """The seed as a plain int, or ValueError: it is spliced into SQL, so it must be a bounded integer."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
        raise ValueError(f"seed must be an integer between -2**62 and 2**62, not {seed!r}")
    return seed


def weighted(u_sql: str, choices: Sequence[tuple[str, float]]) -> str:
    """A SQL CASE picking one of choices (SQL expressions) by weight, from a uniform number in (0, 1)."""
    total = sum(weight for _, weight in choices)
    parts, acc = [], 0.0
    for value, weight in choices[:-1]:
        acc += weight / total
        parts.append(f"WHEN {u_sql} < {acc!r} THEN {value}")
    return f"(CASE {' '.join(parts)} ELSE {choices[-1][0]} END)"


def lookup(key_sql: str, mapping: Sequence[tuple[str, str]], default: str = "NULL") -> str:
    """A SQL CASE mapping the text value of key_sql to SQL expressions."""
    whens = " ".join(f"WHEN '{key}' THEN {value}" for key, value in mapping)
    return f"(CASE {key_sql} {whens} ELSE {default} END)"


def install_macros(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    """Create the temporary bg_* macros, with the seed baked in, for this connection.

    bg_u(k, salt) is uniform in (0, 1). DuckDB combines the hashes of several
    arguments almost linearly (the salt is XORed in last), so values for two
    salts of one row would be nearly the same number; hashing the combined
    hash again mixes them into independent draws. bg_n is a standard normal
    (Box-Muller, which needs exactly that independence);
    bg_pick an integer in [0, n); bg_skew the same with small values more
    likely (power > 1 makes a few accounts very active, as on real venues);
    bg_perm a bijection of [0, n) so that the active accounts are not simply
    the oldest; bg_slot_us spreads n events over the week in index order with
    an afternoon-UTC peak, which keeps ids chronological without a sort.
    """
    phase = 2 * math.pi * 14 / 24  # busiest hour: 14:00 UTC
    amplitude = 0.45
    k = 14 * math.pi  # seven daily cycles over x in [0, 1)
    offset = seed % 16_777_216
    macros = [
        f"bg_u(k, salt) AS ((hash(hash(k::BIGINT, {seed}::BIGINT, salt)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0",
        "bg_n(k, salt) AS sqrt(-2.0 * ln(bg_u(k, salt || '.r'))) * cos(2.0 * pi() * bg_u(k, salt || '.a'))",
        "bg_pick(k, salt, n) AS least(floor(bg_u(k, salt) * n)::BIGINT, n - 1)",
        "bg_skew(k, salt, n, power) AS least(floor(pow(bg_u(k, salt), power) * n)::BIGINT, n - 1)",
        "bg_perm(k, n) AS (k::BIGINT * 1000003) % n",
        f"bg_hex(key) AS md5('{seed}:' || key)",
        f"bg_ts(us) AS TIMESTAMP '{WEEK_START}' + to_microseconds(us::BIGINT)",
        f"bg_warp(x) AS x - {amplitude / k!r} * (sin({k!r} * x - {phase!r}) + {math.sin(phase)!r})",
        f"bg_slot_us(i, n, salt) AS least(round(bg_warp((i + bg_u(i, salt)) / n) * {WEEK_US // 1000})::BIGINT * 1000,"
        f" {WEEK_US - 1000})",
        "bg_acct(idx) AS format('BG{:06d}', idx)",
        f"bg_home_ip(idx) AS printf('%d.%d.%d.%d', [31, 37, 46, 62, 78, 88, 92, 109][1 + idx % 8],"
        f" ((idx // 8) * 2654435761 + {offset}) % 16777216 // 65536, ((idx // 8) * 2654435761 + {offset}) % 65536 // 256,"
        f" ((idx // 8) * 2654435761 + {offset}) % 256)",
        "bg_device(idx, n) AS 'dev-' || substr(bg_hex('dev:' || idx || ':' || n), 1, 16)",
    ]
    for macro in macros:
        con.execute(f"CREATE OR REPLACE TEMP MACRO {macro}")


def drop_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Remove every temporary bg_* macro and bg_* table, leaving only the canonical tables behind."""
    for (name,) in con.execute("SELECT DISTINCT function_name FROM duckdb_functions() "
                               "WHERE function_name LIKE 'bg\\_%' ESCAPE '\\' AND schema_name = 'main' "
                               "AND database_name = 'temp'").fetchall():
        con.execute(f"DROP MACRO IF EXISTS temp.{name}")
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'temp' "
                               "AND table_name LIKE 'bg\\_%' ESCAPE '\\'").fetchall():
        con.execute(f"DROP TABLE IF EXISTS temp.{name}")
