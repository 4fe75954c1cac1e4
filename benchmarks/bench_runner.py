"""The runner's overhead: the wash-trading SOP through `sopc run` against DuckDB running the same SQL directly.

Run: .venv/bin/python -m benchmarks.bench_runner [--scale 2000] [--repeats 5] [--data FOLDER]

Generates the demo exchange once (scale 2000 is about 10 million trades;
kept in benchmarks/.data/ for later runs), then, alternating in one process
so that both see the same machine load:

- runner: a whole run of skills/wash-trading-linked-accounts/skill.json on
  the injected wash ring, answers and approvals included: input checks, the
  read-only check of every query, parameter binding, conditions, the synced
  event record and both reports;
- direct: the same queries with the same bound values (taken from the
  runner's record) on a fresh read-only DuckDB connection, fetchall().

Prints the median of each, the runner's extra time per run, and its
overhead in percent: the median over the pairs (each pair ran back to back,
in alternating order) with the quartiles of those pairs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from compiler.demo.catalog import cases
from compiler.demo.generate import generate
from compiler.runner import querycheck
from compiler.runner.answers import GivenAnswers
from compiler.runner.database import Database, forget_idle
from compiler.runner.events import read_events
from compiler.runner.includes import steps_by_id
from compiler.runner.run import read_skill, start
from compiler.runner.values import sql_value

REPO = Path(__file__).resolve().parent.parent
SKILL = REPO / "skills" / "wash-trading-linked-accounts" / "skill.json"
CASE = "wash_ring"
ANSWERS = {
    "draft_narrative": {"narrative": "Benchmark.", "replay_focus": "Benchmark."},
    "replay": {"replay_link": "https://replay.internal/bench", "mirrored_orders": True, "note": "Benchmark."},
    "agent_review": {"value_transfer_suspected": True, "rationale": "Benchmark."},
    "escalate": {"approved": True, "by": "dana", "role": "risk-manager"},
    "force_stp": {"approved": True, "by": "dana", "role": "risk-manager"},
}


DATA = REPO / "benchmarks" / ".data"


def demo_database(scale: int, folder: Path = DATA) -> Path:
    """The demo exchange at this scale, generated on first use (into `folder`, default benchmarks/.data/)."""
    path = folder / f"demo-{scale}.duckdb"
    if not path.exists():
        started = time.perf_counter()
        summary = generate(path, scale=scale)
        print(f"generated {path.name}: {summary.rows['trades']:,} trades in {time.perf_counter() - started:.1f} s")
    return path


def inputs() -> dict[str, Any]:
    """The wash ring's subject and window."""
    case = cases()[CASE]
    return {"account_id": case.subjects["account_id"], "start_ts": case.window[0], "end_ts": case.window[1]}


def run_once(skill: dict[str, Any], raw: bytes, db: Path, out: Path, number: int) -> tuple[float, list[dict[str, Any]]]:
    """Seconds for one whole run, and its query events."""
    querycheck.forget()  # pay for the query checks every run, as a fresh `sopc run` process does
    forget_idle()  # and for a query worker that opens the data
    started = time.perf_counter()
    database = Database.open(db)
    finished = start(skill, database, inputs(), GivenAnswers(ANSWERS), out, started_by="bench",
                     run_id=f"run{number}", raw=raw)
    database.close()
    elapsed = time.perf_counter() - started
    if finished.state.status != "completed":
        raise SystemExit(f"the benchmark run did not complete: {finished.state.status} {finished.state.error}")
    events = read_events(finished.folder / "events.jsonl")[0]
    return elapsed, [e for e in events if e["type"] == "query_executed"]


def direct_once(skill: dict[str, Any], db: Path, queries: list[dict[str, Any]]) -> float:
    """Seconds for the same queries with the same values, straight through DuckDB."""
    steps = steps_by_id(skill)  # included steps by their qualified id (group/members)
    started = time.perf_counter()
    with duckdb.connect(str(db), read_only=True) as con:
        for query in queries:
            sql = steps[query["step"]]["sql"]
            times = {p["name"] for p in sql["parameters"] if p.get("type") == "timestamp"}
            values = {k: sql_value(v, k in times) for k, v in query["parameters"].items()}
            con.execute(sql["text"], values).fetchall()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DATA, help="Folder of demo-<scale>.duckdb (made if missing).")
    args = parser.parse_args()
    db = demo_database(args.scale, args.data)
    skill, raw = read_skill(SKILL)
    with duckdb.connect(str(db), read_only=True) as con:
        trades = con.execute("SELECT count(*) FROM trades").fetchone()
    runner: list[float] = []
    direct: list[float] = []
    # Run folders go beside the data, on the project's disk, as `sopc run --out runs` puts them.
    with tempfile.TemporaryDirectory(prefix="runs-", dir=db.parent) as out:
        _, queries = run_once(skill, raw, db, Path(out), 0)  # warm the page cache for both
        for number in range(1, args.repeats + 1):
            if number % 2:  # alternate which goes first, so neither always meets the other's leftovers
                seconds, queries = run_once(skill, raw, db, Path(out), number)
                runner.append(seconds)
                direct.append(direct_once(skill, db, queries))
            else:
                direct.append(direct_once(skill, db, queries))
                seconds, queries = run_once(skill, raw, db, Path(out), number)
                runner.append(seconds)
    # Each pair ran back to back under the same load: their ratio is steadier than a ratio of medians.
    overheads = sorted(100 * (r - d) / d for r, d in zip(runner, direct, strict=True))
    quartile = len(overheads) // 4
    print(json.dumps({"trades": trades[0] if trades else 0, "queries_per_run": len(queries),
                      "runner_median_s": round(statistics.median(runner), 4),
                      "direct_median_s": round(statistics.median(direct), 4),
                      "fixed_cost_median_ms": round(1000 * statistics.median(
                          r - d for r, d in zip(runner, direct, strict=True)), 1),
                      "overhead_percent_median": round(statistics.median(overheads), 1),
                      "overhead_percent_quartiles": [round(overheads[quartile], 1), round(overheads[-1 - quartile], 1)],
                      "repeats": args.repeats}, indent=2))


if __name__ == "__main__":
    main()
