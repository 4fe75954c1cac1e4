"""What a read-only SOP query may not call (functions that reach outside the exchange tables), and the empty
exchange database queries are parsed and bound against.

Shared by the static check at validate time (sqlglot) and the runner's check
before each query runs (DuckDB's own parser), so both refuse the same things.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

FORBIDDEN_FUNCTIONS = frozenset({
    "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "read_json", "read_json_auto",
    "read_json_objects", "read_ndjson", "read_ndjson_objects", "read_text", "read_blob", "glob",
    "sniff_csv", "query", "query_table", "getenv", "sqlite_scan", "postgres_scan", "mysql_scan",
    "iceberg_scan", "delta_scan", "read_xlsx", "st_read", "duckdb_secrets", "duckdb_settings", "current_setting",
})

TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
"""Table functions a query may call: they compute rows, they read nothing."""


def empty_exchange(*settings: str) -> duckdb.DuckDBPyConnection:
    """An in-memory database of the canonical tables, empty, that reaches nothing outside the process, for
    parsing and binding queries (the runner's check, validate's binder): one thread, since more would only
    contend with a validation's other worker processes. settings run first; then the configuration is locked."""
    import duckdb

    from compiler.resources import schema_text

    connection = duckdb.connect(":memory:", config={"enable_external_access": False, "threads": 1})
    connection.execute(schema_text("exchange.sql"))
    for setting in settings:
        connection.execute(setting)
    connection.execute("SET lock_configuration = true")
    return connection
