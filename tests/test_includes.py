"""Include steps and declared refusals in the runner: the included skill runs in the caller's record, resumes from
any point (cut records and real SIGKILLs) and verifies; a gate's on_refused routes the run to an outcome."""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from runner_fixtures import SOP_HEADER, SOPC, kill_and_resume, make_db, trade

from compiler.check import check_files
from compiler.resources import schema_json
from compiler.runner.answers import GivenAnswers
from compiler.runner.coverage import Coverage, coverage, included
from compiler.runner.database import Database
from compiler.runner.events import read_events
from compiler.runner.includes import canonical_sha256
from compiler.runner.run import resume, start
from compiler.runner.verify import verify
from compiler.skill.compile import compile_skill

HEADER = SOP_HEADER + "summary: A small SOP for the include tests.\n"
INNER = HEADER + """\
id: probe-inner
title: Volume of one account
inputs:
  account_id: {type: string, description: The account.}
steps:
  - id: volume
    kind: query
    title: Measure the account's volume
    sql: |
      SELECT count(*) AS trades, coalesce(sum(notional_usd), 0) AS usd
      FROM trades WHERE maker_account_id = $account_id OR taker_account_id = $account_id
    next: seen
  - id: seen
    kind: check
    title: The account traded
    condition: volume.rows[0].trades > 0
    on_pass: {next: confirm}
    on_fail: {outcome: none}
  - id: confirm
    kind: manual
    title: Confirm the trades are the account's own
    actor: analyst
    instruction: Look at the trades.
    evidence: {note: {type: text, description: What was seen.}}
    outcome: found
outcomes:
  none: {title: No trades}
  found: {title: Trades found}
"""
CALLER = HEADER + """\
id: probe-caller
title: Restrict an account whose included volume is material
inputs:
  account_id: {type: string, description: The account.}
steps:
  - id: group
    kind: include
    title: Run the volume procedure
    sop: probe-inner
    with: {account_id: inputs.account_id}
    on_outcome: {none: {outcome: no_action}}
    next: assess
  - id: assess
    kind: decision
    title: Is the volume material?
    branches:
      - {label: material, when: "group.volume.rows[0].usd >= 10000.0", next: restrict}
      - {otherwise: true, outcome: no_action}
  - id: restrict
    kind: action
    title: Restrict the account
    action: close_only
    target: "[inputs.account_id]"
    reversible: true
    approval: {role: risk-manager, on_refused: {outcome: declined}}
    outcome: restricted
outcomes:
  no_action: {title: Nothing to do}
  restricted: {title: Restricted}
  declined: {title: The risk manager declined the restriction}
"""
ANSWERS = {"group/confirm": {"note": "own trades"},
           "restrict": {"approved": True, "by": "dana", "role": "risk-manager"}}
PATH = ["group/volume", "group/seen", "group/confirm", "group", "assess", "restrict"]


def compiled(caller: str = CALLER) -> dict[str, Any]:
    files = [("sops/market-abuse/probe-caller.yaml", caller.encode()),
             ("sops/market-abuse/probe-inner.yaml", INNER.encode())]
    checked = check_files(files, datetime.date(2026, 12, 5))
    assert checked.ok, checked.diagnostics
    library = {s.id: s for s in checked.sops}
    documents = {s.id: d for s, d in zip(checked.sops, checked.documents, strict=True)}
    skill = compile_skill(library["probe-caller"], documents["probe-caller"], library, documents)
    return dict(json.loads(json.dumps(skill)))  # as skill.json holds it


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "d.duckdb", {"trades": [trade(1, "A1", "B1", 30000.0)]})


def run(tmp_path: Path, db: Path, answers: dict[str, Any], skill: dict[str, Any] | None = None) -> Any:
    return start(skill or compiled(), Database.open(db), {"account_id": "A1"}, GivenAnswers(answers),
                 tmp_path / "runs", started_by="alex", run_id="r1")


def test_the_skill_embeds_the_included_skill_and_is_valid() -> None:
    skill = compiled()
    jsonschema.Draft202012Validator(schema_json("skill.schema.json")).validate(skill)
    include = skill["steps"][0]["include"]
    assert include["skill"]["id"] == "probe-inner" and include["skill_sha256"] == canonical_sha256(include["skill"])
    assert "group/confirm" in skill["findings_schema"]["properties"]["path"]["items"]["enum"]


def test_an_included_skill_runs_in_its_own_section_and_the_caller_reads_its_results(tmp_path: Path, db: Path) -> None:
    done = run(tmp_path, db, ANSWERS)
    assert done.state.status == "completed" and done.state.outcome == "restricted"
    assert done.state.path == PATH
    events = read_events(done.folder / "events.jsonl")[0]
    started = next(e for e in events if e["type"] == "include_started")
    assert started["inputs"] == {"account_id": "A1"} and started["first_step"] == "group/volume"
    assert started["digest"] == compiled()["steps"][0]["include"]["digest"]
    inner = next(e for e in events if e["type"] == "step_completed" and e["step"] == "group/confirm")
    assert inner["outcome"] == "found"  # the included outcome, not the run's
    assessed = next(e for e in events if e["type"] == "condition_evaluated" and e["step"] == "assess")
    assert assessed["reads"] == {"group.volume.rows[0].usd": 30000.0} and assessed["result"] is True
    assert [e["type"] for e in events].count("run_ended") == 1
    jsonschema.validate(done.report, compiled()["findings_schema"])
    assert verify(done.folder).intact, verify(done.folder).problems


def test_a_mapped_outcome_of_the_included_skill_ends_the_caller(tmp_path: Path) -> None:
    empty = make_db(tmp_path / "e.duckdb", {"trades": [trade(1, "B1", "B2", 100.0)]})
    done = run(tmp_path, empty, {})
    assert done.state.outcome == "no_action" and done.state.path == ["group/volume", "group/seen", "group"]
    assert done.state.results["group"] == {"outcome": "none"}
    assert "group → outcome none" in coverage(compiled(), [done.state]).covered


def test_a_question_inside_the_included_skill_pauses_and_resumes(tmp_path: Path, db: Path) -> None:
    paused = run(tmp_path, db, {})
    assert paused.state.status == "awaiting_answer" and paused.state.waiting["step"] == "group/confirm"
    done = resume(paused.folder, GivenAnswers(ANSWERS), by="sam")
    assert done.state.status == "completed" and done.state.path == PATH
    assert verify(done.folder).intact


def test_a_declared_refusal_routes_to_its_outcome_and_counts_as_a_branch(tmp_path: Path, db: Path) -> None:
    refused = {**ANSWERS, "restrict": {"approved": False, "by": "dana", "role": "risk-manager", "note": "ticks ok"}}
    done = run(tmp_path, db, refused)
    assert done.state.status == "completed" and done.state.outcome == "declined"
    assert done.state.results["restrict"] == {"approved": False} and not done.state.actions
    assert {"restrict → refused", "outcome declined"} <= coverage(compiled(), [done.state]).covered
    assert verify(done.folder).intact


def test_an_embedded_skill_edited_after_compiling_runs_nothing(tmp_path: Path, db: Path) -> None:
    skill = compiled()
    skill["steps"][0]["include"]["skill"]["steps"][0]["sql"]["text"] = "SELECT 1 AS trades, 99999 AS usd"
    done = run(tmp_path, db, ANSWERS, skill)
    assert done.state.status == "failed" and "is not the one compiled" in str(done.state.error)
    assert done.state.path == []


def test_a_run_with_an_include_resumes_from_every_point_of_its_record(tmp_path: Path, db: Path) -> None:
    whole = run(tmp_path, db, ANSWERS)
    lines = (whole.folder / "events.jsonl").read_bytes().splitlines(keepends=True)
    for kept in range(1, len(lines)):
        for torn in (b"", lines[kept][: len(lines[kept]) // 2]):
            folder = tmp_path / "cuts" / f"{kept}-{len(torn)}"
            folder.mkdir(parents=True)
            shutil.copy(whole.folder / "skill.json", folder / "skill.json")
            (folder / "events.jsonl").write_bytes(b"".join(lines[:kept]) + torn)
            done = resume(folder, GivenAnswers(ANSWERS), by="sam")
            events = read_events(folder / "events.jsonl")[0]
            assert done.state.status == "completed" and done.state.path == PATH, (kept, done.state.error)
            assert [e["step"] for e in events if e["type"] == "step_completed"] == PATH, kept
            assert [e["type"] for e in events].count("include_started") == 1, kept
            assert verify(folder).intact, (kept, verify(folder).problems)


def test_a_real_run_killed_inside_the_included_skill_resumes_and_verifies(tmp_path: Path) -> None:
    """SIGKILL `sopc run` at its start, as the include starts, and while the included query runs."""
    skill = compiled()
    inner = skill["steps"][0]["include"]
    inner["skill"]["steps"][0]["sql"]["text"] = (
        "SELECT count(*) FILTER (WHERE a.maker_account_id = $account_id OR a.taker_account_id = $account_id) AS "
        "trades, coalesce(sum(a.notional_usd) FILTER (WHERE a.maker_account_id = $account_id OR "
        "a.taker_account_id = $account_id), 0) AS usd FROM trades AS a JOIN trades AS b ON a.trade_id = b.trade_id")
    inner["skill_sha256"] = canonical_sha256(inner["skill"])
    db = make_db(tmp_path / "big.duckdb", {"trades": [trade(1, "A1", "B1", 30000.0)]}, background_trades=3_000_000)
    for stop_after in (1, 3, 4):  # run_started; include_started; the included query step started
        _, record = kill_and_resume(tmp_path, skill, db, ANSWERS, stop_after)
        events = read_events(record)[0]
        assert [e["step"] for e in events if e["type"] == "step_completed"] == PATH, stop_after
        checked = subprocess.run([*SOPC, "verify", str(record.parent)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_include_lint_names_unknown_outcomes_and_result_fields() -> None:
    bad = CALLER.replace("on_outcome: {none:", "on_outcome: {nothing:").replace(
        "group.volume.rows[0].usd", "group.volumes.rows[0].usd")
    files = [("sops/market-abuse/probe-caller.yaml", bad.encode()), ("sops/market-abuse/probe-inner.yaml",
                                                                     INNER.encode())]
    found = {(d.code, d.message) for d in check_files(files, datetime.date(2026, 12, 5)).diagnostics}
    assert ("SOP510", "'probe-inner' has no outcome 'nothing'") in found
    assert ("SOP404", "include step 'group' has no result field 'volumes'") in found


def test_a_declared_refusal_is_linted_like_any_transition() -> None:
    typo = CALLER.replace("on_refused: {outcome: declined}", "on_refused: {outcome: declind}")
    files = [("sops/market-abuse/probe-caller.yaml", typo.encode()), ("sops/market-abuse/probe-inner.yaml",
                                                                      INNER.encode())]
    found = {(d.code, d.message) for d in check_files(files, datetime.date(2026, 12, 5)).diagnostics}
    assert ("SOP203", "outcome 'declind' is not declared") in found
    assert ("SOP207", "outcome 'declined' is never reached") in found
    to_step = CALLER.replace("on_refused: {outcome: declined}", "on_refused: {next: explain}").replace(
        "outcomes:\n", "  - id: explain\n    kind: escalate\n    title: Tell the desk why\n    to: trading-desk\n"
        "    within: 1h\n    channel: slack\n    outcome: declined\noutcomes:\n")
    files[0] = ("sops/market-abuse/probe-caller.yaml", to_step.encode())
    checked = check_files(files, datetime.date(2026, 12, 5))
    assert checked.ok, checked.diagnostics  # the step reached only through the refusal is reachable


GATED = CALLER.replace("    with: {account_id: inputs.account_id}\n",
                       "    with: {account_id: inputs.account_id}\n"
                       "    approval: {role: risk-manager, on_refused: {outcome: declined}}\n")


def test_a_gate_on_an_include_step_decides_whether_the_included_skill_runs(tmp_path: Path, db: Path) -> None:
    skill = compiled(GATED)
    paused = run(tmp_path / "a", db, ANSWERS, skill)
    assert paused.state.status == "awaiting_approval" and paused.state.waiting["step"] == "group"
    assert paused.state.path == []  # nothing of the included skill ran before the approval
    approved = {**ANSWERS, "group": {"approved": True, "by": "lee", "role": "risk-manager"}}
    done = resume(paused.folder, GivenAnswers(approved), by="sam")
    assert done.state.status == "completed" and done.state.outcome == "restricted" and done.state.path == PATH
    assert verify(done.folder).intact, verify(done.folder).problems
    refused = {**ANSWERS, "group": {"approved": False, "by": "lee", "role": "risk-manager", "note": "not needed"}}
    declined = run(tmp_path / "b", db, refused, skill)
    assert declined.state.outcome == "declined" and declined.state.path == ["group"]
    assert declined.state.results["group"] == {"approved": False}
    assert "group → refused" in coverage(skill, [declined.state]).covered
    assert verify(declined.folder).intact


def test_a_gate_on_an_include_step_is_linted_like_any_other() -> None:
    def codes(caller: str) -> list[tuple[str, int]]:
        files = [("sops/market-abuse/probe-caller.yaml", caller.encode()),
                 ("sops/market-abuse/probe-inner.yaml", INNER.encode())]
        return [(d.code, d.line) for d in check_files(files, datetime.date(2026, 12, 5)).diagnostics]

    assert codes(GATED) == []
    typo = GATED.replace("on_refused: {outcome: declined}", "on_refused: {outcome: declind}", 1)
    assert codes(typo) == [("SOP203", 26)]
    reads = GATED.replace('when: "group.volume.rows[0].usd >= 10000.0"', 'when: "group.approved"')
    assert codes(reads) == []  # a gated include exposes approved, as every gated step does
    ungated = CALLER.replace('when: "group.volume.rows[0].usd >= 10000.0"', 'when: "group.approved"')
    assert codes(ungated) == [("SOP404", 32)]
    answered = GATED + """\
tests:
  - name: the gate is answered with text
    inputs: {account_id: A1}
    answers: {group: {approved: "yes"}}
    expect: {outcome: declined}
"""
    assert codes(answered) == [("SOP708", 50)]  # the answers line of the test


def test_the_included_skills_branches_are_counted_in_its_own_coverage(tmp_path: Path, db: Path) -> None:
    from compiler.runner.scenarios import SopResult, credit_included, render

    skill = compiled()
    done = run(tmp_path, db, ANSWERS, skill)
    (inner,) = included(skill, [done.state])
    assert inner.step == "group" and inner.sop == "probe-inner"
    assert inner.coverage.covered == {"seen → pass", "outcome found"}
    assert "seen → pass" not in coverage(skill, [done.state]).branches  # not the caller's branches
    own = SopResult("probe-inner", (), Coverage(inner.coverage.branches, frozenset({"seen → fail", "outcome none"})))
    caller = SopResult("probe-caller", (), coverage(skill, [done.state]), (inner,))
    credited = {r.sop: r for r in credit_included([caller, own])}["probe-inner"]
    assert credited.coverage.percent == 100.0 and credited.from_callers == {"seen → pass", "outcome found"}
    text, _ = render([caller, own], 100)
    assert "includes probe-inner at group: 2/4 of its branches taken here, counted in the coverage of probe-inner" in text
    assert "coverage probe-inner: 4/4 branches (100.0%)" in text
    assert "2 of them taken only inside the SOPs that include it" in text
