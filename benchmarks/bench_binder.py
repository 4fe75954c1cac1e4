"""What DuckDB's binder costs `sopc validate`: the same library checked with and without it, side by side.

Run: .venv/bin/python -m benchmarks.bench_binder [--count 110] [--repeats 5]
Each repeat checks the generated library twice in this process, once with
the binder and once with it replaced by a stub that accepts every query, in
alternating order; the binder's verdicts are dropped before each run, so
every distinct query is bound again, as in a new process (the database
itself is built once per process and timed on its own).
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import compiler.lint.sql as lint_sql
from benchmarks.corpus import write_corpus
from compiler import sqlbind
from compiler.check import check_files


def _timed(files: list[tuple[str, bytes]], bind: Callable[[str, Mapping[str, str]], sqlbind.Bound]) -> float:
    sqlbind._verdicts.clear()
    lint_sql.bind = bind
    start = time.perf_counter()
    check_files(files, datetime.date(2026, 11, 22))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=110)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    real = sqlbind.bind
    with tempfile.TemporaryDirectory() as temp:
        paths = write_corpus(Path(temp), args.count)
        files = [(str(p), p.read_bytes()) for p in paths]
    start = time.perf_counter()
    sqlbind._database()
    sqlbind._functions()
    print(f"database from schema/exchange.sql, once per process: {(time.perf_counter() - start) * 1000:.1f} ms")
    _timed(files, real)  # warm the other caches (schema, sqlglot, CEL) for both sides
    with_binder, without = [], []
    for repeat in range(args.repeats):
        order = [(with_binder, real), (without, lambda sql, params: sqlbind.Bound())]
        for samples, bind in order if repeat % 2 == 0 else reversed(order):
            samples.append(_timed(files, bind))
    lint_sql.bind = real
    _timed(files, real)
    queries = len(sqlbind._verdicts)
    keys = list(sqlbind._verdicts)
    alone = []
    for _ in range(args.repeats):
        sqlbind._verdicts.clear()
        start = time.perf_counter()
        for sql, params in keys:
            sqlbind.bind(sql, dict(params))
        alone.append(time.perf_counter() - start)
    a, b = statistics.median(with_binder), statistics.median(without)
    print(f"{args.count} SOPs, {queries} distinct queries, median of {args.repeats}:")
    print(f"  with the binder    {a:.3f} s  ({a / args.count * 1000:.1f} ms/SOP)")
    print(f"  without it         {b:.3f} s  ({b / args.count * 1000:.1f} ms/SOP)")
    print(f"  difference         {(a - b) * 1000:.0f} ms")
    print(f"  binding alone      {statistics.median(alone) * 1000:.1f} ms for the {queries} queries "
          f"({statistics.median(alone) / max(queries, 1) * 1000:.2f} ms each)")


if __name__ == "__main__":
    main()
