"""`sopc run`: bound parameters, refused writes, approval gates, actions never executed, the record and resuming."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import pytest
from runner_fixtures import ANSWERS, EXPECTED_PATH, kill_and_resume, make_db, probe_skill, trade

from compiler.files import UsageError
from compiler.resources import schema_json
from compiler.runner.answers import GivenAnswers
from compiler.runner.database import Database, connect
from compiler.runner.errors import QueryRefused, RunError
from compiler.runner.events import read_events
from compiler.runner.inputs import checked_inputs
from compiler.runner.run import Finished, read_skill, resume, start
from compiler.runner.worker import Limits

REPO = Path(__file__).resolve().parent.parent
SOPC = [sys.executable, "-m", "compiler"]
RING = {"trades": [trade(1, "A1", "A1", 30000.0), trade(2, "A1", "A1", 20000.0), trade(3, "B1", "A1", 5000.0)]}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_probe(tmp_path: Path, db: Path, answers: dict[str, Any] | None = None, account: str = "A1",
              **skill_changes: Any) -> Finished:
    skill = probe_skill(**skill_changes)
    return start(skill, Database.open(db), {"account_id": account}, GivenAnswers(answers or {}),
                 tmp_path / "runs", started_by="alex", run_id="r1")


def events_of(finished: Finished) -> list[dict[str, Any]]:
    return read_events(finished.folder / "events.jsonl")[0]


@pytest.fixture()
def ring_db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "ring.duckdb", RING)


def test_a_complete_run_records_every_step_and_reports_the_figures(tmp_path: Path, ring_db: Path) -> None:
    finished = run_probe(tmp_path, ring_db, ANSWERS)
    assert finished.state.status == "completed" and finished.state.outcome == "escalated"
    assert finished.state.path == EXPECTED_PATH
    events = events_of(finished)
    validator = jsonschema.Draft202012Validator(schema_json("run.schema.json"))
    for event in events:
        assert not list(validator.iter_errors(event)), event
    query = next(e for e in events if e["type"] == "query_executed")
    assert query["rows"] == [{"trades": 2, "self_usd": 50000.0}] and query["row_count"] == 1
    decision = next(e for e in events if e["type"] == "condition_evaluated" and e["step"] == "assess")
    assert decision["reads"] == {"self_volume.rows[0].self_usd": 50000.0, "thresholds.min_self_usd": 10000}
    report = json.loads((finished.folder / "report.json").read_text())
    jsonschema.Draft202012Validator(probe_skill()["findings_schema"]).validate(report)
    assert report["recommended_actions"] == [{"step": "restrict", "action": "close_only", "target": "A1",
                                              "reversible": True, "reason_code": "SELF_TRADING",
                                              "approved_by": ["dana"], "executed": False}]
    markdown = (finished.folder / "report.md").read_text()
    for fact in ("**Result:** Escalated.", "self usd 50,000 USD ≥ 10,000 USD (min self usd): met",
                 "approved by dana and lee (risk-manager)", "| close_only | A1 | yes |", "Mirrored orders."):
        assert fact in markdown


@pytest.mark.parametrize("hostile", ["x' OR '1'='1", "A1'; DROP TABLE trades; --", "A1\\' OR 1=1 --"])
def test_inputs_are_bound_never_spliced(tmp_path: Path, ring_db: Path, hostile: str) -> None:
    before = digest(ring_db)
    finished = run_probe(tmp_path, ring_db, ANSWERS, account=hostile)
    query = next(e for e in events_of(finished) if e["type"] == "query_executed")
    assert query["rows"] == [{"trades": 0, "self_usd": 0.0}]
    assert query["parameters"] == {"account_id": hostile}
    assert finished.state.outcome == "no_action"
    assert digest(ring_db) == before
    with duckdb.connect(str(ring_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM trades").fetchone() == (3,)


@pytest.mark.parametrize("statement", [
    "DROP TABLE trades",
    "INSERT INTO trades (trade_id) VALUES ('X')",
    "COPY trades TO '/tmp/sopc-stolen.csv'",
    "ATTACH '/tmp/sopc-other.duckdb' AS other",
    "INSTALL httpfs",
    "SELECT count(*) AS trades, 0 AS self_usd FROM trades; DROP TABLE trades",
    "SELECT count(*) AS trades, 0 AS self_usd FROM read_csv('/etc/passwd')",
    "UPDATE accounts SET status = 'x'",
])
def test_a_write_or_file_access_is_refused_before_it_runs(tmp_path: Path, ring_db: Path, statement: str) -> None:
    before = digest(ring_db)
    finished = run_probe(tmp_path, ring_db, ANSWERS, sql=statement)
    assert finished.state.status == "failed" and finished.state.failed_step == "self_volume"
    assert "refused before it ran" in str(finished.state.error)
    assert not any(e["type"] == "query_executed" for e in events_of(finished))
    assert digest(ring_db) == before
    assert not Path("/tmp/sopc-stolen.csv").exists() and not Path("/tmp/sopc-other.duckdb").exists()


def test_the_connection_itself_is_read_only(ring_db: Path) -> None:
    """Even a statement that got past the check could not write: the worker opens the file read-only."""
    connection = connect(("file", str(ring_db)), Limits().settings())
    with pytest.raises(duckdb.Error, match="read-only"):
        connection.execute("CREATE TABLE x (a INT)")
    connection.close()


def test_an_approval_gate_stops_the_run_until_someone_approves(tmp_path: Path, ring_db: Path) -> None:
    first = run_probe(tmp_path, ring_db, {"review": ANSWERS["review"]})
    assert first.state.status == "awaiting_approval" and first.state.waiting
    assert first.state.waiting["step"] == "escalate" and first.state.waiting["count"] == 2
    kinds = [e["type"] for e in events_of(first)]
    assert "escalation_recorded" not in kinds and "action_recommended" not in kinds
    assert json.loads((first.folder / "report.json").read_text())["status"] == "awaiting_approval"

    refused = {**ANSWERS, "escalate": {"approved": True, "by": ["dana"], "role": "risk-manager"}}
    second = resume(first.folder, GivenAnswers(refused), by="alex")
    assert second.state.status == "awaiting_approval"
    assert second.state.waiting and "needs 2 distinct approvers" in second.state.waiting["problems"][0]

    for bad, why in [({"approved": True, "by": ["ALEX", "lee"], "role": "risk-manager"}, "cannot approve it"),
                     ({"approved": True, "by": ["lee", " Lee"], "role": "risk-manager"}, "2 distinct approvers"),
                     ({"approved": True, "by": ["dana", "lee"], "role": "analyst"}, "needs an approver with role")]:
        again = resume(first.folder, GivenAnswers({**ANSWERS, "escalate": bad}), by="alex")
        assert again.state.waiting and any(why in p for p in again.state.waiting["problems"])

    resumer_approves = resume(first.folder, GivenAnswers(ANSWERS), by="Dana ")
    assert resumer_approves.state.waiting
    assert any("'dana' is running this run" in p for p in resumer_approves.state.waiting["problems"])

    done = resume(first.folder, GivenAnswers(ANSWERS), by="sam")
    assert done.state.status == "completed" and done.state.path == EXPECTED_PATH


def test_a_refused_approval_ends_the_run_without_an_outcome(tmp_path: Path, ring_db: Path) -> None:
    answers = {**ANSWERS, "escalate": {"approved": False, "by": ["dana", "lee"], "role": "risk-manager"}}
    finished = run_probe(tmp_path, ring_db, answers)
    assert finished.state.status == "approval_refused" and finished.state.outcome is None
    assert finished.report["outcome"] == "approval_refused" and finished.report["status"] == "approval_refused"
    jsonschema.Draft202012Validator(probe_skill()["findings_schema"]).validate(finished.report)
    assert finished.report["steps"][-1]["status"] == "refused"
    assert "the approval at step “Escalate to Compliance” was refused by dana and lee" in finished.report["summary"]
    with pytest.raises(UsageError, match="already ended"):
        resume(finished.folder, GivenAnswers(ANSWERS), by="sam")


def test_an_action_is_recorded_never_executed(tmp_path: Path, ring_db: Path) -> None:
    before = digest(ring_db)
    finished = run_probe(tmp_path, ring_db, ANSWERS)
    action = next(e for e in events_of(finished) if e["type"] == "action_recommended")
    assert action["executed"] is False and action["target"] == "A1"
    assert digest(ring_db) == before
    with duckdb.connect(str(ring_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM account_actions").fetchone() == (0,)


def test_a_wrong_answer_pauses_with_the_reason(tmp_path: Path, ring_db: Path) -> None:
    finished = run_probe(tmp_path, ring_db, {"review": {"note": "x", "mirrored": "yes"}})
    assert finished.state.status == "awaiting_answer" and finished.state.waiting
    assert any("not of type 'boolean'" in p for p in finished.state.waiting["problems"])


def test_a_condition_that_cannot_be_evaluated_stops_the_run(tmp_path: Path, ring_db: Path) -> None:
    finished = run_probe(tmp_path, ring_db, ANSWERS, condition="self_volume.rows[1].trades > 0")
    assert finished.state.status == "failed" and finished.state.failed_step == "known"
    assert "index is out of range" in str(finished.state.error)


def test_inputs_are_checked_before_anything_runs(tmp_path: Path, ring_db: Path) -> None:
    skill = probe_skill()
    with pytest.raises(UsageError, match="inputs do not fit"):
        start(skill, Database.open(ring_db), {"account_id": 7}, GivenAnswers({}), tmp_path / "runs",
              started_by="alex", run_id="r1")
    assert not (tmp_path / "runs").exists()


def test_input_checks_refuse_a_window_that_ends_before_it_starts(tmp_path: Path, ring_db: Path) -> None:
    """The wash-trading skill's input check: a reversed window would find nothing and close the case; it is refused."""
    skill = read_skill(REPO / "skills" / "wash-trading-linked-accounts" / "skill.json")[0]
    window = {"account_id": "A1", "start_ts": "2026-01-06T00:00:00Z", "end_ts": "2026-01-05T00:00:00Z"}
    with pytest.raises(UsageError, match=r"review window must end after it starts; .* \(inputs.end_ts > inputs.start_ts does not hold\)"):
        start(skill, Database.open(ring_db), window, GivenAnswers({}), tmp_path / "runs", started_by="alex")
    assert not (tmp_path / "runs").exists()
    broken = {**skill, "input_checks": [{"require": "inputs.end_ts > inputs.nothing", "message": "Broken check."}]}
    with pytest.raises(UsageError, match=r"Broken check\. \(cannot evaluate"):
        start(broken, Database.open(ring_db), {**window, "end_ts": "2026-01-07T00:00:00Z"}, GivenAnswers({}),
              tmp_path / "runs", started_by="alex")
    fine = start(skill, Database.open(ring_db), {**window, "end_ts": "2026-01-07T00:00:00Z"}, GivenAnswers({}),
                 tmp_path / "runs", started_by="alex", run_id="ok")
    assert fine.state.status != "failed"


@pytest.mark.parametrize("query", [
    "SELECT * FROM (WITH secrets AS (SELECT 1 AS x) SELECT * FROM secrets) AS a, secrets",
    "WITH t AS (SELECT * FROM secrets), secrets AS (SELECT 1 AS x) SELECT * FROM t",
    "WITH secrets AS (SELECT * FROM secrets) SELECT * FROM secrets",
    "SELECT * FROM (SHOW secrets)",
    "SELECT * FROM (DESCRIBE trades)",
    "SELECT current_setting('allowed_directories') AS d",
    "SELECT * FROM main.secrets",
    "SELECT 1" + " + 1" * 1500 + " AS x",  # deeper than DuckDB's parser allows
])
def test_queries_that_reach_outside_the_exchange_tables_are_refused(tmp_path: Path, query: str) -> None:
    """CTE names count only where DuckDB scopes them; catalog reads and settings are refused; so is a query too
    deep to check."""
    db = make_db(tmp_path / "x.duckdb", RING)
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE secrets (api_key VARCHAR); INSERT INTO secrets VALUES ('sk-secret')")
    database = Database.open(db)
    with pytest.raises(QueryRefused):
        database.query(query, {})
    database.close()


def test_a_deep_query_runs_or_is_refused_but_never_crashes_the_check(ring_db: Path) -> None:
    """Whether Python's JSON decoder can read DuckDB's tree of 600 nested additions depends on the stack in use."""
    database = Database.open(ring_db)
    try:
        assert database.query("SELECT 1" + " + 1" * 600 + " AS x", {}).rows == ({"x": 601},)
    except QueryRefused as err:
        assert "nested too deeply to check" in str(err)
    finally:
        database.close()


@pytest.mark.parametrize("query", [
    "WITH b AS (SELECT 1 AS x), a AS (SELECT * FROM b) SELECT * FROM a",
    "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT count(*) AS n FROM r",
    "WITH b AS (SELECT 1 AS x) SELECT (SELECT max(x) FROM b) AS m FROM (SELECT * FROM b) AS s",
    "WITH trades AS (SELECT * FROM trades WHERE maker_account_id = 'A1') SELECT count(*) AS n FROM trades",
])
def test_queries_using_their_own_ctes_run(ring_db: Path, query: str) -> None:
    database = Database.open(ring_db)
    assert database.query(query, {}).row_count >= 1
    database.close()


def test_a_failed_sync_is_a_one_line_error_and_is_tried_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compiler.runner.events import EventLog

    log = EventLog.create(tmp_path / "events.jsonl")
    log.append("run_started")
    calls: list[int] = []

    def failing(fd: int) -> None:
        calls.append(fd)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fdatasync", failing)
    log.sync(wait=False)  # fails on the helper thread...
    with pytest.raises(RunError, match=r"cannot sync the run record .*Input/output error"):
        log.sync()  # ...and says so at the next sync, which tries again
    with pytest.raises(RunError, match=r"cannot sync the run record .*Input/output error"):
        log.sync()
    monkeypatch.undo()
    log.close()  # the failed syncs left the record unsynced: closing syncs it
    first = json.loads((tmp_path / "events.jsonl").read_text().splitlines()[0])  # a bare event, not a whole run
    assert len(calls) >= 2 and first["type"] == "run_started"


def test_a_start_that_fails_after_creating_the_record_releases_it(tmp_path: Path, ring_db: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import compiler.runner.run as run_module

    def full(path: Path, data: bytes, **_: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run_module, "write_atomic", full)
    with pytest.raises(UsageError, match="No space left on device"):
        start(probe_skill(), Database.open(ring_db), {"account_id": "A1"}, GivenAnswers({}), tmp_path / "runs",
              started_by="alex", run_id="r1")
    assert list((tmp_path / "runs").iterdir()) == []  # no half-made folder: the run id can be used again
    monkeypatch.undo()
    again = start(probe_skill(), Database.open(ring_db), {"account_id": "A1"}, GivenAnswers({}), tmp_path / "runs",
                  started_by="alex", run_id="r1")
    assert again.state.status == "awaiting_answer"


def test_verify_finds_a_record_cut_at_its_end_replaced_or_edited(tmp_path: Path, ring_db: Path) -> None:
    """The chain shows edits inside a record; the report's event count and last hash show a cut or a swap at its end."""
    from compiler.runner.events import EventLog
    from compiler.runner.verify import verify

    whole = run_probe(tmp_path, ring_db, ANSWERS)
    record = whole.folder / "events.jsonl"
    lines = record.read_bytes().splitlines(keepends=True)
    verdict = verify(whole.folder)
    assert verdict.intact, verdict.problems
    assert f"record: {len(lines)} events, chain intact" in verdict.facts[0]

    cases: dict[str, bytes] = {"cut": b"".join(lines[:-2]), "torn": b"".join(lines) + b'{"seq": 99'}
    for name, data in cases.items():
        folder = tmp_path / name
        shutil.copytree(whole.folder, folder)
        (folder / "events.jsonl").write_bytes(data)
    replaced = tmp_path / "replaced"
    shutil.copytree(whole.folder, replaced)
    (replaced / "events.jsonl").write_bytes(b"".join(lines[:-1]))
    log, _, _ = EventLog.reopen(replaced / "events.jsonl")
    log.append("run_ended", status="completed", outcome="no_action", path=[])  # a well-chained, different end
    log.close()
    edited = tmp_path / "edited"
    shutil.copytree(whole.folder, edited)
    (edited / "skill.json").write_text((edited / "skill.json").read_text().replace("Probe", "Probe!"))
    rewritten = tmp_path / "rewritten"
    shutil.copytree(whole.folder, rewritten)
    report = json.loads((rewritten / "report.json").read_text())
    report["outcome"] = "no_action"  # the record and its hash untouched: only the report says otherwise
    (rewritten / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (rewritten / "report.md").write_text("# Findings\n\nNothing found.\n")

    assert f"the record was cut: report.json was written from {len(lines)} events, the record holds " \
           f"{len(lines) - 2}" in verify(tmp_path / "cut").problems
    assert any("torn line" in p for p in verify(tmp_path / "torn").problems)
    assert any("the record was replaced" in p for p in verify(replaced).problems)
    assert any("skill.json is not the file the run started with" in p for p in verify(edited).problems)
    assert verify(rewritten).problems == ("report.json is not the report this record gives: it was edited or "
                                          "replaced", "report.md is not the report this record gives: it was edited "
                                          "or replaced")
    assert verify(tmp_path / "nothing-here").problems == ("it holds no run record (events.jsonl)",)

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ok = subprocess.run([*SOPC, "verify", str(whole.folder)], env=env, capture_output=True, text=True)
    bad = subprocess.run([*SOPC, "verify", str(whole.folder), str(tmp_path / "cut")], env=env, capture_output=True,
                         text=True)
    assert ok.returncode == 0 and "intact" in ok.stdout
    assert bad.returncode == 1 and "problem: the record was cut" in bad.stdout and "Traceback" not in bad.stderr


def test_typed_text_becomes_its_type_or_stays_text_for_the_schema_to_report() -> None:
    from compiler.runner.inputs import parse_pairs
    from compiler.runner.values import typed

    assert [typed("yes", {"type": "boolean"}), typed(" 12 ", {"type": "integer"}), typed("1.5", {"type": "number"}),
            typed("a, b", {"type": "array"}), typed('["a"]', {"type": "array"})] == [True, 12, 1.5, ["a", "b"], ["a"]]
    assert [typed("maybe", {"type": "boolean"}), typed("12x", {"type": "integer"}), typed("[1", {"type": "array"})] \
        == ["maybe", "12x", "[1"]
    skill = {"inputs_schema": {"type": "object", "additionalProperties": False, "required": ["n", "ok", "x"],
                               "properties": {"n": {"type": "integer"}, "ok": {"type": "boolean"},
                                              "x": {"type": "number"}}},
             "thresholds": {}}
    with pytest.raises(UsageError) as raised:
        checked_inputs(parse_pairs(["n=12x", "ok=maybe", "x=nan"], skill["inputs_schema"]), skill)
    message = str(raised.value)
    assert "n: '12x' is not of type 'integer'" in message and "ok: 'maybe' is not of type 'boolean'" in message
    assert "x: nan is not a number the record can hold" in message
    with pytest.raises(UsageError, match="n: 99999999999999999999 is outside the 64-bit integers"):
        checked_inputs(parse_pairs(["n=99999999999999999999", "ok=yes", "x=1"], skill["inputs_schema"]), skill)
    assert [typed("١٢", {"type": "integer"}), typed("1_000", {"type": "integer"}),
            typed('{"a": 1, "b": 2}', {"type": "array"})] == ["١٢", "1_000", '{"a": 1, "b": 2}']


def test_the_same_file_opens_twice_in_one_process(ring_db: Path) -> None:
    """DuckDB shares one instance per file, settings already locked: a second run on it still opens."""
    first, second = Database.open(ring_db), Database.open(ring_db)
    for database in (first, second):
        found = database.query("SELECT count(*) AS n FROM trades", {})
        assert found.rows == ({"n": 3},)
    first.close()
    second.close()


def test_a_slow_query_is_stopped_at_its_time_limit(tmp_path: Path) -> None:
    db = make_db(tmp_path / "big.duckdb", RING, background_trades=200_000)
    slow = "SELECT count(*) AS trades, 0 AS self_usd FROM trades AS a, trades AS b WHERE a.qty + b.qty > 0"
    skill = probe_skill(sql=slow)
    finished = start(skill, Database.open(db, Limits(timeout_s=0.3)), {"account_id": "A1"}, GivenAnswers({}),
                     tmp_path / "runs", started_by="alex", run_id="r1")
    assert finished.state.status == "failed"
    assert "longer than its limit of 0.3 s" in str(finished.state.error)


def test_rows_kept_as_evidence_are_capped_and_the_count_is_exact(tmp_path: Path) -> None:
    db = make_db(tmp_path / "big.duckdb", RING, background_trades=5000)
    listing = "SELECT trade_id AS trades, notional_usd AS self_usd FROM trades ORDER BY trade_id"
    skill = probe_skill(sql=listing, condition="self_volume.row_count > 0")
    finished = start(skill, Database.open(db, Limits(max_rows=7)), {"account_id": "A1"}, GivenAnswers({}),
                     tmp_path / "runs", started_by="alex", run_id="r1")
    query = next(e for e in events_of(finished) if e["type"] == "query_executed")
    assert len(query["rows"]) == 7 and query["row_count"] == 5003 and query["truncated"] is True


def test_a_folder_of_parquet_or_csv_files_is_read_like_a_database(tmp_path: Path, ring_db: Path) -> None:
    for fmt in ("parquet", "csv"):
        folder = tmp_path / fmt
        folder.mkdir()
        with duckdb.connect(str(ring_db), read_only=True) as con:
            con.execute(f"COPY trades TO '{folder / ('trades.' + fmt)}' (FORMAT {fmt})")
        finished = start(probe_skill(), Database.open(folder), {"account_id": "A1"}, GivenAnswers(ANSWERS),
                         tmp_path / fmt / "runs", started_by="alex", run_id="r1")
        assert finished.state.outcome == "escalated", fmt
        assert finished.state.results["self_volume"]["rows"] == [{"trades": 2, "self_usd": 50000.0}]


def test_an_edited_record_no_longer_verifies(tmp_path: Path, ring_db: Path) -> None:
    first = run_probe(tmp_path, ring_db, {"review": ANSWERS["review"]})
    record = first.folder / "events.jsonl"
    lines = record.read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace('"trades":2', '"trades":0')
    record.write_text("".join(lines))
    with pytest.raises(UsageError, match="hash chain breaks"):
        resume(first.folder, GivenAnswers(ANSWERS), by="sam")


def test_a_torn_last_line_is_dropped_when_resuming(tmp_path: Path, ring_db: Path) -> None:
    first = run_probe(tmp_path, ring_db, {"review": ANSWERS["review"]})
    record = first.folder / "events.jsonl"
    complete = record.read_bytes()
    with record.open("ab") as handle:
        handle.write(b'{"seq": 99, "type": "step_sta')
    done = resume(first.folder, GivenAnswers(ANSWERS), by="sam")
    assert done.state.status == "completed"
    assert record.read_bytes().startswith(complete)
    resumed = next(e for e in events_of(done) if e["type"] == "run_resumed")
    assert resumed["discarded_torn_bytes"] == len(b'{"seq": 99, "type": "step_sta')


def _completed_steps(events: list[dict[str, Any]]) -> list[str]:
    return [e["step"] for e in events if e["type"] == "step_completed"]


def test_a_run_killed_mid_way_resumes_without_losing_or_repeating_a_step(tmp_path: Path) -> None:
    """SIGKILL a real `sopc run` (at its start, and while DuckDB works); resuming finishes it with each step once."""
    heavy = ("SELECT count(*) FILTER (WHERE a.maker_account_id = $account_id AND a.taker_account_id = $account_id) "
             "AS trades, coalesce(sum(a.notional_usd) FILTER (WHERE a.maker_account_id = $account_id AND "
             "a.taker_account_id = $account_id), 0) AS self_usd FROM trades AS a JOIN trades AS b "
             "ON a.trade_id = b.trade_id")
    db = make_db(tmp_path / "big.duckdb", RING, background_trades=3_000_000)
    for stop_after in (1, 2):  # run_started; the query step started (DuckDB is working)
        before, record = kill_and_resume(tmp_path, probe_skill(sql=heavy), db, ANSWERS, stop_after)
        events, torn = read_events(record)
        assert torn == 0
        assert record.read_bytes().startswith(before.rpartition(b"\n")[0])
        assert _completed_steps(events) == EXPECTED_PATH
        assert events[-1]["type"] == "run_ended" and events[-1]["outcome"] == "escalated"
    shutil.rmtree(tmp_path / "runs")


def test_a_run_resumes_from_every_point_of_its_record(tmp_path: Path, ring_db: Path) -> None:
    """Cut a finished record after each event, and inside each event: every cut resumes to the same end, each step once."""
    whole = run_probe(tmp_path, ring_db, ANSWERS)
    lines = (whole.folder / "events.jsonl").read_bytes().splitlines(keepends=True)
    assert len(lines) > 20
    for kept in range(1, len(lines)):
        for torn in (b"", lines[kept][: len(lines[kept]) // 2]):
            folder = tmp_path / "cuts" / f"{kept}-{len(torn)}"
            folder.mkdir(parents=True)
            shutil.copy(whole.folder / "skill.json", folder / "skill.json")
            (folder / "events.jsonl").write_bytes(b"".join(lines[:kept]) + torn)
            done = resume(folder, GivenAnswers(ANSWERS), by="sam")
            events = read_events(folder / "events.jsonl")[0]
            assert done.state.status == "completed" and done.state.path == EXPECTED_PATH, (kept, done.state.error)
            assert _completed_steps(events) == EXPECTED_PATH, kept
            assert [e["type"] for e in events].count("run_ended") == 1 and events[-1]["type"] == "run_ended"
            assert (folder / "events.jsonl").read_bytes().startswith(b"".join(lines[:kept]))


def test_a_run_killed_before_its_reports_gets_them_on_resume(tmp_path: Path, ring_db: Path) -> None:
    """The record says the run ended but the reports were never written: resuming writes the same reports."""
    whole = run_probe(tmp_path, ring_db, ANSWERS)
    reports = {name: (whole.folder / name).read_bytes() for name in ("report.json", "report.md")}
    for name in reports:
        (whole.folder / name).unlink()
    again = resume(whole.folder, GivenAnswers({}), by="sam")
    assert again.state.status == "completed"
    assert {name: (whole.folder / name).read_bytes() for name in reports} == reports
    with pytest.raises(UsageError, match="already ended"):
        resume(whole.folder, GivenAnswers({}), by="sam")


def test_the_cli_reports_status_and_exit_codes(tmp_path: Path, ring_db: Path) -> None:
    skills = tmp_path / "skills" / "probe-self-trading"
    skills.mkdir(parents=True)
    (skills / "skill.json").write_text(json.dumps(probe_skill()))
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOPC_USER": "alex"}
    base = [*SOPC, "run", "probe-self-trading", "--db", str(ring_db), "--skills", str(tmp_path / "skills"),
            "--out", str(tmp_path / "runs"), "--no-prompt"]
    paused = subprocess.run([*base, "-i", "account_id=A1", "--run-id", "p"], env=env, capture_output=True, text=True)
    assert paused.returncode == 4 and "waiting at review for an answer" in paused.stdout
    assert re.search(r"record: \d+ events, last line sha256:[0-9a-f]{64}", paused.stdout)
    for args, message in [(["-i", "acount_id=A1"], "no such input"), (["-i", "account_id"], "write name=value"),
                          ([], "account_id"), (["-i", "account_id=A1", "--run-id", "p"], "never overwritten")]:
        bad = subprocess.run([*base, *args], env=env, capture_output=True, text=True)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
    missing = subprocess.run([*SOPC, "run", "nope", "--db", str(ring_db), "--skills", str(tmp_path / "skills")],
                             env=env, capture_output=True, text=True)
    assert missing.returncode == 2 and "no compiled skill" in missing.stderr
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"not a database" * 1000)
    unreadable = subprocess.run([*SOPC, "run", "probe-self-trading", "--db", str(broken), "--skills",
                                 str(tmp_path / "skills"), "--out", str(tmp_path / "runs"), "-i", "account_id=A1",
                                 "--run-id", "b", "--no-prompt"], env=env, capture_output=True, text=True)
    assert unreadable.returncode == 2 and "cannot open" in unreadable.stderr, unreadable.stderr
    assert "Traceback" not in unreadable.stderr and not (tmp_path / "runs" / "b").exists()


def test_on_a_terminal_the_runner_asks_for_answers_and_approvals(tmp_path: Path, ring_db: Path) -> None:
    """A real pseudo-terminal: the analyst types the evidence and two approvers at the prompts."""
    import pty

    skills = tmp_path / "skills" / "probe-self-trading"
    skills.mkdir(parents=True)
    (skills / "skill.json").write_text(json.dumps(probe_skill()))
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"restrict": ANSWERS["restrict"]}))
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [*SOPC, "run", "probe-self-trading", "--db", str(ring_db), "-i", "account_id=A1", "--skills",
         str(tmp_path / "skills"), "--out", str(tmp_path / "runs"), "--run-id", "tty", "--answers", str(answers)],
        stdin=follower, stdout=follower, stderr=follower, env={**os.environ, "PYTHONPATH": str(REPO),
                                                               "SOPC_USER": "alex"})
    os.close(follower)
    typed = {"review.note": "Orders mirrored within a second.", "review.mirrored": "yes",
             "approve 'escalate'": "dana, lee", "approved?": "yes", "note (optional)": "four eyes"}
    seen = b""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        seen += chunk
        for prompt, reply in list(typed.items()):
            if prompt.encode() in seen.rsplit(b"\n", 1)[-1]:
                os.write(leader, reply.encode() + b"\n")
                seen += b"\n"
                del typed[prompt]
    process.wait(timeout=10)
    os.close(leader)
    assert process.returncode == 0, seen.decode(errors="replace")
    report = json.loads((tmp_path / "runs" / "tty" / "report.json").read_text())
    assert report["outcome"] == "escalated"
    review = next(s for s in report["steps"] if s["step"] == "review")
    assert review["result"] == {"note": "Orders mirrored within a second.", "mirrored": True}
    escalate = next(s for s in report["steps"] if s["step"] == "escalate")
    assert escalate["approved_by"] == ["dana", "lee"] and escalate["note"] == "four eyes"


def test_a_changed_skill_file_is_not_resumed(tmp_path: Path, ring_db: Path) -> None:
    first = run_probe(tmp_path, ring_db, {"review": ANSWERS["review"]})
    kept = first.folder / "skill.json"
    skill = json.loads(kept.read_text())
    for step in skill["steps"]:
        step["approval"] = None  # an attempt to remove the gates
    kept.write_text(json.dumps(skill, indent=2) + "\n")
    with pytest.raises(UsageError, match="changed since the run started"):
        resume(first.folder, GivenAnswers(ANSWERS), by="sam")


def test_a_run_killed_after_its_last_step_ends_on_resume(tmp_path: Path, ring_db: Path) -> None:
    finished = run_probe(tmp_path, ring_db, ANSWERS)
    record = finished.folder / "events.jsonl"
    lines = record.read_bytes().splitlines(keepends=True)
    assert b'"run_ended"' in lines[-1]
    record.write_bytes(b"".join(lines[:-1]))
    done = resume(finished.folder, GivenAnswers({}), by="sam")
    assert done.state.status == "completed" and done.state.outcome == "escalated"
    assert done.report["record"]["events"] == len(read_events(record)[0])


def test_a_killed_step_is_not_recorded_twice(tmp_path: Path, ring_db: Path) -> None:
    finished = run_probe(tmp_path, ring_db, ANSWERS)
    record = finished.folder / "events.jsonl"
    lines = record.read_bytes().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if b'"action_recommended"' in line) + 1
    record.write_bytes(b"".join(lines[:cut]))
    done = resume(finished.folder, GivenAnswers(ANSWERS), by="sam")
    assert len(done.report["recommended_actions"]) == 1 and len(done.report["escalations"]) == 1


def test_only_one_process_writes_a_record(tmp_path: Path, ring_db: Path) -> None:
    from compiler.runner.events import EventLog

    first = run_probe(tmp_path, ring_db, {"review": ANSWERS["review"]})
    holder, _, _ = EventLog.reopen(first.folder / "events.jsonl")
    try:
        with pytest.raises(UsageError, match="another sopc process"):
            resume(first.folder, GivenAnswers(ANSWERS), by="sam")
    finally:
        holder.close()
    assert resume(first.folder, GivenAnswers(ANSWERS), by="sam").state.status == "completed"


def test_values_the_record_cannot_hold_are_refused(tmp_path: Path, ring_db: Path) -> None:
    with pytest.raises(UsageError, match="not valid UTF-8"):
        run_probe(tmp_path, ring_db, ANSWERS, account="A\udcff")
    finished = run_probe(tmp_path, ring_db, {"review": {"note": float("nan"), "mirrored": True}})
    assert finished.state.waiting and any("not of type" in p or "number" in p
                                          for p in finished.state.waiting["problems"])


def test_a_condition_may_not_read_rows_the_record_left_out(tmp_path: Path) -> None:
    db = make_db(tmp_path / "big.duckdb", RING, background_trades=50)
    listing = "SELECT trade_id AS trades, notional_usd AS self_usd FROM trades ORDER BY trade_id"
    skill = probe_skill(sql=listing, condition="self_volume.rows.exists(r, r.self_usd > 1.0)")
    finished = start(skill, Database.open(db, Limits(max_rows=5)), {"account_id": "A1"}, GivenAnswers({}),
                     tmp_path / "runs", started_by="alex", run_id="r1")
    assert finished.state.status == "failed" and "only 5 of its 53 rows were kept" in str(finished.state.error)


def test_int_and_double_compare_both_ways(tmp_path: Path, ring_db: Path) -> None:
    finished = run_probe(tmp_path, ring_db, ANSWERS, condition="self_volume.rows[0].trades >= 0.5 && "
                                                              "1.0 <= self_volume.rows[0].trades")
    assert finished.state.results["known"] == {"passed": True}


def test_time_zone_aware_results_are_read_as_utc(tmp_path: Path, ring_db: Path) -> None:
    aware = ("SELECT count(*) AS trades, coalesce(sum(notional_usd), 0) AS self_usd, "
             "max(ts)::TIMESTAMPTZ AS last_ts FROM trades "
             "WHERE maker_account_id = $account_id AND taker_account_id = $account_id")
    finished = run_probe(tmp_path, ring_db, ANSWERS, sql=aware)
    assert finished.state.status == "completed", finished.state.error
    assert finished.state.results["self_volume"]["rows"][0]["last_ts"] == "2026-01-05T01:00:00Z"
