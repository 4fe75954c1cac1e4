"""Benign background activity of the demo exchange (to be filled in)."""

from __future__ import annotations

import duckdb


def create_background(con: duckdb.DuckDBPyConnection, scale: int, seed: int) -> None:
    """Fill the canonical tables with benign activity; scale 1 is a few thousand trades."""
