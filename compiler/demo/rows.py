"""Loading rows of canonical tables into DuckDB, with bound parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from compiler.sqlcheck import catalog


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows into a canonical table; columns a row leaves out take their default.

    Values are bound, never spliced into SQL text, and DuckDB casts them to
    the column types (ISO 8601 text to TIMESTAMP, for example).
    """
    columns = catalog().get(table)
    if columns is None:
        raise ValueError(f"{table!r} is not a canonical table")
    by_shape: dict[tuple[str, ...], list[list[Any]]] = {}
    for row in rows:
        unknown = set(row) - set(columns)
        if unknown:
            raise ValueError(f"table {table!r} has no column {sorted(unknown)[0]!r}")
        shape = tuple(column for column in columns if column in row)
        by_shape.setdefault(shape, []).append([row[column] for column in shape])
    for shape, values in by_shape.items():  # executemany refuses an empty list; shapes are never empty
        names = ", ".join(f'"{column}"' for column in shape)
        marks = ", ".join("?" for _ in shape)
        con.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)
