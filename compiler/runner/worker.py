"""The query worker: a child process that holds a run's DuckDB connection, so a query can be ended from outside.

DuckDB looks for an interrupt only between chunks of work, and its
memory_limit covers only its buffer manager: one expression such as
`list_sum(range(400000000))` or `repeat('x', 2000000000)` computes, and
allocates, to its end. So no query runs in the runner's own process. Each
Database has a worker, forked from a clean fork server (no DuckDB threads
are copied), whose data segment is capped (RLIMIT_DATA: an allocation past
the budget fails inside DuckDB as an out-of-memory error) and whose queries
are interrupted at their deadline by a timer; a query that ignores the
interrupt is killed by the runner a grace period later.

The same worker holds Apache Spark's driver instead (`spark`) for a run with
`--engine spark`: the opener ("spark", ...) names the session and the data.

Messages on the pipe (pickled tuples):
  worker -> runner, at each opening: ("ready", engine version) | ("error", message), and then it ends
  runner -> worker:        ("query", sql, parameters, max_rows, timeout_s) | ("open", opener) | None (close)
  worker -> runner:        ("ok", columns, rows, row_count, elapsed_ms) | ("error", kind, message)
                           kind: "interrupted", "memory" or "failed"
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

import duckdb

from compiler.lifetime import die_with_parent
from compiler.runner.errors import RunError, first_line
from compiler.runner.values import to_json

if TYPE_CHECKING:
    from compiler.runner.spark import SparkData

_FETCH = 2048
HEADROOM_MB = 384
"""Data segment the worker may use beyond DuckDB's memory_limit: the interpreter, libraries, fetched rows."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one run may spend; recorded in run_started, and a resume reopens the data with them."""

    timeout_s: float = 60.0
    """Wall time of each query; past it the query is interrupted, and killed a grace period later."""
    max_rows: int = 1000
    """Rows of each query kept in the record (the count is always exact)."""
    memory_mb: int = 1024
    """DuckDB's memory_limit; the worker's data segment is capped at this plus HEADROOM_MB."""
    threads: int = 2
    """DuckDB's threads."""
    temp_mb: int = 1024
    """DuckDB's max_temp_directory_size: what a query may spill to disk."""

    @classmethod
    def recorded(cls, given: Mapping[str, Any]) -> Limits:
        """The limits a record names (run_started, run_resumed); unknown names are a RunError."""
        unknown = sorted(set(given) - set(cls.__dataclass_fields__))
        if unknown:
            raise RunError(f"unknown limits: {', '.join(unknown)}")
        return cls(**given)

    def settings(self) -> dict[str, Any]:
        """DuckDB configuration for a connection under these limits."""
        return {"memory_limit": f"{self.memory_mb}MB", "threads": self.threads,
                "max_temp_directory_size": f"{self.temp_mb}MB"}


Opener = tuple[str, Any]
"""How the worker opens the data: ("file", path), ("folder", path) or ("rows", {table: rows}) on DuckDB;
("spark", (master, settings, ("folder", path) | ("catalog", database) | ("rows", {table: rows}))) on Spark."""


def serve(pipe: Connection, opener: Opener, limits: Limits) -> None:
    """The worker's life: cap memory, open the data, answer queries until told to close or the runner is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle: it ends this process
    die_with_parent()
    # DuckDB prints a progress bar on stdout during a long query: stdout is the runner's (the JSON of
    # `sopc run --format json`, the protocol of `sopc mcp` over stdio), never the worker's.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    if opener[0] != "spark":  # Spark's JVM, a child of this worker, is capped by its heap (--memory) instead
        cap = (limits.memory_mb + HEADROOM_MB) << 20
        resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
    with contextlib.suppress(EOFError, OSError):  # the runner is gone, or closed the data before it was ready
        _serve(pipe, opener, limits)


def _serve(pipe: Connection, opener: Opener, limits: Limits) -> None:
    connection = _open(pipe, opener, limits)
    try:
        while connection is not None and (message := pipe.recv()) is not None:
            if message[0] == "open":  # a kept worker, given other data for the next run
                connection.close()
                connection = _open(pipe, message[1], limits)
                continue
            _, sql, parameters, max_rows, timeout_s = message
            if isinstance(connection, duckdb.DuckDBPyConnection):
                pipe.send(_query(connection, sql, parameters, max_rows, timeout_s))
            else:
                pipe.send(connection.answer(sql, parameters, max_rows, timeout_s))
    finally:
        if connection is not None:
            connection.close()


def _open(pipe: Connection, opener: Opener, limits: Limits) -> duckdb.DuckDBPyConnection | SparkData | None:
    """The connection to this data, after saying "ready"; None after saying why not (the worker then ends)."""
    try:
        connection: duckdb.DuckDBPyConnection | SparkData
        if opener[0] == "spark":
            from compiler.runner.spark import open_spark

            connection = open_spark(opener[1])
        else:
            from compiler.runner.database import connect

            connection = connect(opener, limits.settings())
    except RunError as err:
        pipe.send(("error", str(err)))
        return None
    except (duckdb.Error, MemoryError) as err:
        pipe.send(("error", f"cannot open the data: {first_line(err)}"))
        return None
    pipe.send(("ready", duckdb.__version__ if isinstance(connection, duckdb.DuckDBPyConnection) else connection.version))
    return connection


def _query(connection: duckdb.DuckDBPyConnection, sql: str, parameters: Mapping[str, Any], max_rows: int,
           timeout_s: float) -> tuple[Any, ...]:
    started = time.perf_counter()
    timer = threading.Timer(timeout_s, connection.interrupt)
    timer.start()
    try:
        result = connection.execute(sql, dict(parameters))
        columns = tuple((str(d[0]), str(d[1])) for d in result.description or ())
        names = [name for name, _ in columns]
        kept: list[dict[str, Any]] = []
        count = 0
        while batch := result.fetchmany(_FETCH):
            for row in batch[: max(0, max_rows - len(kept))]:
                kept.append({name: to_json(value) for name, value in zip(names, row, strict=True)})
            count += len(batch)
    except duckdb.InterruptException:
        return ("error", "interrupted", "")
    except (duckdb.OutOfMemoryException, MemoryError) as err:
        return ("error", "memory", first_line(err))
    except Exception as err:  # duckdb.Error, or a value the record cannot hold: the query failed, in one line
        return ("error", "failed", first_line(err))
    finally:
        timer.cancel()
    return ("ok", columns, tuple(kept), count, round((time.perf_counter() - started) * 1000, 3))


def plain_rows(tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Scenario rows as plain picklable data, to hand to the worker."""
    return {table: [dict(row) for row in rows] for table, rows in tables.items()}
