"""DuckDB against Apache Spark (local[2]) on the wash-trading SOP, side by side, at growing scales.

Run: .venv/bin/python -m benchmarks.bench_spark [--scales 1,100,2000] [--repeats 5] [--from SCALE=FILE.duckdb]
     [--timeout 600]

For each scale, the demo exchange is written once as a folder of Parquet
files (benchmarks/.data/parquet-<scale>/, kept for later runs; scale 2000 is
about 10 million trades), and both engines read those same files. `--from
2000=demo-2000.duckdb` exports that scale from a demo DuckDB file made
earlier (`sopc demo-data --scale 2000`, read only) instead of generating it
again: the same tables, written by the same COPY ... TO parquet. Then, in
one process and alternating so that both see the same machine load, whole
runs of skills/wash-trading-linked-accounts/skill.json on the injected wash
ring (input checks, query checks, bound queries, conditions, the record,
both reports; the answers given) on:

- duckdb: `sopc run --engine duckdb` on the Parquet folder;
- spark: `sopc run --engine spark --spark-master local[2]` on it, with the
  session already started (its start is measured once and printed apart:
  a `sopc run` process pays it, a long-lived service once).

Both engines run under the same limits, each query up to --timeout seconds
(600 by default: at scale 2000 a Spark query takes longer than sopc run's 60).

Prints, per scale, the median of each, Spark's time per query, the ratio, and
each query's seconds in the last run of each engine; then each engine's time
at each scale against the smallest.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from compiler.demo.generate import generate
from compiler.runner import querycheck
from compiler.runner.answers import GivenAnswers
from compiler.runner.database import Database
from compiler.runner.includes import steps_by_id
from compiler.runner.querycheck import canonical_tables
from compiler.runner.run import read_skill, start
from compiler.runner.sparkconf import SparkOptions
from compiler.runner.worker import Limits

from .bench_runner import ANSWERS, SKILL, inputs

REPO = Path(__file__).resolve().parent.parent
SPARK = SparkOptions("local[2]")
"""Two cores and two shuffle partitions; the driver's heap is the run's --memory default, 1 GB."""


def parquet_folder(scale: int, source: Path | None = None) -> Path:
    """The demo exchange at this scale as Parquet files, generated (or exported from source) on first use."""
    folder = REPO / "benchmarks" / ".data" / f"parquet-{scale}"
    if not folder.exists():
        started = time.perf_counter()
        trades = export(source, folder) if source else generate(folder, scale=scale).rows["trades"]
        print(f"{'exported' if source else 'generated'} {folder.name}: {trades:,} trades in "
              f"{time.perf_counter() - started:.1f} s")
    return folder


def export(source: Path, folder: Path) -> int:
    """Copy a demo DuckDB file's canonical tables to <table>.parquet files (the file opened read only)."""
    staged = folder.with_name(f".{folder.name}.new")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    with duckdb.connect(str(source), read_only=True) as con:
        for table in sorted(canonical_tables()):
            target = str(staged / f"{table}.parquet").replace("'", "''")
            con.execute(f"COPY \"{table}\" TO '{target}' (FORMAT parquet)")
        row = con.execute("SELECT count(*) FROM trades").fetchone()
    staged.rename(folder)
    return int(row[0]) if row else 0


def run_once(engine: str, skill: dict[str, Any], raw: bytes, data: Path, out: Path, number: int,
             limits: Limits) -> tuple[float, dict[str, float]]:
    """Seconds for one whole run on the engine, and the seconds of each query it ran (by step)."""
    querycheck.forget()
    started = time.perf_counter()
    database = Database.open(data, limits, spark=SPARK if engine == "spark" else None)
    try:
        finished = start(skill, database, inputs(), GivenAnswers(ANSWERS), out, started_by="bench",
                         run_id=f"{engine}{number}", raw=raw)
    finally:
        database.close()
    elapsed = time.perf_counter() - started
    if finished.state.status != "completed":
        raise SystemExit(f"the {engine} run did not complete: {finished.state.status} {finished.state.error}")
    steps = steps_by_id(skill)
    events = [json.loads(line) for line in (out / f"{engine}{number}" / "events.jsonl").read_text().splitlines()]
    queries = {e["step"]: e["elapsed_ms"] / 1000 for e in events
               if e["type"] == "query_executed" and "sql" in steps.get(e["step"], {})}
    return elapsed, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="1,100", help="Comma-separated demo-data scales (2000: 10M trades).")
    parser.add_argument("--repeats", type=int, default=5, help="Runs per engine and scale.")
    parser.add_argument("--from", dest="sources", action="append", default=[], metavar="SCALE=FILE",
                        help="Export this scale from a demo DuckDB file of that scale instead of generating it.")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="Each query's time limit on both engines, seconds (sopc run's default is 60).")
    args = parser.parse_args()
    limits = Limits(timeout_s=args.timeout)
    scales = [int(s) for s in args.scales.split(",")]
    sources = {int(scale): Path(file) for scale, _, file in (given.partition("=") for given in args.sources)}
    skill, raw = read_skill(SKILL)
    folders = {scale: parquet_folder(scale, sources.get(scale)) for scale in scales}
    started = time.perf_counter()
    first = Database.open(folders[scales[0]], spark=SPARK)
    first.ready()  # the worker has started Spark; closed, it is kept for the runs below, as sopc test keeps it
    first.close()
    print(f"Spark session start (local[2]): {time.perf_counter() - started:.1f} s")
    medians: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="sopc-bench-spark-", dir=REPO / "benchmarks" / ".data") as scratch:
        for scale in scales:
            times: dict[str, list[float]] = {"duckdb": [], "spark": []}
            queries: dict[str, dict[str, float]] = {}
            run_once("spark", skill, raw, folders[scale], Path(scratch) / f"warm{scale}", 0, limits)  # first reads
            for number in range(1, args.repeats + 1):
                order = ("duckdb", "spark") if number % 2 else ("spark", "duckdb")
                for engine in order:
                    elapsed, queries[engine] = run_once(engine, skill, raw, folders[scale],
                                                        Path(scratch) / str(scale), number, limits)
                    times[engine].append(elapsed)
            medians[scale] = {engine: statistics.median(values) for engine, values in times.items()}
            duck, spark = medians[scale]["duckdb"], medians[scale]["spark"]
            count = len(queries["spark"])
            print(f"scale {scale}: duckdb {duck:.3f} s, spark {spark:.3f} s per run ({count} queries, "
                  f"{spark / count:.2f} s per query on spark); spark/duckdb {spark / duck:.1f}x; "
                  f"spark runs {min(times['spark']):.2f}-{max(times['spark']):.2f} s")
            for step, seconds in queries["spark"].items():  # the last run of each engine
                print(f"  {step}: duckdb {queries['duckdb'].get(step, float('nan')):.3f} s, spark {seconds:.3f} s")
    smallest = scales[0]
    for scale in scales[1:]:
        growth = medians[scale]["spark"] / medians[smallest]["spark"]
        duck_growth = medians[scale]["duckdb"] / medians[smallest]["duckdb"]
        print(f"scale {smallest} -> {scale} ({scale / smallest:g}x the trades): spark {growth:.2f}x the time, "
              f"duckdb {duck_growth:.2f}x")


if __name__ == "__main__":
    main()
