"""The runner's database edge: embedded DuckDB, read-only, parameters bound, limited in time and memory.

Every query passes `querycheck` before it is sent. The connection itself is
read-only and cannot reach files outside the data folder, so a query that
slipped past the check still could not write or read anything else. It
lives in a worker process (`worker`) that the runner can end from outside.

The same Database runs a run on Apache Spark instead (given `SparkOptions`):
the worker then holds Spark's driver (`spark`), each query is checked on
its canonical DuckDB text exactly as on DuckDB, and what runs is sopc's own
Spark translation of that text (`compiler.translate`), the one the skill
was built with: an edited skill cannot slip other SQL past the check.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import sys
import time
import types
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cache
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, ClassVar

import duckdb

from compiler.resources import schema_text
from compiler.runner.errors import QueryRefused, RunError, first_line
from compiler.runner.querycheck import canonical_tables, refuse_unsafe
from compiler.runner.sparkconf import SparkOptions, spark_data
from compiler.runner.worker import Limits, Opener, plain_rows, serve
from compiler.translate import to_spark

DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class QueryResult:
    """What one query returned: the rows kept (at most max_rows) and how many there were."""

    columns: tuple[tuple[str, str], ...]
    """(name, the engine's type) of each column."""
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
    """Read-only data for a run (a .duckdb file, a folder of Parquet/CSV files, or scenario rows).

    The connection lives in a worker process (`worker`), under the run's
    limits: this side checks each query, sends it, and waits at most its
    time limit plus a grace period before ending the worker from outside.
    A worker that was ended is started again for the next query.
    """

    GRACE_S: ClassVar[dict[str, float]] = {"duckdb": 1.0, "spark": 20.0}
    """How long a query may ignore its interrupt (DuckDB's, Spark's job-group cancellation) before its worker,
    and with it Spark's driver, is killed."""

    def __init__(self, opener: Opener, source: str, limits: Limits) -> None:
        self.source = source
        self.engine = "spark" if opener[0] == "spark" else "duckdb"
        """The query engine, as --engine names it."""
        self._opener = opener
        self._limits = limits
        self._process: BaseProcess | None = None
        self._pipe: Connection | None = None
        self._ready = False
        self._version = "" if self.engine == "spark" else str(duckdb.__version__)
        self._key = _idle_key(opener, limits)
        self._fit = _fit_key(opener, limits)
        self._start()

    @property
    def timeout_s(self) -> float:
        """Time limit of each query, in seconds."""
        return self._limits.timeout_s

    @property
    def max_rows(self) -> int:
        """Rows of each query kept in the record."""
        return self._limits.max_rows

    @classmethod
    def open(cls, source: Path, limits: Limits = DEFAULT_LIMITS, *, spark: SparkOptions | None = None) -> Database:
        """Open data for runs under these limits, on DuckDB or (spark given) on Apache Spark; a missing or
        unreadable source is a RunError with one line.

        The one way sopc opens data: `sopc run`, `sopc triage`, `sopc mcp` and a resume (with the limits
        and the engine its record names, `Limits.recorded`) all come through here.
        """
        if spark is not None:
            data = spark_data(str(source))
            return cls(_spark_opener(data, spark, limits), data[1] if data[0] == "folder" else str(source), limits)
        if source.is_dir():
            opener: Opener = ("folder", str(source.resolve()))
        elif source.is_file():
            opener = ("file", str(source))
        else:
            raise RunError(f"no such database file or folder: {source}")
        return cls(opener, str(source.resolve()), limits)

    @classmethod
    def from_rows(cls, tables: Mapping[str, Sequence[Mapping[str, Any]]], limits: Limits = DEFAULT_LIMITS, *,
                  spark: SparkOptions | None = None) -> Database:
        """An in-memory database of the canonical tables holding these rows (scenario data), on DuckDB or
        (spark given) on Apache Spark."""
        opener: Opener = ("rows", plain_rows(tables))
        database = cls(_spark_opener(opener, spark, limits) if spark is not None else opener, "inline rows", limits)
        database.ready()
        return database

    @property
    def record(self) -> dict[str, str]:
        """The engine and its version, as the record names them (Spark's once its session has started)."""
        if not self._version:
            self.ready()
        return {"name": self.engine, "version": self._version}

    @property
    def limits(self) -> dict[str, Any]:
        """The limits a run records, and a resume reopens the data with."""
        return asdict(self._limits)

    def close(self) -> None:
        """Keep the worker for the next run on the same file, or tell it to close the connection and end
        (on its own time, not the run's)."""
        process, pipe, ready, self._process, self._pipe, self._ready = \
            self._process, self._pipe, self._ready, None, None, False
        if ready and process is not None and pipe is not None and process.is_alive():
            _IDLE.append((self._key, self._fit, process, pipe))
            alike = [n for n, kept in enumerate(_IDLE) if kept[1][0] == self.engine]
            if len(alike) > _MAX_IDLE[self.engine]:
                _end(*_IDLE.pop(alike[0])[2:])  # the least recently used of this engine
            return
        if pipe is not None and process is not None:
            _end(process, pipe)

    def query(self, sql: str, parameters: Mapping[str, Any]) -> QueryResult:
        """Run one checked query (canonical DuckDB SQL) with bound parameters, under the time and memory limits."""
        used = refuse_unsafe(sql, list(parameters))
        return self._send(_spark_text(sql) if self.engine == "spark" else sql, {name: parameters[name] for name in used})

    def query_step(self, sql: Mapping[str, Any], parameters: Mapping[str, Any]) -> QueryResult:
        """Run a compiled query step (the `sql` object of skill.json) in this engine's SQL."""
        if self.engine != "spark":
            return self.query(sql["text"], parameters)
        spark = sql.get("spark")
        if not isinstance(spark, Mapping) or not isinstance(spark.get("text"), str):
            raise RunError("the skill holds no Spark SQL for this query; compile it again with: sopc build")
        used = refuse_unsafe(sql["text"], list(parameters))
        if _spark_text(sql["text"]) != spark["text"]:
            raise QueryRefused("query refused before it ran: its Spark SQL is not this sopc's translation of its "
                               "DuckDB SQL (the skill was edited, or built by another sopc: run sopc build)")
        return self._send(spark["text"], {name: parameters[name] for name in used})

    def _send(self, sql: str, bound: Mapping[str, Any]) -> QueryResult:
        """Have the worker run sql as it is, and wait for it at most its time limit and a grace period."""
        if self._pipe is None:
            self._start()
        self.ready()
        assert self._pipe is not None
        started = time.perf_counter()
        try:
            self._pipe.send(("query", sql, dict(bound), self.max_rows, self.timeout_s))
            if not self._pipe.poll(self.timeout_s + self.GRACE_S[self.engine]):
                self._kill()
                raise RunError(f"query ran longer than its limit of {self.timeout_s:g} s and did not stop; "
                               "it was ended")
            reply = self._pipe.recv()
        except KeyboardInterrupt:  # Ctrl-C while DuckDB works: the step restarts on --resume
            self._kill()
            raise
        except (EOFError, OSError) as err:
            code = self._kill()
            raise RunError(f"the query's worker process ended unexpectedly (exit status {code})") from err
        if reply[0] == "error":
            _, kind, message = reply
            if kind == "interrupted":
                raise RunError(f"query ran longer than its limit of {self.timeout_s:g} s and was stopped")
            if kind == "memory":
                raise RunError(f"query needed more memory than its limit of {self._limits.memory_mb} MB and was "
                               f"stopped ({message})")
            raise RunError(f"query failed: {message}")
        _, columns, rows, count, _ = reply
        elapsed = (time.perf_counter() - started) * 1000
        return QueryResult(columns, rows, count, sql_hash(sql), round(elapsed, 3))

    def ready(self) -> None:
        """Wait until the worker has opened the data; a RunError saying why it could not.

        The worker opens the data while the run prepares (inputs, run folder, record), so a run
        waits for it only as long as opening takes beyond that.
        """
        if self._ready:
            return
        if self._pipe is None:
            self._start()
        assert self._pipe is not None
        try:
            reply = self._pipe.recv()
        except (EOFError, OSError) as err:
            code = self._kill()
            raise RunError(f"cannot open {self.source}: the worker process ended (exit status {code})") from err
        except KeyboardInterrupt:
            self._kill()
            raise
        if reply[0] != "ready":
            self._kill()
            raise RunError(str(reply[1]))
        self._ready, self._version = True, str(reply[1])

    def _start(self) -> None:
        """Take a kept worker (one with this very file open, else one to open this data), or start one."""
        same = [n for n, kept in enumerate(_IDLE) if self._key is not None and kept[0] == self._key]
        similar = [n for n, kept in enumerate(_IDLE) if kept[1] == self._fit]
        for number in reversed(same or similar):
            key, _, process, pipe = _IDLE.pop(number)
            if not process.is_alive():
                pipe.close()
                continue
            self._process, self._pipe, self._ready = process, pipe, key == self._key and key is not None
            if not self._ready:
                try:
                    pipe.send(("open", self._opener))  # the worker opens this data instead; `ready` waits
                except OSError:
                    self._kill()
                    continue
            return
        context = _context()
        ours, theirs = context.Pipe()
        process = context.Process(target=serve, args=(theirs, self._opener, self._limits),
                                  name="sopc-query-worker", daemon=True)
        with _without_main():
            process.start()
        theirs.close()
        self._process, self._pipe, self._ready = process, ours, False

    def _kill(self) -> int | None:
        """End the worker now; the next query starts another."""
        process, pipe, self._process, self._pipe, self._ready = self._process, self._pipe, None, None, False
        if pipe is not None:
            pipe.close()
        if process is None:
            return None
        process.kill()
        process.join()
        return process.exitcode


_IDLE: list[tuple[tuple[Any, ...] | None, tuple[Any, ...], BaseProcess, Connection]] = []
"""Workers of closed databases, so that a process running many runs (sopc test, a server) forks few: a
worker is kept only after a clean close; it serves the next run on the same file (same device, inode,
size and modification time) and limits as it is, and a run on other data under the same limits after
opening that data instead of its own. Its connections are read-only with their settings locked.
A Spark worker is kept apart (one, so that DuckDB runs do not push it out): it serves a run under the
same Spark settings, keeping its session, which costs seconds to start."""
_MAX_IDLE = {"duckdb": 2, "spark": 1}


def _fit_key(opener: Opener, limits: Limits) -> tuple[Any, ...]:
    """What a kept worker must match to serve other data: DuckDB's limits, or Spark's master and settings."""
    if opener[0] == "spark":
        master, settings, _ = opener[1]
        return ("spark", master, settings)
    return ("duckdb", limits)


def _spark_opener(data: Opener, spark: SparkOptions, limits: Limits) -> Opener:
    """How a worker opens this data on Spark: the session's master and settings (from the limits), and the data."""
    master, settings = spark.session(limits.memory_mb, limits.threads)
    return ("spark", (master, settings, data))


def _spark_text(sql: str) -> str:
    """sopc's Spark SQL of a checked canonical query; QueryRefused when there is none."""
    translation = to_spark(sql)
    if translation.text is None:
        why = translation.problems[0].message if translation.problems else "it does not parse"
        raise QueryRefused(f"query refused before it ran: {why}")
    return translation.text


def _idle_key(opener: Opener, limits: Limits) -> tuple[Any, ...] | None:
    """What a kept worker must match to serve this data: a .duckdb file as it is now, and the limits."""
    kind, where = opener
    if kind != "file":
        return None  # a folder's files or scenario rows: opened afresh each time
    try:
        stat = Path(where).stat()
    except OSError:
        return None
    return (str(Path(where).resolve()), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, limits)


def forget_idle() -> None:
    """End the kept workers (the benchmark opens the data every run, as a new `sopc run` process does)."""
    while _IDLE:
        _end(*_IDLE.pop()[2:])


def _end(process: BaseProcess, pipe: Connection) -> None:
    """Tell a worker to close its connection and end (killed if it cannot be told)."""
    try:
        pipe.send(None)
    except OSError:
        process.kill()
    pipe.close()


@cache
def _context() -> ForkServerContext:
    """Workers fork from a fork server that has imported DuckDB and nothing else: no threads are copied."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["compiler.runner.database"])
    return context


@contextmanager
def _without_main() -> Iterator[None]:
    """Start processes without the main script: multiprocessing would run it again in the fork server and
    every worker (a cost, and a script read from stdin cannot be run again); the worker needs none of it."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def connect(opener: Opener, settings: Mapping[str, Any]) -> duckdb.DuckDBPyConnection:
    """The DuckDB connection a worker holds (called in the worker)."""
    kind, where = opener
    if kind == "file":
        return _file(Path(where), settings)
    if kind == "folder":
        return _folder(Path(where), settings)
    return _rows(where, settings)


def _rows(tables: Mapping[str, Sequence[Mapping[str, Any]]], settings: Mapping[str, Any]) -> duckdb.DuckDBPyConnection:
    from compiler.demo.rows import insert_rows

    connection = duckdb.connect(":memory:", config={**settings, "enable_external_access": False})
    connection.execute(schema_text("exchange.sql"))
    for table, rows in tables.items():
        try:
            insert_rows(connection, table, rows)
        except (ValueError, duckdb.Error) as err:
            raise RunError(f"cannot load test rows into {table}: {first_line(err)}") from err
    connection.execute("SET lock_configuration = true")
    return connection


def _file(path: Path, settings: Mapping[str, Any]) -> duckdb.DuckDBPyConnection:
    """A .duckdb file, read-only, with no way to reach other files and settings locked from the start."""
    try:
        return duckdb.connect(str(path), read_only=True,
                              config={**settings, "enable_external_access": False, "lock_configuration": True})
    except duckdb.Error as err:
        raise RunError(f"cannot open {path} as a DuckDB database: {first_line(err)}") from err


def _folder(folder: Path, settings: Mapping[str, Any]) -> duckdb.DuckDBPyConnection:
    """Canonical tables over <table>.parquet or <table>.csv files; tables without a file are empty."""
    connection = duckdb.connect(":memory:", config=dict(settings))
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
