"""sopc triage on many alerts against the same queries straight through DuckDB, side by side.

Run: .venv/bin/python -m benchmarks.bench_triage [--scale 2000] [--alerts 1000] [--workers 2] [--repeats 1]
     [--data FOLDER]

Uses the demo exchange of benchmarks/bench_runner.py (scale 2000 is about
10 million trades, kept in --data, default benchmarks/.data/) and alerts made
from the library's scenarios by `sopc demo-data --alerts` (a mix over every
SOP). The data file is read once first, so both sides start on a warm page
cache. Then, per repeat, in alternating order (triage first in the first one,
whose records give the queries to replay):

- triage: `sopc triage` as a user runs it (a fresh process, `--workers N`,
  the default limits): reading and planning the alerts, input checks, the
  read-only check of every query, each query in a killable worker process
  under its time and memory limits, parameter binding, conditions, each
  run's synced record and its three reports, queue.json and queue.md;
- direct: the same queries with the same bound values (taken from the
  triage's records), handed out run by run to the same number of processes
  as triage hands out alerts, each with one read-only connection, fetchall().

Prints wall times, the time the queries themselves took on each side (the
triage's as its records say, from the runner's side of the pipe), the CPU
seconds of each side and their ratio to its wall time (above 1.0: more than
one core at work; sampled from /proc every 0.2 s for the process and
everything it started, so a process that lived less than that is missed),
the load average around each pair, and the overhead in wall time and in CPU
time (the CPU time a side used moves less with the machine's load than its
wall time).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.bench_runner import DATA, demo_database
from compiler.runner.includes import steps_by_id
from compiler.runner.values import sql_value

REPO = Path(__file__).resolve().parent.parent
Run = list[tuple[str, dict[str, Any]]]


class CpuMeter:
    """CPU seconds used by a process tree, sampled from /proc: the most each process was seen to use."""

    def __init__(self, root: int, *, include_root: bool = True) -> None:
        self.root, self.include_root = root, include_root
        self.used: dict[tuple[int, str], int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> float:
        """Stop sampling; the CPU seconds seen."""
        self._stop.set()
        self._thread.join()
        return sum(self.used.values()) / os.sysconf("SC_CLK_TCK")

    def _sample(self) -> None:
        while True:
            stats: dict[int, list[str]] = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        text = Path(f"/proc/{entry}/stat").read_text()
                    except OSError:
                        continue
                    stats[int(entry)] = text.rsplit(")", 1)[-1].split()
            tree, grew = {self.root}, True
            while grew:
                more = {pid for pid, fields in stats.items() if int(fields[1]) in tree} - tree
                tree |= more
                grew = bool(more)
            for pid in tree - (set() if self.include_root else {self.root}):
                if pid in stats:
                    fields = stats[pid]
                    key = (pid, fields[19])  # pid and start time: a reused pid is another process
                    self.used[key] = max(self.used.get(key, 0), int(fields[11]) + int(fields[12]))
            if self._stop.wait(0.2):
                return


def make_alerts(target: Path, count: int) -> None:
    subprocess.run([sys.executable, "-m", "compiler", "demo-data", "--alerts", str(target), "--alerts-count",
                    str(count), "--sops", str(REPO / "sops")], check=True, stdout=subprocess.DEVNULL)


def triage_once(alerts: Path, db: Path, out: Path, workers: int) -> tuple[float, float]:
    """Wall seconds of one whole `sopc triage` process, and the CPU seconds of it and all it started."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "compiler", "triage", str(alerts), "--db", str(db), "--out",
                                str(out), "--skills", str(REPO / "skills"), "--workers", str(workers)],
                               stdout=subprocess.DEVNULL, cwd=REPO)
    meter = CpuMeter(process.pid)
    process.wait()
    wall = time.perf_counter() - started
    return wall, meter.stop()


def recorded_queries(out: Path) -> tuple[list[Run], float]:
    """Per run, in alert order: (SQL text, bound values) of every query it ran; and the seconds they took."""
    queue = json.loads((out / "queue.json").read_text(encoding="utf-8"))
    runs = []
    elapsed_ms = 0.0
    for item in queue["items"]:
        if not item["run_id"]:
            continue
        folder = out / "runs" / item["run_id"]
        skill = json.loads((folder / "skill.json").read_bytes())
        steps = steps_by_id(skill)  # included steps by their qualified id (group/members)
        queries = []
        for line in (folder / "events.jsonl").read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if event["type"] == "query_executed":
                sql = steps[event["step"]]["sql"]
                times = {p["name"] for p in sql["parameters"] if p.get("type") == "timestamp"}
                queries.append((sql["text"], {k: sql_value(v, k in times) for k, v in event["parameters"].items()}))
                elapsed_ms += event["elapsed_ms"]
        runs.append(queries)
    return runs, elapsed_ms / 1000


_connection: duckdb.DuckDBPyConnection | None = None


def _direct_open(db: str) -> None:
    global _connection
    _connection = duckdb.connect(db, read_only=True)
    _connection.execute("SET enable_progress_bar = false")  # it would print on this benchmark's output


def _direct_run(queries: Run) -> float:
    assert _connection is not None
    started = time.perf_counter()
    for text, values in queries:
        _connection.execute(text, values).fetchall()
    return time.perf_counter() - started


def direct_once(db: Path, runs: list[Run], workers: int) -> tuple[float, float, float]:
    """Wall seconds of the same queries over `workers` processes (process start included, as triage's is),
    the seconds the queries took, and the CPU seconds of those processes."""
    meter = CpuMeter(os.getpid(), include_root=False)
    started = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_direct_open,
                             initargs=(str(db),)) as pool:
        queries = sum(pool.map(_direct_run, runs))
    wall = time.perf_counter() - started
    return wall, queries, meter.stop()


def warm(db: Path) -> None:
    """Read the data file once, so that neither side pays for the first reads from disk."""
    with db.open("rb") as handle:
        while handle.read(1 << 24):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=2000)
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--data", type=Path, default=DATA, help="Folder of demo-<scale>.duckdb (made if missing).")
    args = parser.parse_args()
    db = demo_database(args.scale, args.data)
    with duckdb.connect(str(db), read_only=True) as con:
        trades = (con.execute("SELECT count(*) FROM trades").fetchone() or (0,))[0]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="triage-", dir=db.parent) as scratch:
        alerts = Path(scratch) / "alerts.jsonl"
        make_alerts(alerts, args.alerts)
        warm(db)
        runs: list[Run] = []
        for number in range(args.repeats):
            out = Path(scratch) / f"q{number}"
            load = os.getloadavg()[0]
            if number % 2:
                direct = direct_once(db, runs, args.workers)
                wall, cpu = triage_once(alerts, db, out, args.workers)
            else:
                wall, cpu = triage_once(alerts, db, out, args.workers)
                runs, _ = recorded_queries(out)
                direct = direct_once(db, runs, args.workers)
            queue = json.loads((out / "queue.json").read_text(encoding="utf-8"))
            rows.append({"triage_s": wall, "triage_queries_s": recorded_queries(out)[1], "triage_cpu_s": cpu,
                         "direct_s": direct[0], "direct_queries_s": direct[1], "direct_cpu_s": direct[2],
                         "load_before": load, "load_after": os.getloadavg()[0], "by_status": queue["totals"]["by_status"]})
    overheads = [100 * (r["triage_s"] - r["direct_s"]) / r["direct_s"] for r in rows]
    figures = {
        "trades": trades, "alerts": args.alerts, "runs": len(runs), "queries": sum(len(r) for r in runs),
        "workers": args.workers, "by_status": rows[0]["by_status"],
        "triage_s": [round(r["triage_s"], 1) for r in rows], "direct_s": [round(r["direct_s"], 1) for r in rows],
        "triage_queries_s": [round(r["triage_queries_s"], 1) for r in rows],
        "direct_queries_s": [round(r["direct_queries_s"], 1) for r in rows],
        "triage_cpu_s": [round(r["triage_cpu_s"], 1) for r in rows],
        "direct_cpu_s": [round(r["direct_cpu_s"], 1) for r in rows],
        "cpu_overhead_percent": [round(100 * (r["triage_cpu_s"] - r["direct_cpu_s"]) / r["direct_cpu_s"], 1)
                                 for r in rows],
        "triage_cpu_over_wall": [round(r["triage_cpu_s"] / r["triage_s"], 2) for r in rows],
        "direct_cpu_over_wall": [round(r["direct_cpu_s"] / r["direct_s"], 2) for r in rows],
        "load_average_before_after": [[round(r["load_before"], 1), round(r["load_after"], 1)] for r in rows],
        "overhead_percent": [round(o, 1) for o in overheads],
        "overhead_percent_median": round(statistics.median(overheads), 1),
    }
    print("{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in figures.items()) + "\n}")


if __name__ == "__main__":
    main()
