"""What a read-only SOP query may not call: functions that reach outside the exchange tables.

Shared by the static check at validate time (sqlglot) and the runner's check
before each query runs (DuckDB's own parser), so both refuse the same things.
"""

from __future__ import annotations

FORBIDDEN_FUNCTIONS = frozenset({
    "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "read_json", "read_json_auto",
    "read_json_objects", "read_ndjson", "read_ndjson_objects", "read_text", "read_blob", "glob",
    "sniff_csv", "query", "query_table", "getenv", "sqlite_scan", "postgres_scan", "mysql_scan",
    "iceberg_scan", "delta_scan", "read_xlsx", "st_read", "duckdb_secrets", "duckdb_settings", "current_setting",
})

TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
"""Table functions a query may call: they compute rows, they read nothing."""
