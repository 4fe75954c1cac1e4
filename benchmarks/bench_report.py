"""What the reports cost: report.json, report.md and report.html from the record of one wash-trading run.

Run: .venv/bin/python -m benchmarks.bench_report [--repeats 200]

Runs the wash-trading SOP once on the injected ring (demo exchange, scale 1),
then, from its record, times each part the runner does when a run stops or
pauses (replaying the record into a state, findings for report.json,
report.md, report.html, and all of them together as `report_files` does),
and prints the first call (cold caches, as in a `sopc run` process) and the
median of the repeats, side by side.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.bench_runner import ANSWERS, SKILL, demo_database, inputs
from compiler.runner.answers import GivenAnswers
from compiler.runner.database import Database
from compiler.runner.events import read_events
from compiler.runner.report import findings, html, markdown
from compiler.runner.run import read_skill, report_files, start
from compiler.runner.state import replay


def _times_ms(work: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """The first call and the median of the repeats after it, in milliseconds."""
    times = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times[0] * 1000, statistics.median(times[1:]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    skill, raw = read_skill(SKILL)
    with tempfile.TemporaryDirectory() as scratch:
        database = Database.open(demo_database(1))
        try:
            finished = start(skill, database, inputs(), GivenAnswers(ANSWERS), Path(scratch), started_by="bench",
                             run_id="bench", raw=raw)
        finally:
            database.close()
        events = read_events(finished.folder / "events.jsonl")[0]
    state = replay(events)
    record = {"events": len(events), "head": "sha256:" + "0" * 64}
    report = findings(skill, state, record)
    parts = {  # all three first: the caches of names and expressions are cold for it, as in a new process
        "all three (report_files)": lambda: report_files(skill, state, record, "demo.duckdb"),
        "replay the record": lambda: replay(events),
        "report.json (findings + JSON)": lambda: json.dumps(findings(skill, state, record), indent=2),
        "report.md": lambda: markdown(skill, report, state.started_by, "demo.duckdb"),
        "report.html": lambda: html(skill, report, state.started_by, "demo.duckdb"),
    }
    print(f"{len(events)} events, status {state.status}; first call and median of {args.repeats} more:")
    for name, work in parts.items():
        first, median = _times_ms(work, args.repeats)
        print(f"  {name:<32} {first:7.2f} ms {median:7.2f} ms")


if __name__ == "__main__":
    main()
