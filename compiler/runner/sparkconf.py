"""How the Spark engine is configured: `--spark-master`, `--spark-conf k=v` and the run's limits (pure).

The settings that decide what a query means are sopc's, not the caller's:
UTC session time (timestamps are UTC throughout the exchange model), ANSI
SQL on, and no queries over files named in SQL text. The run's limits
become Spark's: `--memory` is the driver's heap (in local mode the driver
runs every task) and `--threads` the cores of `local[N]` and the shuffle
partitions, unless `--spark-master` and `--spark-conf` say otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from compiler.runner.errors import RunError

FIXED_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.runSQLOnFiles": "false",
}
"""Settings a query's meaning depends on: sopc sets them and refuses to have them changed."""
DEFAULT_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}
"""Settings a caller may change with --spark-conf."""
_LOCAL = re.compile(r"local(?:\[(\d+|\*)(?:,\d+)?\])?")
CATALOG = "catalog:"
"""`--db catalog:<database>`: the canonical tables are the tables of that database in Spark's catalog."""


@dataclass(frozen=True, slots=True)
class SparkOptions:
    """Where Spark runs and how it is tuned; master None: local[threads] on this machine."""

    master: str | None = None
    conf: tuple[tuple[str, str], ...] = field(default=())

    def session(self, memory_mb: int, threads: int) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The master URL and every setting the session starts with: sopc's defaults and the run's limits,
        then the caller's, then sopc's fixed ones (a RunError if the caller sets one of those)."""
        given = dict(self.conf)
        fixed = sorted(set(given) & set(FIXED_CONF))
        if fixed:
            raise RunError(f"--spark-conf {fixed[0]} is set by sopc ({FIXED_CONF[fixed[0]]}): "
                           "a query's results depend on it")
        master = self.master or f"local[{threads}]"
        limited = {"spark.driver.memory": f"{memory_mb}m"}
        local = _LOCAL.fullmatch(master)
        if local is not None:
            # Spark's 200 shuffle partitions suit a cluster; on one machine they are 200 tiny tasks per shuffle.
            cores = local.group(1)
            limited["spark.sql.shuffle.partitions"] = str(threads) if cores in (None, "*") else cores
        return master, tuple(sorted({**DEFAULT_CONF, **limited, **given, **FIXED_CONF}.items()))


def parse_conf(pairs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """k=v pairs from the command line; a pair without '=' or a key outside spark.* is a RunError."""
    found: list[tuple[str, str]] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip().startswith("spark.") or not value.strip():
            raise RunError(f"--spark-conf {pair!r}: write spark.<setting>=<value>")
        found.append((key.strip(), value.strip()))
    return tuple(found)


def spark_data(source: str) -> tuple[str, Any]:
    """What a Spark worker opens for `--db`: ("folder", path) or ("catalog", database); a RunError otherwise."""
    from pathlib import Path

    if source.startswith(CATALOG):
        database = source.removeprefix(CATALOG)
        if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)?", database):
            raise RunError(f"{source}: name a catalog database, as catalog:risk or catalog:main.risk")
        return ("catalog", database)
    folder = Path(source)
    if not folder.is_dir():
        what = "a file" if folder.exists() else "missing"
        raise RunError(f"the spark engine reads a folder of <table>.parquet files or catalog:<database>; "
                       f"{source} is {what} (export a .duckdb file with COPY ... TO '<table>.parquet')")
    return ("folder", str(folder.resolve()))
