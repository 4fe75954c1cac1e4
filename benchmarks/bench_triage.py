"""sopc triage on many alerts against the same queries straight through DuckDB, side by side.

Run: .venv/bin/python -m benchmarks.bench_triage [--scale 2000] [--alerts 1000] [--workers 2] [--repeats 2]

Uses the demo exchange of benchmarks/bench_runner.py (scale 2000 is about
10 million trades, kept in benchmarks/.data/) and alerts made from the
library's scenarios by `sopc demo-data --alerts` (a mix over every SOP).
Each repeat, in alternating order so that neither always runs on a cache
the other warmed:

- triage: `sopc triage` as a user runs it (a fresh process, `--workers N`):
  reading and planning the alerts, input checks, the read-only check of
  every query, parameter binding, conditions, each run's synced record and
  both reports, queue.json and queue.md;
- direct: the same queries with the same bound values (taken from the
  triage's records), split over the same number of processes, each with
  one read-only connection, fetchall().

Prints wall times, the CPU time over wall time of the triage (above 1.0:
more than one core at work), and the overhead in percent.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.bench_runner import demo_database
from compiler.runner.values import sql_value

REPO = Path(__file__).resolve().parent.parent


def make_alerts(target: Path, count: int) -> None:
    subprocess.run([sys.executable, "-m", "compiler", "demo-data", "--alerts", str(target), "--alerts-count",
                    str(count), "--sops", str(REPO / "sops")], check=True, stdout=subprocess.DEVNULL)


def triage_once(alerts: Path, db: Path, out: Path, workers: int) -> tuple[float, float]:
    """Wall seconds of one whole `sopc triage` process, and its CPU seconds (workers included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "compiler", "triage", str(alerts), "--db", str(db), "--out", str(out),
                    "--skills", str(REPO / "skills"), "--workers", str(workers)], check=False,
                   stdout=subprocess.DEVNULL, cwd=REPO)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def recorded_queries(out: Path) -> list[list[tuple[str, dict[str, Any]]]]:
    """Per run, in alert order: (SQL text, bound values) of every query it ran."""
    queue = json.loads((out / "queue.json").read_text(encoding="utf-8"))
    runs = []
    for item in queue["items"]:
        if not item["run_id"]:
            continue
        folder = out / "runs" / item["run_id"]
        skill = json.loads((folder / "skill.json").read_bytes())
        steps = {s["id"]: s for s in skill["steps"]}
        queries = []
        for line in (folder / "events.jsonl").read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if event["type"] == "query_executed":
                sql = steps[event["step"]]["sql"]
                times = {p["name"] for p in sql["parameters"] if p.get("type") == "timestamp"}
                queries.append((sql["text"], {k: sql_value(v, k in times) for k, v in event["parameters"].items()}))
        runs.append(queries)
    return runs


def _direct_worker(db: str, runs: list[list[tuple[str, dict[str, Any]]]]) -> int:
    with duckdb.connect(db, read_only=True) as con:
        for queries in runs:
            for text, values in queries:
                con.execute(text, values).fetchall()
    return len(runs)


def direct_once(db: Path, runs: list[list[tuple[str, dict[str, Any]]]], workers: int) -> float:
    """Wall seconds of the same queries split over `workers` processes (process start included, as triage's is)."""
    started = time.perf_counter()
    shares = [runs[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        done = sum(pool.map(_direct_worker, [str(db)] * workers, shares))
    assert done == len(runs)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=2000)
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    db = demo_database(args.scale)
    with duckdb.connect(str(db), read_only=True) as con:
        trades = (con.execute("SELECT count(*) FROM trades").fetchone() or (0,))[0]
    triage: list[float] = []
    cpu: list[float] = []
    direct: list[float] = []
    with tempfile.TemporaryDirectory(prefix="triage-", dir=db.parent) as scratch:
        alerts = Path(scratch) / "alerts.jsonl"
        make_alerts(alerts, args.alerts)
        warm = Path(scratch) / "warm"
        triage_once(alerts, db, warm, args.workers)  # warms the page cache, and records the queries to replay
        runs = recorded_queries(warm)
        queue = json.loads((warm / "queue.json").read_text(encoding="utf-8"))
        for number in range(args.repeats):
            out = Path(scratch) / f"q{number}"
            if number % 2:
                direct.append(direct_once(db, runs, args.workers))
                wall, used = triage_once(alerts, db, out, args.workers)
            else:
                wall, used = triage_once(alerts, db, out, args.workers)
                direct.append(direct_once(db, runs, args.workers))
            triage.append(wall)
            cpu.append(used)
    overheads = [100 * (t - d) / d for t, d in zip(triage, direct, strict=True)]
    print(json.dumps({
        "trades": trades, "alerts": queue["alerts"], "runs": len(runs),
        "queries": sum(len(r) for r in runs), "workers": args.workers,
        "by_status": queue["totals"]["by_status"],
        "triage_s": [round(t, 2) for t in triage], "direct_s": [round(d, 2) for d in direct],
        "triage_cpu_over_wall": [round(c / t, 2) for c, t in zip(cpu, triage, strict=True)],
        "overhead_percent": [round(o, 1) for o in overheads],
        "overhead_percent_median": round(statistics.median(overheads), 1),
    }, indent=2))


if __name__ == "__main__":
    main()
