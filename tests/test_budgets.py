"""Every query, condition and file has a budget: the reproducers of hostile input end in one line, in time.

Each case must end in a located diagnostic or a one-line message with exit
status 1 or 2 within 10 s, and no process may pass 2 GiB. The limits below
are safety nets against a hang or a blow-up, not benchmarks.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
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
from compiler.runner.worker import Limits

REPO = Path(__file__).resolve().parent.parent
SECONDS = 10.0
PEAK_MB = 2048
RING = {"trades": [trade(1, "A1", "A1", 30000.0)]}

HOSTILE_QUERIES = [
    "SELECT list_sum(range(400000000)) AS trades, 0 AS self_usd",
    "SELECT len(string_split(repeat('a,', 100000000), ',')) AS trades, 0 AS self_usd",
    "SELECT length(repeat('x', 2000000000)) AS trades, 0 AS self_usd",
    # little memory, seconds of CPU in one row (3.6e9 cells): a warm worker still cannot finish it within 1 s
    "SELECT levenshtein(repeat('a', 60000), repeat('b', 60000)) AS trades, 0 AS self_usd",
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
    database = Database.from_rows({}, Limits(timeout_s=1.0))
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
               "--run-id", "r1", "--no-prompt", "--memory", "512", "--threads", "1", "--max-temp", "0", "--by", "tester"]
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


VALID = (REPO / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml").read_text()


def validate(tmp_path: Path, text: str | None = None, *, raw: bytes | None = None) -> tuple[int, str, float]:
    """Exit status, output and wall time of `sopc validate` in a fresh process on one SOP file."""
    target = tmp_path / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    if raw is None:
        target.write_text(text or VALID)
    else:
        target.write_bytes(raw)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "compiler", "validate", "--today", "2026-11-22", str(target)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - started


def nested_maps(depth: int) -> str:
    ten = "[0,1,2,3,4,5,6,7,8,9]"
    return ten + "".join(f".map({'abcdefghi'[n]},{ten}" for n in range(depth)) + ")" * depth + ".size() > 0"


def test_nested_comprehensions_are_refused_at_validate_with_a_location(tmp_path: Path) -> None:
    condition = nested_maps(9)
    assert len(condition) < 300
    old = "condition: subject_profile.row_count == 1 && !subject_profile.rows[0].is_market_maker"
    assert VALID.count(old) == 1
    status, output, elapsed = validate(tmp_path, VALID.replace(old, f"condition: '{condition}'"))
    assert status == 1 and "error[SOP401]" in output and "nest 9 deep; the limit is 2" in output, output
    assert elapsed < SECONDS


def test_a_condition_edited_into_the_skill_is_refused_by_the_runner(tmp_path: Path) -> None:
    """The skill file may have been edited after validate: the runner checks the nesting itself."""
    from compiler.runner.answers import GivenAnswers
    from compiler.runner.run import start

    skill = probe_skill(condition=nested_maps(9))
    database = Database.open(make_db(tmp_path / "ring.duckdb", RING))
    started = time.perf_counter()
    try:
        finished = start(skill, database, {"account_id": "A1"}, GivenAnswers({}), tmp_path / "runs",
                         started_by="alex", run_id="r1")
    finally:
        database.close()
    assert finished.state.status == "failed" and "nest 9 deep" in str(finished.state.error)
    assert time.perf_counter() - started < SECONDS


@pytest.mark.parametrize("fast", [True, False], ids=["closures", "cel-python"])
def test_a_step_counter_stops_a_costly_comprehension(fast: bool) -> None:
    """Two nested comprehensions over 2,000 items each: refused after the step budget, by both evaluators."""
    from celpy import celtypes

    from compiler.runner import conditions

    rows = celtypes.ListType([celtypes.IntType(n) for n in range(2000)])
    evaluate = conditions.condition if fast else conditions.evaluate_with_celpy
    started = time.perf_counter()
    with pytest.raises(RunError, match="visit more than 10,000 items"):
        evaluate("a.exists(x, a.exists(y, x == y + 5000))", {"a": rows})
    assert time.perf_counter() - started < SECONDS


def many(count: int, glue: str, part: str) -> str:
    return glue.join(part.format(n=n) for n in range(count))


@pytest.mark.parametrize(("name", "sql", "message"), [
    ("8,000 chained CTEs", "WITH " + many(8000, ", ", "c{n} AS (SELECT {n} AS x)") + " SELECT x FROM c7999",
     "bytes; the limit is 65,536"),
    ("100 CTEs under the byte limit", "WITH " + many(100, ", ", "c{n} AS (SELECT 1 AS x)") + " SELECT x FROM c1",
     "more than 64 CTEs"),
    ("3,000 UNION ALL", many(3000, " UNION ALL ", "SELECT {n} AS x"), "bytes; the limit is 65,536"),
    ("100 UNION ALL", many(100, " UNION ALL ", "SELECT 1 AS x"), "more than 64 set operations"),
])
def test_sql_too_large_is_refused_before_parsing_by_validate_and_runner(tmp_path: Path, name: str, sql: str,
                                                                         message: str) -> None:
    from compiler.runner.errors import QueryRefused
    from compiler.sqlcheck import analyze

    started = time.perf_counter()
    problems = analyze(sql, set()).problems
    assert [p.code for p in problems] == ["SOP301"] and message in problems[0].message, problems
    database = Database.from_rows({})
    try:
        with pytest.raises(QueryRefused, match=message):
            database.query(sql, {})
    finally:
        database.close()
    assert time.perf_counter() - started < SECONDS


def test_a_3_gib_sparse_sop_file_is_refused_unread(tmp_path: Path) -> None:
    target = tmp_path / "sops" / "market-abuse" / "huge.yaml"
    target.parent.mkdir(parents=True)
    with target.open("wb") as handle:
        handle.truncate(3 << 30)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "compiler", "validate", str(target)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert done.returncode == 1 and "error[SOP002] file is over 1,048,576 bytes" in done.stdout, done.stdout
    assert "Traceback" not in done.stderr and time.perf_counter() - started < SECONDS


def test_a_closed_databases_worker_serves_the_next_run_on_the_same_file_only(tmp_path: Path) -> None:
    """Long-lived callers (sopc test, a server) open a file once; a changed file or a killed worker is not reused."""
    from compiler.runner.database import forget_idle

    forget_idle()
    db = make_db(tmp_path / "ring.duckdb", RING)
    first = Database.open(db)
    first.ready()
    pid = first._process.pid if first._process else None
    first.close()
    second = Database.open(db)
    assert second._process is not None and second._process.pid == pid
    assert second.query("SELECT count(*) AS n FROM trades", {}).rows == ({"n": 1},)
    second.close()
    os.utime(db, ns=(time.time_ns(), time.time_ns() + 10**9))  # the file changed: its kept worker has the old one
    third = Database.open(db, Limits(timeout_s=1.0))
    assert third._process is not None and third._process.pid not in (pid, None)
    third.ready()
    stopped = third._process.pid
    os.kill(stopped, signal.SIGSTOP)  # a worker deaf to its interrupt, as a query that never checks for one
    try:
        with pytest.raises(RunError, match="did not stop; it was ended"):
            third.query("SELECT 1 AS one", {})
    finally:  # ended whatever happened: a stopped worker would hang the interpreter's exit
        with contextlib.suppress(ProcessLookupError):
            os.kill(stopped, signal.SIGKILL)
    third.close()
    fourth = Database.open(db, Limits(timeout_s=1.0))
    assert fourth._process is not None and fourth._process.pid not in (pid, stopped)
    assert fourth.query("SELECT count(*) AS n FROM trades", {}).rows == ({"n": 1},)
    fourth.close()
    forget_idle()


def test_a_kept_worker_opens_other_data_for_the_next_run() -> None:
    """Scenario rows: the worker of the last scenario opens the next one's rows; nothing of the old rows is left."""
    from compiler.runner.database import forget_idle

    forget_idle()
    first = Database.from_rows({"trades": [trade(1, "A1", "A1", 30000.0)]})
    pid = first._process.pid if first._process else None
    first.close()
    second = Database.from_rows({"trades": [trade(2, "B1", "B2", 10.0), trade(3, "B1", "B2", 10.0)]})
    assert second._process is not None and second._process.pid == pid
    assert second.query("SELECT count(*) AS n, min(trade_id) AS first FROM trades", {}).rows == ({"n": 2, "first": "T2"},)
    second.close()
    with pytest.raises(RunError, match="cannot load test rows"):
        Database.from_rows({"trades": [{"no_such_column": 1}]})
    forget_idle()


def test_the_query_worker_writes_nothing_on_the_runners_stdout(tmp_path: Path) -> None:
    """DuckDB draws a progress bar on stdout during a long query; the worker's stdout is /dev/null, so nothing
    reaches the JSON of `sopc run --format json` or the protocol of `sopc mcp` over stdio."""
    from compiler.runner.database import forget_idle

    forget_idle()
    database = Database.open(make_db(tmp_path / "ring.duckdb", RING))
    try:
        database.ready()
        assert database._process is not None and database._process.pid
        assert os.readlink(f"/proc/{database._process.pid}/fd/1") == os.devnull
    finally:
        database.close()
        forget_idle()
