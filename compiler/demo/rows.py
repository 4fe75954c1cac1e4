"""Loading rows of canonical tables into DuckDB."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
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
