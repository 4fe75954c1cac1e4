"""The Spark side of a query worker: the worker's one SparkSession, the canonical tables as views, a query run.

Runs only in a query worker (`worker`), never in the runner's process: the
worker starts Spark's driver JVM as its child, so ending the worker (a query
that ignores its cancellation, Ctrl-C) ends the JVM too (pyspark's gateway
exits when its stdin, a pipe from the worker, closes). Starting Spark costs
seconds, so a kept worker keeps its session and, for the next run on other
data, only points the views at that data.

Data: a folder of `<table>.parquet` files (a file or a folder of part files
each), `catalog:<database>` (the tables of that database in the session's
catalog: a Hive metastore, or Unity/Glue on a cluster), or a scenario's rows,
typed by DuckDB's canonical tables exactly as the DuckDB engine loads them.
A canonical table without data is an empty view with the canonical columns.

A query runs in a job group of its own; at its time limit the group is
cancelled (tasks interrupted). A query whose tasks do not stop is ended from
outside with the worker, as a DuckDB query that ignores its interrupt is.
"""

from __future__ import annotations

import datetime
import itertools
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.runner.errors import RunError, first_line
from compiler.runner.querycheck import canonical_tables
from compiler.runner.values import to_json
from compiler.sqlcheck import catalog

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

_session: SparkSession | None = None


def open_spark(where: tuple[str, tuple[tuple[str, str], ...], tuple[str, Any]]) -> SparkData:
    """The worker's session (started on first use) with the canonical tables as views of this data."""
    master, settings, data = where
    spark = _start(master, settings)
    kind, what = data
    typed = _typed_rows(what) if kind == "rows" else {}
    try:
        for table in sorted(canonical_tables()):
            _show(spark, table, kind, what, typed.get(table))
    except RunError:
        raise
    except Exception as err:  # pyspark's AnalysisException and py4j errors alike
        raise RunError(f"cannot read the data on Spark: {_message(err)}") from err
    return SparkData(spark)


def _start(master: str, settings: tuple[tuple[str, str], ...]) -> SparkSession:
    global _session
    if _session is not None:
        return _session
    try:
        from pyspark.sql import SparkSession
    except ImportError as err:
        raise RunError("the spark engine needs pyspark: pip install 'sopc[spark]'") from err
    # pyspark hands TIMESTAMP values over as local wall time: the worker's local time is UTC.
    os.environ["TZ"] = "UTC"
    time.tzset()
    builder = SparkSession.builder.master(master).appName("sopc")
    for key, value in settings:
        builder = builder.config(key, value)
    # Spark's JVM and pyspark's loggers write to this worker's stderr: banners, warnings, and a JVM stack for
    # every failed query. sopc reports a failure in one line, so their output goes to a file while Spark
    # starts (its last line tells why it did not) and nowhere after.
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            _session = builder.getOrCreate()
        except Exception as err:  # pyspark raises its own errors when Java or the master is missing
            log.seek(0)
            said = [line.strip() for line in log.read().decode(errors="replace").splitlines() if line.strip()]
            raise RunError(f"Spark did not start on {master}: {first_line(err)}"
                           + (f" ({said[-1][:300]})" if said else "")
                           + " (Spark needs Java 17: apt-get install openjdk-17-jre-headless)") from err
        finally:
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 2)
            os.close(quiet)
    _session.sparkContext.setLogLevel("OFF")
    return _session


_showing: dict[str, tuple[Any, ...]] = {}
"""What each canonical table's view shows now: a Parquet file as it was, or no rows. Scenarios one after
another mostly leave a table as the one before did (empty, or the same demo file), and such a view is kept
as it is, frame and all: a scenario pays only for the tables whose data differs."""
_frames: dict[tuple[Any, ...], DataFrame] = {}


def _show(spark: SparkSession, table: str, kind: str, what: Any, rows: list[tuple[Any, ...]] | None) -> None:
    """Point one canonical table's view at this data's table."""
    key: tuple[Any, ...] = ("empty",)
    make: Callable[[], DataFrame] = lambda: spark.createDataFrame([], schema=_struct(table))  # noqa: E731
    if kind == "folder":
        path = Path(what) / f"{table}.parquet"
        if not path.exists() and path.with_suffix(".csv").is_file():
            raise RunError(f"{path.with_suffix('.csv')}: the spark engine reads Parquet; convert it "
                           f"(DuckDB: COPY (FROM '{table}.csv') TO '{table}.parquet')")
        if path.exists():
            stat = path.stat()
            key, make = ("parquet", str(path), stat.st_mtime_ns, stat.st_size), lambda: spark.read.parquet(str(path))
    elif kind == "catalog":
        qualified = f"{what}.{table}"
        if spark.catalog.tableExists(qualified):
            key, make = ("catalog", qualified, next(_fresh)), lambda: spark.table(qualified)
    elif rows:
        key, make = ("rows", next(_fresh)), lambda: spark.createDataFrame(rows, schema=_struct(table))
    if _showing.get(table) == key:
        return
    _showing.pop(table, None)  # a failure below leaves the view unknown, never wrongly known
    frame = _frames.get((table, *key)) or make()
    if key[0] in ("empty", "parquet"):
        _frames[(table, *key)] = frame
    frame.createOrReplaceTempView(table)
    _showing[table] = key


_fresh = itertools.count()
"""Catalog tables and scenario rows are shown afresh every time."""


def _typed_rows(tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, list[tuple[Any, ...]]]:
    """Scenario rows as DuckDB types them in the canonical tables (the same values the DuckDB engine holds)."""
    from compiler.runner.database import connect

    connection = connect(("rows", tables), {"threads": 1})
    try:
        return {table: connection.execute(f'SELECT * FROM "{table}"').fetchall() for table in tables}
    finally:
        connection.close()


class SparkData:
    """The canonical tables as views of the worker's session; answers queries as the worker's pipe expects."""

    def __init__(self, spark: SparkSession) -> None:
        self._spark = spark

    @property
    def version(self) -> str:
        """Spark's version, for the record."""
        return str(self._spark.version)

    def close(self) -> None:
        """Nothing to let go of: the next data replaces the views it differs in, and the session stays."""

    def answer(self, sql: str, parameters: Mapping[str, Any], max_rows: int, timeout_s: float) -> tuple[Any, ...]:
        """Run Spark SQL with bound parameters; its job group is cancelled from the time limit on."""
        context = self._spark.sparkContext
        group = f"sopc-{uuid.uuid4().hex}"
        expired, ended = threading.Event(), threading.Event()

        def cancel() -> None:
            expired.set()
            # Again until the query returns: at its limit it may still be planning, and start its jobs after.
            while True:
                context.cancelJobGroup(group)
                if ended.wait(0.5):
                    return

        timer = threading.Timer(timeout_s, cancel)
        timer.daemon = True
        started = time.perf_counter()
        context.setJobGroup(group, "sopc query", interruptOnCancel=True)
        timer.start()
        try:
            frame = self._spark.sql(sql, args={k: _bound(v) for k, v in parameters.items()})
            columns = tuple((f.name, f.dataType.simpleString().upper()) for f in frame.schema.fields)
            names = [name for name, _ in columns]
            # collect(), not toLocalIterator(): a cancelled job leaves the iterator's reader waiting for ever.
            # The worker holds the whole result while it is counted; results of SOP queries are small.
            rows = frame.collect()
            kept = [{name: to_json(value) for name, value in zip(names, row, strict=True)} for row in rows[:max_rows]]
        except Exception as err:  # pyspark's AnalysisException, its py4j errors and SparkException alike
            if expired.is_set():
                return ("error", "interrupted", "")
            if "OutOfMemoryError" in str(err):
                return ("error", "memory", _message(err))
            return ("error", "failed", f"on Spark: {_message(err)}")
        finally:
            ended.set()
            timer.cancel()
            context.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]
        return ("ok", columns, tuple(kept), len(rows), round((time.perf_counter() - started) * 1000, 3))


def _bound(value: Any) -> Any:
    """A parameter as Spark binds it: a naive datetime (UTC, as the runner makes them) made aware."""
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    if isinstance(value, list | tuple):
        return [_bound(v) for v in value]
    return value


def _message(err: Exception) -> str:
    """The first line of a Spark error, without the JVM stack that follows it."""
    text = getattr(err, "getMessage", None)
    message = text() if callable(text) else str(err)
    return first_line(Exception(str(message).strip() or type(err).__name__))


def _spark_type(duckdb_type: str) -> str:
    """A canonical column type in Spark DDL (DuckDB TIMESTAMP holds UTC wall time: TIMESTAMP_NTZ)."""
    from sqlglot import exp

    kind = exp.DataType.build(duckdb_type, dialect="duckdb")
    return "TIMESTAMP_NTZ" if kind.is_type(exp.DataType.Type.TIMESTAMP) else kind.sql(dialect="spark")


@cache
def _struct(table: str) -> StructType:
    """A canonical table's columns as a Spark schema (parsed once: parsing DDL is a trip to the JVM)."""
    from pyspark.sql.types import StructType, _parse_datatype_string

    ddl = ", ".join(f"`{name}` {_spark_type(kind)}" for name, kind in catalog()[table].items())
    parsed = _parse_datatype_string(ddl)
    assert isinstance(parsed, StructType)
    return parsed


