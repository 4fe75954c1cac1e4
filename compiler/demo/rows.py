"""Rows of canonical tables: the builders the demo cases share, and loading them into DuckDB."""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from compiler.sqlcheck import catalog

if TYPE_CHECKING:
    from compiler.demo.market import Market

SMALL = 64
"""Up to this many rows go in as one INSERT with bound values; more go through a JSON file.

DuckDB binds parameters slowly (executemany is one INSERT per row), while it
reads newline-delimited JSON at millions of rows a second.
"""


def _types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    found = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                        "ORDER BY ordinal_position", [table]).fetchall()
    return {str(name): str(kind) for name, kind in found}


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows into a canonical table; columns a row leaves out take their default.

    Values are bound or read from a file, never spliced into SQL text, and
    DuckDB casts them to the column types (ISO 8601 text to TIMESTAMP, for example).
    """
    columns = catalog().get(table)
    if columns is None:
        raise ValueError(f"{table!r} is not a canonical table")
    by_shape: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        unknown = set(row) - set(columns)
        if unknown:
            raise ValueError(f"table {table!r} has no column {sorted(unknown)[0]!r}")
        by_shape.setdefault(tuple(column for column in columns if column in row), []).append(row)
    types = _types(con, table) if any(len(group) > SMALL for group in by_shape.values()) else {}
    for shape, group in by_shape.items():
        names = ", ".join(f'"{column}"' for column in shape)
        if len(group) <= SMALL:
            marks = ", ".join("(" + ", ".join("?" for _ in shape) + ")" for _ in group)
            con.execute(f'INSERT INTO "{table}" ({names}) VALUES {marks}', [row[c] for row in group for c in shape])
            continue
        spec = "{" + ", ".join(f"'{c}': '{types[c]}'" for c in shape) + "}"
        fd, path = tempfile.mkstemp(prefix="sopc-rows-", suffix=".ndjson")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                for row in group:
                    handle.write(json.dumps({c: row[c] for c in shape}, default=str) + "\n")
            con.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM '
                        f"read_json(?, format = 'newline_delimited', columns = {spec})", [path])
        finally:
            os.unlink(path)


# --- row builders shared by the case modules ------------------------------------------------------------------


def iso(moment: datetime) -> str:
    """A timestamp as the canonical tables take it: ISO 8601, UTC, whole seconds."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def trade(trade_id: str, symbol: str, ts: datetime, price: float, qty: float, maker: str, taker: str,
          taker_side: str, *, liquidation: bool = False) -> dict[str, Any]:
    """One trades row (orders are left out: the cases that need them build them)."""
    return {"trade_id": trade_id, "symbol": symbol, "ts": iso(ts), "price": price, "qty": qty,
            "notional_usd": round(price * qty, 2), "maker_order_id": f"{trade_id}-M", "taker_order_id": f"{trade_id}-T",
            "maker_account_id": maker, "taker_account_id": taker, "taker_side": taker_side,
            "is_liquidation": liquidation}


Row = dict[str, Any]
PriceFn = Callable[[datetime], float]
"""A price (or depth) as a function of time."""

MINUTE = timedelta(minutes=1)


def at(text: str) -> datetime:
    """Naive UTC datetime from ISO text such as 2026-01-05T13:30 (DuckDB reads it as TIMESTAMP)."""
    return datetime.fromisoformat(text)


def minutes(start: datetime, end: datetime) -> Iterator[datetime]:
    """Every minute from start (inclusive) to end (exclusive)."""
    moment = start
    while moment < end:
        yield moment
        moment += MINUTE


def floor_minute(moment: datetime) -> datetime:
    """The start of the minute a moment falls in."""
    return moment.replace(second=0, microsecond=0)


def path(points: Sequence[tuple[str, float]]) -> PriceFn:
    """A piecewise-linear price path through (time, price) points, flat before the first and after the last."""
    knots = [(at(t), p) for t, p in points]

    def price(moment: datetime) -> float:
        if moment <= knots[0][0]:
            return knots[0][1]
        for (t0, p0), (t1, p1) in itertools.pairwise(knots):
            if moment <= t1:
                share = (moment - t0).total_seconds() / (t1 - t0).total_seconds()
                return p0 + (p1 - p0) * share
        return knots[-1][1]

    return price


def account(account_id: str, created: str, *, country: str = "SG", kyc_level: int = 2,
            market_maker: bool = False, user_id: str | None = None, parent: str | None = None) -> Row:
    """One accounts row."""
    return {"account_id": account_id, "user_id": user_id or f"U-{account_id}", "parent_account_id": parent,
            "created_at": at(created), "kyc_level": kyc_level, "country": country, "status": "active",
            "is_market_maker": market_maker, "referrer_account_id": None}


def instrument(symbol: str, *, perp: bool, base: str, max_leverage: float | None = None,
               maint_margin_rate: float | None = None, oi_cap_usd: float | None = None,
               listed: str = "2025-06-01T00:00") -> Row:
    """One instruments row (quote asset USDT)."""
    return {"symbol": symbol, "market_type": "perp" if perp else "spot", "base_asset": base, "quote_asset": "USDT",
            "max_leverage": max_leverage, "maint_margin_rate": maint_margin_rate, "oi_cap_usd": oi_cap_usd,
            "listed_at": at(listed), "status": "trading"}


def index_rows(symbol: str, start: datetime, end: datetime,
               sources: Sequence[tuple[str, float, PriceFn]],
               excluded: Callable[[str, datetime], bool] = lambda source, minute: False) -> list[Row]:
    """index_components rows: one per source and minute."""
    return [{"ts": minute, "symbol": symbol, "source": name, "price": round(price(minute), 6), "weight": weight,
             "excluded": excluded(name, minute)}
            for minute in minutes(start, end) for name, weight, price in sources]


def weighted_index(sources: Sequence[tuple[str, float, PriceFn]],
                   excluded: Callable[[str, datetime], bool] = lambda source, minute: False) -> PriceFn:
    """The published index: weighted mean of the sources not excluded in that minute."""

    def price(moment: datetime) -> float:
        minute = floor_minute(moment)
        live = [(w, round(p(minute), 6)) for name, w, p in sources if not excluded(name, minute)]
        return sum(w * p for w, p in live) / sum(w for w, _ in live)

    return price


def spot_and_perp_rows(spot: Market, perp: Market, *, base: str, listed: str, perp_limits: tuple[float, float, float],
                       accounts: list[Row], snapshots: list[Row], liquidations: list[Row], spot_bars: list[Row],
                       perp_bars: list[Row], index_components: list[Row]) -> dict[str, list[Row]]:
    """The tables of a perpetual and the venue's own spot book of the same base asset (an index incident).

    perp_limits is the perpetual's (max_leverage, maint_margin_rate, oi_cap_usd).
    """
    max_leverage, mmr, oi_cap = perp_limits
    return {
        "accounts": accounts,
        "instruments": [instrument(spot.symbol, perp=False, base=base, listed=listed),
                        instrument(perp.symbol, perp=True, base=base, max_leverage=max_leverage,
                                   maint_margin_rate=mmr, oi_cap_usd=oi_cap, listed=listed)],
        "orders": spot.order_rows() + perp.order_rows(), "trades": spot.trades + perp.trades,
        "position_snapshots": snapshots, "liquidations": liquidations,
        "market_bars_1m": spot_bars + perp_bars,
        "index_components": index_components,
    }


def transfer(transfer_id: str, ts: str, account_id: str, kind: str, amount: float, *,
             counterparty: str | None = None, address: str | None = None, chain: str | None = None) -> Row:
    """One USDT transfers row."""
    return {"transfer_id": transfer_id, "ts": at(ts), "account_id": account_id, "kind": kind, "asset": "USDT",
            "amount": amount, "amount_usd": amount, "counterparty_account_id": counterparty, "chain": chain,
            "address": address, "tx_hash": f"0x{transfer_id.lower().replace('-', '')}" if chain else None,
            "kyt_risk": "low" if chain else None}


def link(account_id: str, link_type: str, value: str, first_seen: str) -> Row:
    """One identity_links row."""
    return {"account_id": account_id, "link_type": link_type, "link_value": value, "first_seen": at(first_seen),
            "last_seen": at("2026-01-06T00:00")}


def liquidation(liq_id: str, ts: datetime, account_id: str, symbol: str, side_closed: str, qty: float,
                mark_price: float, bankruptcy: float, avg_fill: float, method: str) -> Row:
    """A liquidations row; the fund's delta is the fill's distance from bankruptcy (negative is a payout)."""
    sign = 1 if side_closed == "long" else -1
    return {"liq_id": liq_id, "ts": ts, "account_id": account_id, "symbol": symbol, "side_closed": side_closed,
            "qty": qty, "mark_price": round(mark_price, 6), "bankruptcy_price": round(bankruptcy, 6),
            "avg_fill_price": round(avg_fill, 6), "method": method,
            "insurance_fund_delta_usd": round(sign * (avg_fill - bankruptcy) * qty, 2)}


def p2p_order(order_id: str, buyer: str, seller: str, usdt: float, created: datetime, *, released_after_min: float = 12,
              fiat: tuple[str, float] = ("EUR", 0.93), payer_matches: bool | None = True,
              payer_hash: str | None = None) -> Row:
    """A released P2P USDT order paid by bank transfer (paid five minutes after it was created)."""
    paid = created + timedelta(minutes=5)
    return {"p2p_order_id": order_id, "ad_id": f"AD-{seller}", "buyer_account_id": buyer, "seller_account_id": seller,
            "asset": "USDT", "crypto_amount": usdt, "fiat_currency": fiat[0], "fiat_amount": round(usdt * fiat[1], 2),
            "payment_method": "bank_transfer", "created_ts": created, "marked_paid_ts": paid,
            "released_ts": paid + timedelta(minutes=released_after_min), "status": "completed",
            "payer_name_matches_kyc": payer_matches, "payer_account_hash": payer_hash or f"pah-{buyer}"}
