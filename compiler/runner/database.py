"""The runner's database edge: embedded DuckDB, read-only, parameters bound, time-limited.

Every query passes `querycheck` before it is sent. The connection itself is
read-only and cannot reach files outside the data folder, so a query that
slipped past the check still could not write or read anything else.
"""

from __future__ import annotations

import atexit
import hashlib
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from compiler.resources import schema_text
from compiler.runner.errors import RunError, first_line
from compiler.runner.querycheck import canonical_tables, refuse_unsafe
from compiler.runner.values import to_json

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


class Database:
    """A read-only DuckDB connection over a .duckdb file or a folder of Parquet/CSV files."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, source: str, *, timeout_s: float = DEFAULT_TIMEOUT_S,
                 max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self._con = connection
        self.source = source
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self._watchdog = _Watchdog()

    @classmethod
    def open(cls, source: Path, *, timeout_s: float = DEFAULT_TIMEOUT_S,
             max_rows: int = DEFAULT_MAX_ROWS) -> Database:
        """Open data for a run; a missing or unreadable source is a RunError with one line."""
        if source.is_dir():
            connection = _folder(source)
        elif source.is_file():
            connection = _file(source)
        else:
            raise RunError(f"no such database file or folder: {source}")
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
                raise RunError(f"cannot load test rows into {table}: {first_line(err)}") from err
        connection.execute("SET lock_configuration = true")
        return cls(connection, "inline rows", **limits)

    @property
    def limits(self) -> dict[str, Any]:
        """The limits a run records, and a resume reopens the data with."""
        return {"timeout_s": self.timeout_s, "max_rows": self.max_rows}

    def close(self) -> None:
        """Close the connection."""
        self._watchdog.stop()
        self._con.close()

    def query(self, sql: str, parameters: Mapping[str, Any]) -> QueryResult:
        """Run one checked query with bound parameters, under the time limit."""
        used = refuse_unsafe(sql, list(parameters))
        started = time.perf_counter()
        self._watchdog.arm(self._con, self.timeout_s)
        try:
            result = self._con.execute(sql, {name: parameters[name] for name in used})
            columns = tuple((str(d[0]), str(d[1])) for d in result.description or ())
            names = [name for name, _ in columns]
            kept: list[dict[str, Any]] = []
            count = 0
            while batch := result.fetchmany(_FETCH):
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
            raise RunError(f"query failed: {first_line(err)}") from err
        finally:
            self._watchdog.disarm()
        elapsed = (time.perf_counter() - started) * 1000
        return QueryResult(columns, tuple(kept), count, sql_hash(sql), round(elapsed, 3))


class _Watchdog:
    """Interrupts a query that runs past its time limit.

    One thread serves a database's queries one after another (a thread per
    query costs more than a short query); it holds the connection only while
    a query runs, and ends after a second with nothing to watch.
    """

    IDLE_S = 1.0

    def __init__(self) -> None:
        _WATCHDOGS.add(self)
        self._changed = threading.Condition()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._deadline = 0.0
        self._thread: threading.Thread | None = None
        self._stopped = False

    def arm(self, connection: duckdb.DuckDBPyConnection, seconds: float) -> None:
        """Interrupt this connection's query after so many seconds, unless disarmed first."""
        with self._changed:
            self._connection, self._deadline = connection, time.monotonic() + seconds
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sopc-query-limit", daemon=True)
                self._thread.start()
            self._changed.notify()

    def disarm(self) -> None:
        """The query ended in time."""
        with self._changed:
            self._connection = None

    def stop(self) -> None:
        """End the thread, if there is one."""
        with self._changed:
            self._stopped, self._connection = True, None
            self._changed.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self) -> None:
        with self._changed:
            while not self._stopped:
                if self._connection is None:
                    if not self._changed.wait(self.IDLE_S) and self._connection is None:
                        break
                    continue
                remaining = self._deadline - time.monotonic()
                if remaining > 0:
                    self._changed.wait(remaining)
                    continue
                self._connection.interrupt()
                self._connection = None
            self._thread = None


_WATCHDOGS: weakref.WeakSet[_Watchdog] = weakref.WeakSet()


@atexit.register
def _stop_watchdogs() -> None:
    """A database left open at exit: end its watchdog before DuckDB's bindings are torn down."""
    for watchdog in list(_WATCHDOGS):
        watchdog.stop()


def _file(path: Path) -> duckdb.DuckDBPyConnection:
    """A .duckdb file, read-only, with no way to reach other files and settings locked from the start."""
    try:
        return duckdb.connect(str(path), read_only=True,
                              config={"enable_external_access": False, "lock_configuration": True})
    except duckdb.Error as err:
        raise RunError(f"cannot open {path} as a DuckDB database: {first_line(err)}") from err


def _folder(folder: Path) -> duckdb.DuckDBPyConnection:
    """Canonical tables over <table>.parquet or <table>.csv files; tables without a file are empty."""
    connection = duckdb.connect(":memory:")
    root = str(folder.resolve())
    connection.execute("SET allowed_directories = $dirs", {"dirs": [root + "/"]})
    connection.execute("SET enable_external_access = false")
    connection.execute(schema_text("exchange.sql"))
    for table in sorted(canonical_tables()):
        parquet, csv = folder / f"{table}.parquet", folder / f"{table}.csv"
        try:
            if parquet.is_file():
                connection.execute(f'DROP TABLE "{table}"')
                connection.execute(f"CREATE VIEW \"{table}\" AS SELECT * FROM read_parquet('{_quoted(parquet)}')")
            elif csv.is_file():
                connection.execute(f"INSERT INTO \"{table}\" BY NAME SELECT * FROM "
                                   f"read_csv('{_quoted(csv)}', header = true, all_varchar = true)")
        except duckdb.Error as err:
            raise RunError(f"cannot read {table} from {folder}: {first_line(err)}") from err
    connection.execute("SET lock_configuration = true")
    return connection


def _quoted(path: Path) -> str:
    return str(path.resolve()).replace("'", "''")
