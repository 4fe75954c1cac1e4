"""sopc triage: every alert accounted for, one run per alert whatever was killed when, a queue that validates.

Real parts throughout: demo data in DuckDB, the compiled skills of the
shipped library, alerts made from its scenarios, worker processes, and a
real `sopc triage` process killed with SIGKILL and run again.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from compiler.cli import cli
from compiler.demo.generate import generate
from compiler.resources import schema_json
from compiler.runner.queue import STATUSES, parse_alerts, plan, queue_markdown, run_id_for
from compiler.runner.run import RUN_ID
from compiler.runner.state import replay

ROOT = Path(__file__).resolve().parent.parent
SKILLS = ROOT / "skills"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    generate(path)
    return path


def _alerts(tmp: Path, count: int, extra: list[str] = []) -> Path:  # noqa: B006 -- read only
    target = tmp / "alerts.jsonl"
    result = CliRunner().invoke(cli, ["demo-data", "--alerts", str(target), "--alerts-count", str(count),
                                      "--sops", str(ROOT / "sops")])
    assert result.exit_code == 0, result.output
    with target.open("a", encoding="utf-8") as handle:
        for line in extra:
            handle.write(line + "\n")
    return target


def _triage(alerts: Path, demo: Path, out: Path, workers: int = 2, *options: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["triage", str(alerts), "--db", str(demo), "--out", str(out),
                                      "--skills", str(SKILLS), "--workers", str(workers), *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    queue = json.loads((out / "queue.json").read_text(encoding="utf-8"))
    jsonschema.validate(queue, schema_json("queue.schema.json"))
    return result.exit_code, queue


def _records(out: Path) -> dict[str, list[dict[str, Any]]]:
    return {run.name: [json.loads(line) for line in (run / "events.jsonl").read_text(encoding="utf-8").splitlines()]
            for run in sorted((out / "runs").iterdir()) if not run.name.startswith(".")}


def _one_run_each(records: dict[str, list[dict[str, Any]]]) -> None:
    """Every record starts once, and no step completes twice in it."""
    for run, events in records.items():
        assert [e["type"] for e in events].count("run_started") == 1, run
        done = [e["step"] for e in events if e["type"] == "step_completed"]
        assert len(done) == len(set(done)), (run, done)


BAD_LINES = [
    "not json at all",
    json.dumps(["an", "array"]),
    json.dumps({"id": "A-no-payload", "name": "wash_trade_volume_spike"}),
    json.dumps({"id": "A-unknown", "name": "no_such_alert_anywhere", "ts": "2026-01-06T00:00:00Z", "payload": {}}),
    json.dumps({"id": "A-missing-input", "name": "stp_prevented_match_spike", "payload": {"subject": {}}}),
]


def test_every_alert_is_accounted_for(demo: Path, tmp_path: Path) -> None:
    alerts = _alerts(tmp_path, 40, [*BAD_LINES, json.dumps({"id": "ALERT-000001", "name": "x", "payload": {}})])
    status, queue = _triage(alerts, demo, tmp_path / "q")
    items = queue["items"]
    assert queue["alerts"] == len(items) == 46
    assert [i["line"] for i in items] == list(range(1, 47))
    by_line = {i["line"]: i for i in items}
    assert [by_line[n]["status"] for n in range(41, 47)] == [
        "bad_alert", "bad_alert", "bad_alert", "no_runbook", "refused", "duplicate"]
    assert "carries no value" in by_line[45]["message"] and by_line[45]["sop"] == "wash-trading-linked-accounts"
    assert status == 1  # unreadable lines are worth a non-zero exit
    ran = [i for i in items if i["run_id"]]
    assert len(ran) == 40 and {i["status"] for i in ran} <= set(STATUSES[:5])
    assert len({i["sop"] for i in ran}) == 11, "the demo alerts reach every SOP"
    assert "failed" not in queue["totals"]["by_status"]
    records = _records(tmp_path / "q")
    assert sorted(records) == sorted(i["run_id"] for i in ran)
    _one_run_each(records)
    for item in ran:  # each entry says what its run's own record says, and the run names its alert
        state = replay(records[item["run_id"]])
        assert state.alert == {k: v for k, v in (("id", item["alert_id"]), ("name", item["alert"]), ("ts", item["ts"]))
                               if v is not None}
        assert f"alert {item['alert_id']} ({item['alert']}" in \
            (tmp_path / "q" / "runs" / item["run_id"] / "report.md").read_text(encoding="utf-8")
        if item["status"] == "closed":
            assert (state.status, state.outcome) == ("completed", item["outcome"])
        else:
            assert state.status == ("awaiting_approval" if item["status"] == "awaiting_approval" else "awaiting_answer")
            assert state.waiting and state.waiting["step"] == item["waiting_at"]
    totals = sum(queue["totals"]["by_status"].values())
    assert totals == 46 == sum(sum(c.values()) for c in queue["totals"]["by_sop"].values())


def test_second_triage_starts_nothing(demo: Path, tmp_path: Path) -> None:
    alerts = _alerts(tmp_path, 24)
    _, first = _triage(alerts, demo, tmp_path / "q")
    before = _records(tmp_path / "q")
    _, second = _triage(alerts, demo, tmp_path / "q", workers=1)
    assert _records(tmp_path / "q") == before  # not one event added
    assert first["items"] == second["items"]


def test_killed_triage_finishes_every_alert_once(demo: Path, tmp_path: Path) -> None:
    alerts = _alerts(tmp_path, 60)
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "compiler", "triage", str(alerts), "--db", str(demo), "--out", str(out),
               "--skills", str(SKILLS), "--workers", "2"]
    for wait_for in (3, 25):  # kill it twice, at different depths
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            runs = out / "runs"
            if runs.is_dir() and len(list(runs.iterdir())) >= wait_for:
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not (out / "queue.json").exists() or wait_for > 3
    _, queue = _triage(alerts, demo, out)
    _, clean = _triage(alerts, demo, tmp_path / "clean")
    assert [(i["run_id"], i["status"], i.get("outcome"), i.get("waiting_at")) for i in queue["items"]] == \
        [(i["run_id"], i["status"], i.get("outcome"), i.get("waiting_at")) for i in clean["items"]]
    records = _records(out)
    assert len(records) == 60
    assert [p.name for p in (out / "runs").iterdir() if p.name.startswith(".")] == [], "a killed start is cleared"
    _one_run_each(records)
    result = CliRunner().invoke(cli, ["verify", *[str(out / "runs" / r) for r in records]])
    assert result.exit_code == 0, result.output


def _descendants(pid: int) -> set[int]:
    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with_errors = task.read_text().split() if task.exists() else []
        children |= {int(c) for c in with_errors}
    return children | {d for c in children for d in _descendants(c)}


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def test_a_killed_triage_leaves_no_worker_running(demo: Path, tmp_path: Path) -> None:
    """SIGKILL to the triage process alone (the OOM killer, `kill -9 PID`): its workers end with it, rather
    than run on, holding their runs, while a triage started again runs the same alerts."""
    alerts = _alerts(tmp_path, 40)
    out = tmp_path / "q"
    proc = subprocess.Popen([sys.executable, "-m", "compiler", "triage", str(alerts), "--db", str(demo), "--out",
                             str(out), "--skills", str(SKILLS), "--workers", "2"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "runs").is_dir() and len(list((out / "runs").iterdir())) >= 4:
                break
            time.sleep(0.05)
        workers = _descendants(proc.pid)
        assert proc.poll() is None and len(workers) >= 2, "triage ended before its workers could be seen"
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in workers):
            time.sleep(0.05)
        assert not [p for p in workers if _alive(p)]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    _, queue = _triage(alerts, demo, out)
    assert len(queue["items"]) == 40
    _one_run_each(_records(out))


def test_triage_runs_under_the_limits_it_is_given(demo: Path, tmp_path: Path) -> None:
    """--timeout, --max-rows, --memory, --threads and --max-temp as sopc run takes them; every run records them."""
    _, queue = _triage(_alerts(tmp_path, 6), demo, tmp_path / "q", 1, "--timeout", "30", "--max-rows", "3",
                       "--memory", "256", "--threads", "1", "--max-temp", "64")
    records = _records(tmp_path / "q")
    assert len(records) == 6
    for events in records.values():
        assert events[0]["limits"] == {"timeout_s": 30.0, "max_rows": 3, "memory_mb": 256, "threads": 1,
                                       "temp_mb": 64}
        assert all(len(e["rows"]) <= 3 for e in events if e["type"] == "query_executed")
    # A condition that needs rows past the third stops its run and says why: the limit reached the runner.
    failed = [i["message"] for i in queue["items"] if i["status"] == "failed"]
    assert failed and all("were kept (--max-rows)" in m for m in failed), failed
    refused = CliRunner().invoke(cli, ["triage", str(tmp_path / "alerts.jsonl"), "--db", str(demo), "--out",
                                       str(tmp_path / "r"), "--memory", "10"])
    assert refused.exit_code == 2 and "--memory" in refused.output and not (tmp_path / "r").exists()


def _skill(sop: str, alerts: list[str]) -> dict[str, Any]:
    return {"id": sop, "status": "active", "triggers": [{"alert": a, "when": "", "inputs": {"x": "/x"}} for a in alerts],
            "inputs_schema": {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]},
            "input_checks": [], "thresholds": {}}


def test_plan_names_every_case() -> None:
    skills = [_skill("one", ["shared", "only_one"]), _skill("two", ["shared"]),
              {**_skill("old", ["only_old"]), "status": "deprecated"}]
    lines = [json.dumps({"id": i, "name": n, "payload": {"x": "v"}}).encode()
             for i, n in [("a", "only_one"), ("b", "shared"), ("c", "only_old"), ("d", "nothing")]]
    planned = plan(parse_alerts([*lines, b"\n", b"{", json.dumps({"id": "", "name": "x", "payload": {}}).encode()]),
                   skills)
    assert [(p.line, p.sop, (p.entry or {}).get("status")) for p in planned] == [
        (1, "one", None), (2, None, "several_runbooks"), (3, None, "no_runbook"), (4, None, "no_runbook"),
        (6, None, "bad_alert"), (7, None, "bad_alert")]
    assert planned[1].entry and planned[1].entry["candidates"] == ["one", "two"]
    assert planned[0].inputs == {"x": "v"} and planned[0].run_id == run_id_for("a", "one")


@pytest.mark.parametrize("alert_id", ["A/1", "A 1", "../../etc", "Ä" * 300, "a|b", "-", "."])
def test_run_ids_are_safe_and_distinct(alert_id: str) -> None:
    run_id = run_id_for(alert_id, "wash-trading-linked-accounts")
    assert RUN_ID.fullmatch(run_id) and "/" not in run_id
    assert run_id == run_id_for(alert_id, "wash-trading-linked-accounts")
    assert run_id != run_id_for(alert_id + "x", "wash-trading-linked-accounts")
    assert run_id_for("A/1", "s") != run_id_for("A 1", "s")  # the same once made safe, told apart by the digest


def test_queue_markdown_holds_hostile_text() -> None:
    """Alert ids, names and reasons come from outside: in queue.md they open no link, HTML, heading or cell."""
    from markdown_it import MarkdownIt

    from compiler.runner.queue import queue_document

    hostile = "x|y`*[approve](javascript:alert(1))<b>_#\n## heading"
    lines = [json.dumps({"id": hostile, "name": hostile, "payload": {}}).encode(),
             json.dumps({"id": "ok", "name": hostile, "payload": {}}).encode()]
    text = queue_markdown(queue_document(plan(parse_alerts(lines), []), {}, "alerts.jsonl"))
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in (t.children or [])}
    assert not kinds & {"link_open", "html_inline", "html_block", "image"}, kinds
    assert [t.content for t in tokens if t.type == "inline" and t.map and "heading" in t.content and
            tokens[tokens.index(t) - 1].type == "heading_open"] == []
    rows = [i for i, t in enumerate(tokens) if t.type == "tr_open"]
    cells = [sum(1 for t in tokens[r:] [: next(j for j, u in enumerate(tokens[r:]) if u.type == "tr_close")]
                 if t.type in ("td_open", "th_open")) for r in rows]
    assert cells[-2:] == [7, 7], cells


@pytest.mark.parametrize("command", ["triage", "mcp"])
def test_data_duckdb_cannot_read_is_a_usage_error_before_any_run(tmp_path: Path, command: str) -> None:
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text('{"id": "a1", "name": "wash_trade_ring_detected", "ts": "2026-01-06T00:05:00Z", '
                      '"payload": {}}\n', encoding="utf-8")
    not_duckdb = tmp_path / "exchange.duckdb"
    not_duckdb.write_text("a spreadsheet export, not a database\n", encoding="utf-8")
    args = [str(alerts), "--out", str(tmp_path / "out")] if command == "triage" else []
    result = subprocess.run([sys.executable, "-m", "compiler", command, *args, "--db", str(not_duckdb),
                             "--skills", str(SKILLS)], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("sopc: cannot open") and "not a valid DuckDB database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
