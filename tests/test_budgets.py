"""Every query, condition and file has a budget: the reproducers of hostile input end in one line, in time.

Each case must end in a located diagnostic or a one-line message with exit
status 1 or 2 within 10 s, and no process may pass 2 GiB. The limits below
are safety nets against a hang or a blow-up, not benchmarks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from runner_fixtures import make_db, probe_skill, trade

from compiler.runner.database import Database
from compiler.runner.errors import RunError

REPO = Path(__file__).resolve().parent.parent
SECONDS = 10.0
PEAK_MB = 2048
RING = {"trades": [trade(1, "A1", "A1", 30000.0)]}

HOSTILE_QUERIES = [
    "SELECT list_sum(range(400000000)) AS trades, 0 AS self_usd",
    "SELECT len(string_split(repeat('a,', 100000000), ',')) AS trades, 0 AS self_usd",
    "SELECT length(repeat('x', 2000000000)) AS trades, 0 AS self_usd",
    "SELECT list_sum(range(60000000)) AS trades, 0 AS self_usd",  # fits in memory, ignores the interrupt
]


@contextmanager
def worker_peak(database: Database) -> Iterator[list[int]]:
    """The highest resident memory (MB) of the database's worker processes while the block runs."""
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            process = database._process
            try:
                status = Path(f"/proc/{process.pid}/status").read_text() if process and process.pid else ""
            except OSError:
                status = ""
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    peak[0] = max(peak[0], int(line.split()[1]) // 1024)
            done.wait(0.01)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        done.set()
        thread.join()


@pytest.mark.parametrize("sql", HOSTILE_QUERIES)
def test_a_hostile_query_is_stopped_in_time_and_memory(sql: str) -> None:
    """Interrupted at its deadline, refused memory past the cap, or killed a grace period after the deadline;
    the next query of the same database still runs."""
    database = Database.from_rows({}, timeout_s=1.0)
    try:
        started = time.perf_counter()
        with worker_peak(database) as peak, pytest.raises(RunError) as stopped:
            database.query(sql, {})
        elapsed = time.perf_counter() - started
        message = str(stopped.value)
        assert "\n" not in message and ("limit of 1 s" in message or "memory than its limit" in message), message
        assert elapsed < SECONDS and peak[0] < PEAK_MB, (elapsed, peak[0])
        assert database.query("SELECT 1 AS one", {}).rows == ({"one": 1},)
    finally:
        database.close()


def test_sopc_run_ends_a_hostile_query_with_one_line_and_exit_1(tmp_path: Path) -> None:
    """Through the command line: the run fails at the query step, its record and reports are written."""
    skill = probe_skill(sql=HOSTILE_QUERIES[0])
    (tmp_path / "skills" / skill["id"]).mkdir(parents=True)
    (tmp_path / "skills" / skill["id"] / "skill.json").write_text(json.dumps(skill))
    db = make_db(tmp_path / "ring.duckdb", RING)
    command = [sys.executable, "-m", "compiler", "run", skill["id"], "--db", str(db), "--skills",
               str(tmp_path / "skills"), "-i", "account_id=A1", "--timeout", "1", "--out", str(tmp_path / "runs"),
               "--run-id", "r1", "--no-prompt", "--memory", "512", "--threads", "1", "--max-temp", "0"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
                          timeout=60)
    elapsed = time.perf_counter() - started
    assert done.returncode == 1, done.stderr
    assert "memory than its limit of 512 MB" in done.stdout and "Traceback" not in done.stderr
    assert elapsed < SECONDS
    started_event = json.loads((tmp_path / "runs" / "r1" / "events.jsonl").read_text().splitlines()[0])
    assert started_event["limits"] == {"timeout_s": 1.0, "max_rows": 1000, "memory_mb": 512, "threads": 1,
                                       "temp_mb": 0}
