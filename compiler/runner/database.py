"""The runner's database edge: embedded DuckDB, read-only, parameters bound, time-limited.

Every query is checked again before it runs, by DuckDB's own parser (one
read-only SELECT or WITH over the canonical tables, no file-reading or table
functions): the skill file is data and may have been edited since it was
compiled, and checking with the parser that will run the query leaves no
room for the two to disagree. The connection itself is
read-only and cannot reach files outside the data folder, so a query that
slipped past the check still could not write or read anything else.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import duckdb

from compiler.resources import schema_text
from compiler.runner.errors import QueryRefused, RunError
from compiler.runner.values import to_json
from compiler.sqlcheck import FORBIDDEN_FUNCTIONS, catalog

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_ROWS = 1000
_FETCH = 2048


@dataclass(frozen=True, slots=True)
class QueryResult:
    """What one query returned: the rows kept (at most max_rows) and how many there were."""

    columns: tuple[tuple[str, str], ...]
    """(name, DuckDB type) of each column."""
    rows: tuple[dict[str, Any], ...]
    """The first max_rows rows as JSON values."""
    row_count: int
    """All rows the query returned, kept or not."""
    sql_sha256: str
    elapsed_ms: float

    @property
    def truncated(self) -> bool:
        """Whether rows were left out of the record."""
        return self.row_count > len(self.rows)


def sql_hash(sql: str) -> str:
    """sha256 of the query text as run: names the exact query in the audit trail."""
    return "sha256:" + hashlib.sha256(sql.encode("utf-8")).hexdigest()


TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
"""Table functions a query may call: they compute rows, they read nothing."""


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    """A connection with no data, used only to parse: DuckDB's own parser decides, so what is checked is what runs."""
    connection = duckdb.connect(":memory:", config={"enable_external_access": False})
    connection.execute("SET lock_configuration = true")
    return connection


def _parse_tree(text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The serialised syntax tree and every object in it (collected by the C decoder as it builds them)."""
    nodes: list[dict[str, Any]] = []

    def keep(node: dict[str, Any]) -> dict[str, Any]:
        nodes.append(node)
        return node

    return json.loads(text, object_hook=keep), nodes


@lru_cache(maxsize=256)
def _safety(sql: str) -> tuple[str | None, frozenset[str]]:
    """Why a query may not run (None if it may), and the named parameters it uses. Cached by text."""
    try:
        statements = _parser().extract_statements(sql)
    except duckdb.Error as err:
        return f"it does not parse: {_first_line(err)}", frozenset()
    if len(statements) != 1:
        return f"expected one statement, found {len(statements)}", frozenset()
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        return f"{statement.type.name} is not a read-only SELECT query", frozenset()
    row = _parser().execute("SELECT json_serialize_sql($sql)", {"sql": sql}).fetchone()
    tree, nodes = _parse_tree(row[0]) if row else ({"error": True}, [])
    if tree.get("error"):
        return f"it does not parse: {tree.get('error_message', 'unknown error')}", frozenset()
    ctes = {str(entry["key"]).lower() for node in nodes for entry in node.get("cte_map", {}).get("map", [])}
    tables = catalog()
    for node in nodes:
        if node.get("type") == "BASE_TABLE":
            name = str(node.get("table_name", "")).lower()
            if node.get("schema_name") or node.get("catalog_name") or (name not in tables and name not in ctes):
                written = ".".join(str(node[k]) for k in ("catalog_name", "schema_name", "table_name") if node.get(k))
                return f"{written!r} is not a canonical exchange table", frozenset()
        elif node.get("type") == "TABLE_FUNCTION":
            name = str(node.get("function", {}).get("function_name", "")).lower()
            if name not in TABLE_FUNCTIONS:
                return f"table function {name}() reads outside the exchange tables", frozenset()
        elif node.get("class") == "FUNCTION" and str(node.get("function_name", "")).lower() in FORBIDDEN_FUNCTIONS:
            return f"function {node['function_name']}() reads outside the exchange tables", frozenset()
    return None, frozenset(statement.named_parameters)


def refuse_unsafe(sql: str, parameters: Sequence[str]) -> tuple[str, ...]:
    """The parameters sql uses; QueryRefused unless it is one read-only SELECT over canonical tables using only these."""
    problem, used = _safety(sql)
    unknown = sorted(used - set(parameters))
    if problem is None and unknown:
        problem = f"${unknown[0]} is not one of the step's parameters"
    if problem is not None:
        raise QueryRefused(f"query refused before it ran: {problem}")
    return tuple(sorted(used))


class Database:
    """A read-only DuckDB connection over a .duckdb file or a folder of Parquet/CSV files."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, source: str, *, timeout_s: float = DEFAULT_TIMEOUT_S,
                 max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self._con = connection
        self.source = source
        self.timeout_s = timeout_s
        self.max_rows = max_rows

    @classmethod
    def open(cls, source: Path, *, timeout_s: float = DEFAULT_TIMEOUT_S,
             max_rows: int = DEFAULT_MAX_ROWS) -> Database:
        """Open data for a run; a missing or unreadable source is a RunError with one line."""
        if source.is_dir():
            connection = _folder(source)
        elif source.is_file():
            try:
                connection = duckdb.connect(str(source), read_only=True,
                                            config={"enable_external_access": False})
            except duckdb.Error as err:
                raise RunError(f"cannot open {source} as a DuckDB database: {_first_line(err)}") from err
        else:
            raise RunError(f"no such database file or folder: {source}")
        connection.execute("SET lock_configuration = true")
        return cls(connection, str(source.resolve()), timeout_s=timeout_s, max_rows=max_rows)

    @classmethod
    def from_rows(cls, tables: Mapping[str, Sequence[Mapping[str, Any]]], **limits: Any) -> Database:
        """An in-memory database of the canonical tables holding these rows (scenario data)."""
        from compiler.demo.rows import insert_rows

        connection = duckdb.connect(":memory:", config={"enable_external_access": False})
        connection.execute(schema_text("exchange.sql"))
        for table, rows in tables.items():
            try:
                insert_rows(connection, table, rows)
            except (ValueError, duckdb.Error) as err:
                raise RunError(f"cannot load test rows into {table}: {_first_line(err)}") from err
        connection.execute("SET lock_configuration = true")
        return cls(connection, "inline rows", **limits)

    @property
    def limits(self) -> dict[str, Any]:
        """The limits a run records, and a resume reopens the data with."""
        return {"timeout_s": self.timeout_s, "max_rows": self.max_rows}

    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    def query(self, sql: str, parameters: Mapping[str, Any]) -> QueryResult:
        """Run one checked query with bound parameters, under the time limit."""
        used = refuse_unsafe(sql, list(parameters))
        cursor = self._con.cursor()
        timer = threading.Timer(self.timeout_s, cursor.interrupt)
        started = time.perf_counter()
        timer.start()
        try:
            cursor.execute(sql, {name: parameters[name] for name in used})
            columns = tuple((str(d[0]), str(d[1])) for d in cursor.description or ())
            names = [name for name, _ in columns]
            kept: list[dict[str, Any]] = []
            count = 0
            while batch := cursor.fetchmany(_FETCH):
                for row in batch[: max(0, self.max_rows - len(kept))]:
                    kept.append({name: to_json(value) for name, value in zip(names, row, strict=True)})
                count += len(batch)
        except duckdb.InterruptException as err:
            raise RunError(f"query ran longer than its limit of {self.timeout_s:g} s and was stopped") from err
        except RuntimeError as err:  # Ctrl-C while DuckDB works: the step restarts on --resume
            if "interrupt" in str(err).lower():
                raise KeyboardInterrupt from err
            raise
        except duckdb.Error as err:
            raise RunError(f"query failed: {_first_line(err)}") from err
        finally:
            timer.cancel()
            cursor.close()
        elapsed = (time.perf_counter() - started) * 1000
        return QueryResult(columns, tuple(kept), count, sql_hash(sql), round(elapsed, 3))


def _first_line(err: BaseException) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def _folder(folder: Path) -> duckdb.DuckDBPyConnection:
    """Canonical tables over <table>.parquet or <table>.csv files; tables without a file are empty."""
    connection = duckdb.connect(":memory:")
    root = str(folder.resolve())
    connection.execute("SET allowed_directories = $dirs", {"dirs": [root + "/"]})
    connection.execute("SET enable_external_access = false")
    connection.execute(schema_text("exchange.sql"))
    for table in catalog():
        parquet, csv = folder / f"{table}.parquet", folder / f"{table}.csv"
        try:
            if parquet.is_file():
                connection.execute(f'DROP TABLE "{table}"')
                connection.execute(f"CREATE VIEW \"{table}\" AS SELECT * FROM read_parquet('{_quoted(parquet)}')")
            elif csv.is_file():
                connection.execute(f"INSERT INTO \"{table}\" BY NAME SELECT * FROM "
                                   f"read_csv('{_quoted(csv)}', header = true, all_varchar = true)")
        except duckdb.Error as err:
            raise RunError(f"cannot read {table} from {folder}: {_first_line(err)}") from err
    return connection


def _quoted(path: Path) -> str:
    return str(path.resolve()).replace("'", "''")
