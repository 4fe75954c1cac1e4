"""`sopc run|triage|mcp --engine spark`: the record names the engine, limits hold, only sopc's translation runs.

Real Spark (local[2]) in the one session of the test process, on the demo
exchange written as Parquet files.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import anyio
import pytest
from click.testing import CliRunner
from mcp import Client
from runner_fixtures import SPARK

from compiler.cli import cli
from compiler.files import UsageError
from compiler.mcp.server import build_server
from compiler.runner.database import Database
from compiler.runner.errors import QueryRefused, RunError
from compiler.runner.session import Runs
from compiler.runner.worker import Limits
from compiler.translate import to_spark

ROOT = Path(__file__).resolve().parent.parent
SPARK_ARGS = ["--spark-master", SPARK.master or "", *[f"--spark-conf={k}={v}" for k, v in SPARK.conf]]
WASH_RING = ["-i", "account_id=WR-1", "-i", "start_ts=2026-01-05T00:00:00Z", "-i", "end_ts=2026-01-06T00:00:00Z"]


@pytest.fixture
def demo(demo_parquet: Path) -> Path:
    """The demo exchange at scale 1 as a folder of Parquet files (the equality test's: Spark's views are kept)."""
    return demo_parquet


def sopc(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_a_run_on_spark_ends_as_on_duckdb_and_its_record_names_the_engine(demo: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("replay: {replay_link: 'https://replay.internal/1', mirrored_orders: true, note: Mirrored.}\n")
    reports = {}
    for engine in ("duckdb", "spark"):
        status, output = sopc("run", "wash-trading-linked-accounts", "--skills", str(ROOT / "skills"), "--db",
                              str(demo), *WASH_RING, "--answers", str(answers), "--out", str(tmp_path / engine),
                              "--run-id", "r1", "--no-prompt", "--by", "alex", "--engine", engine,
                              *(SPARK_ARGS if engine == "spark" else []))
        assert status == 4, output  # paused at the escalation's approval, on both engines
        events = [json.loads(line) for line in (tmp_path / engine / "r1" / "events.jsonl").read_text().splitlines()]
        assert events[0]["engine"]["name"] == engine and events[0]["engine"]["version"]
        reports[engine] = json.loads((tmp_path / engine / "r1" / "report.json").read_text())
    assert reports["spark"]["path"] == reports["duckdb"]["path"]
    assert reports["spark"]["steps"][3]["result"] == reports["duckdb"]["steps"][3]["result"]


def test_rows_are_capped_and_counted_as_on_duckdb(demo: Path) -> None:
    listing = "SELECT trade_id FROM trades ORDER BY trade_id"
    found = {}
    for engine in ("duckdb", "spark"):
        database = Database.open(demo, Limits(max_rows=7), spark=SPARK if engine == "spark" else None)
        try:
            found[engine] = database.query(listing, {})
        finally:
            database.close()
    assert len(found["spark"].rows) == 7 and found["spark"].truncated
    assert found["spark"].row_count == found["duckdb"].row_count > 1000
    assert found["spark"].rows == found["duckdb"].rows


def test_only_sopcs_translation_of_a_checked_query_runs(demo: Path) -> None:
    text = "SELECT count(*) AS n FROM trades WHERE maker_account_id = $account_id"
    step = {"text": text, "spark": {"text": to_spark(text).text, "file": "queries/q.spark.sql"}}
    database = Database.open(demo, spark=SPARK)
    try:
        assert database.query_step(step, {"account_id": "WR-1"}).rows[0]["n"] > 0
        edited = {**step, "spark": {**step["spark"], "text": "SELECT count(*) AS n FROM accounts"}}
        with pytest.raises(QueryRefused, match="not this sopc's translation"):
            database.query_step(edited, {"account_id": "WR-1"})
        with pytest.raises(QueryRefused, match="not a canonical exchange table"):
            database.query("SELECT * FROM parquet.`/etc`", {})
    finally:
        database.close()


COMMANDS = {
    "run": ["run", "wash-trading-linked-accounts", *WASH_RING, "--by", "alex", "--out", "runs"],
    "triage": ["triage", "alerts.jsonl", "--out", "runs"],
    "mcp": ["mcp", "--runs", "runs"],
}
"""Each command that runs skills, as it is called here (in a temporary folder, with the library's skills)."""


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(("args", "message"), [
    (["--db", "demo.duckdb"], "reads a folder of <table>.parquet files"),
    (["--spark-conf", "spark.sql.session.timeZone=Europe/Paris"], "is set by sopc (UTC)"),
    (["--spark-conf", "driver.memory"], "write spark.<setting>=<value>"),
    (["--engine", "duckdb"], "--spark-master and --spark-conf need --engine spark"),
])
def test_bad_spark_options_are_one_line_usage_errors(command: str, args: list[str], message: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """run, triage and mcp take the same engine options, and refuse the same mistakes before anything starts."""
    monkeypatch.chdir(tmp_path)
    Path("demo.duckdb").write_bytes(b"")
    Path("alerts.jsonl").write_text("")
    result = CliRunner().invoke(cli, [*COMMANDS[command], "--skills", str(ROOT / "skills"), "--db", "x",
                                      "--engine", "spark", *SPARK_ARGS, *args])
    assert isinstance(result.exception, UsageError) and message in str(result.exception), result.output
    assert not Path("runs").exists()


CHARGEBACK = {"id": "AL-1", "name": "p2p_chargeback_appeal", "ts": "2026-01-06T00:00:00Z",
              "payload": {"subject": {"p2p_order_id": "TP-P0003"}}}
"""A demo case's alert, of an SOP whose runs are short."""


def test_triage_runs_on_spark_as_on_duckdb(demo: Path, tmp_path: Path) -> None:
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text(json.dumps(CHARGEBACK) + "\n")
    found = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / engine
        result = CliRunner().invoke(cli, ["triage", str(alerts), "--db", str(demo), "--out", str(out), "--skills",
                                          str(ROOT / "skills"), "--workers", "1", "--engine", engine,
                                          *(SPARK_ARGS if engine == "spark" else [])])
        assert result.exit_code == 0, result.output
        item = json.loads((out / "queue.json").read_text())["items"][0]
        events = [json.loads(line) for line in (out / "runs" / item["run_id"] / "events.jsonl").read_text().splitlines()]
        assert events[0]["engine"]["name"] == engine
        found[engine] = (item["status"], [e.get("step") for e in events if e["type"] == "step_completed"])
    assert found["spark"] == found["duckdb"] and found["spark"][1], found


def test_mcp_runs_on_spark(demo: Path, tmp_path: Path) -> None:
    """The runner behind `sopc mcp --engine spark` (Runs with Spark's options), driven by the SDK's real client."""
    runs = Runs(demo, tmp_path / "runs", ROOT / "skills", spark=SPARK)

    async def script(client: Client) -> None:
        result = await client.call_tool("start_run", {"sop_id": "p2p-third-party-payment-chargeback",
                                                      "alert": {"name": CHARGEBACK["name"],
                                                                "payload": CHARGEBACK["payload"]}})
        state = result.structured_content
        assert not result.is_error and state is not None and state["status"] != "failed", state
        events = (tmp_path / "runs" / state["run_id"] / "events.jsonl").read_text().splitlines()
        assert json.loads(events[0])["engine"]["name"] == "spark"

    async def main() -> None:
        async with Client(build_server(runs, by="agent")) as client:
            await script(client)

    try:
        anyio.run(main)
    finally:
        runs.close()


def test_a_slow_query_is_stopped_by_cancelling_its_job_group(demo: Path) -> None:
    """Its tasks look for the cancellation between the rows they read: the query stops at its limit."""
    database = Database.open(demo, Limits(timeout_s=2.0), spark=SPARK)
    try:
        database.ready()
        started = time.monotonic()
        with pytest.raises(RunError, match="longer than its limit of 2 s and was stopped"):
            database.query("SELECT count(*) AS n FROM market_bars_1m AS b, trades AS t WHERE b.close + t.qty > 0", {})
        assert time.monotonic() - started < 2.0 + Database.GRACE_S["spark"]
        assert database.query("SELECT count(*) AS n FROM instruments", {}).rows[0]["n"] > 0
    finally:
        database.close()


def test_a_killed_worker_takes_sparks_driver_with_it(demo: Path) -> None:
    """Past its limit and a grace period a query that did not stop is ended by killing its worker (`_kill`, as
    for DuckDB): Spark's driver JVM, the worker's child, must end with it. Last in the session: it ends the
    kept Spark worker."""
    database = Database.open(demo, spark=SPARK)
    try:
        database.ready()
        worker = database._process
        assert worker is not None and worker.pid is not None
        jvms = [int(p) for p in Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()]
        assert jvms and all(b"java" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in jvms)
        database._kill()
        deadline = time.monotonic() + 60
        while any(_alive(pid) for pid in jvms) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in jvms), "Spark's driver outlived its worker"
    finally:
        database.close()


def _alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
