"""`sopc demo-data`: write the synthetic exchange to a DuckDB file or a folder of Parquet files."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from compiler.demo.background import create_background
from compiler.demo.catalog import cases
from compiler.demo.rows import insert_rows
from compiler.files import UsageError
from compiler.resources import schema_text
from compiler.sqlcheck import catalog

MANIFEST = "demo_cases"
"""Table (or Parquet file) listing the injected cases; not a canonical table, so SOPs cannot query it."""


@dataclass(frozen=True, slots=True)
class Summary:
    """What a generation wrote: rows per table."""

    path: Path
    rows: dict[str, int]


def populate(con: duckdb.DuckDBPyConnection, scale: int, seed: int) -> dict[str, int]:
    """Create the canonical tables in con and fill them: background, then every case."""
    con.execute(schema_text("exchange.sql"))
    create_background(con, scale, seed)
    for case in cases().values():
        for table, rows in case.rows().items():
            insert_rows(con, table, rows)
    con.execute(f"CREATE TABLE {MANIFEST} (name VARCHAR, typology VARCHAR, benign BOOLEAN, summary VARCHAR, "
                "subjects VARCHAR, window_start TIMESTAMP, window_end TIMESTAMP)")
    for c in cases().values():
        con.execute(f"INSERT INTO {MANIFEST} VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [c.name, c.typology, c.benign, c.summary, json.dumps(dict(c.subjects), sort_keys=True), *c.window])
    counted = {}
    for table in [*catalog(), MANIFEST]:
        row = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        counted[table] = int(row[0]) if row else 0
    return counted


def generate(out: Path, scale: int = 1, seed: int = 7) -> Summary:
    """Write the demo exchange to out: a .duckdb file, or else a folder with one Parquet file per table.

    The data is built beside out and moved into place at the end, so an
    interrupted run leaves any previous out untouched.
    """
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    except OSError as err:
        raise UsageError(f"cannot write {out}: {err.filename}: {err.strerror or err}") from err
    try:
        if out.suffix == ".duckdb":
            staged = staging / out.name
            with duckdb.connect(str(staged)) as con:
                rows = populate(con, scale, seed)
                con.execute("CHECKPOINT")
            os.replace(staged, out)
        else:
            staged = staging / "tables"
            staged.mkdir()
            # Built in a file, not in memory: DuckDB spills to disk, so 10 million trades fit in a few GB.
            with duckdb.connect(str(staging / "build.duckdb")) as con:
                rows = populate(con, scale, seed)
                for table in rows:
                    target = str(staged / f"{table}.parquet").replace("'", "''")
                    con.execute(f"COPY \"{table}\" TO '{target}' (FORMAT parquet)")
            if out.exists():
                aside = staging / "old"
                os.rename(out, aside)
            os.rename(staged, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Summary(out, rows)
