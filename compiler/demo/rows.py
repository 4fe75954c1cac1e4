"""Loading rows of canonical tables into DuckDB."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import duckdb

from compiler.sqlcheck import catalog

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


def account(account_id: str, user_id: str, created: datetime, *, parent: str | None = None, kyc_level: int = 2,
            country: str = "DE", market_maker: bool = False, referrer: str | None = None) -> dict[str, Any]:
    """One accounts row."""
    return {"account_id": account_id, "user_id": user_id, "parent_account_id": parent, "created_at": iso(created),
            "kyc_level": kyc_level, "country": country, "status": "active", "is_market_maker": market_maker,
            "referrer_account_id": referrer}


def identity_links(account_id: str, first_seen: datetime, last_seen: datetime, **values: str) -> list[dict[str, Any]]:
    """One identity_links row per link type given as keyword (link_type=link_value)."""
    return [{"account_id": account_id, "link_type": link_type, "link_value": value,
             "first_seen": iso(first_seen), "last_seen": iso(last_seen)} for link_type, value in values.items()]


def trade(trade_id: str, symbol: str, ts: datetime, price: float, qty: float, maker: str, taker: str,
          taker_side: str, *, liquidation: bool = False) -> dict[str, Any]:
    """One trades row (orders are left out: the cases that need them build them)."""
    return {"trade_id": trade_id, "symbol": symbol, "ts": iso(ts), "price": price, "qty": qty,
            "notional_usd": round(price * qty, 2), "maker_order_id": f"{trade_id}-M", "taker_order_id": f"{trade_id}-T",
            "maker_account_id": maker, "taker_account_id": taker, "taker_side": taker_side,
            "is_liquidation": liquidation}
