"""Signed approvals: the registry, `sopc keys new` and `sopc approve`, what the runner accepts and refuses, and
what `sopc verify` finds later. Real Ed25519 keys (from fixed seeds, so runs are reproducible), a real record."""

from __future__ import annotations

import datetime
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from runner_fixtures import ANSWERS, EXPECTED_PATH, PROBE, make_db, probe_skill, trade

from compiler.approvers import Registry, check_registry
from compiler.check import check_files
from compiler.diagnostics import Severity
from compiler.files import UsageError
from compiler.resources import schema_json
from compiler.runner import signing
from compiler.runner.answers import GivenAnswers
from compiler.runner.approve import signed_approval, submit
from compiler.runner.database import Database
from compiler.runner.events import line_hash, read_events, read_record
from compiler.runner.run import Finished, resume, start
from compiler.runner.values import iso
from compiler.runner.verify import verify
from compiler.skill.compile import compile_skill

REPO = Path(__file__).resolve().parent.parent
SOPC = [sys.executable, "-m", "compiler"]
NOW = datetime.datetime(2026, 12, 5, 9, 0, tzinfo=datetime.UTC)
KEYS = {name: Ed25519PrivateKey.from_private_bytes(bytes([n + 1]) * 32)
        for n, name in enumerate(["dana", "lee", "sam", "alex", "olga", "old", "mallory"])}
ENTRIES = {  # name in the registry, roles, validity; mallory is not in it
    "dana": ("Dana Whitfield", "risk-manager", "2026-01-01", "2027-12-31"),
    "lee": ("Lee Chan", "risk-manager", "2026-01-01", "2027-12-31"),
    "sam": ("Sam Okafor", "risk-manager", "2026-01-01", "2027-12-31"),
    "alex": ("alex", "risk-manager", "2026-01-01", "2027-12-31"),
    "olga": ("Olga Brandt", "compliance", "2026-01-01", "2027-12-31"),
    "old": ("Old Key", "risk-manager", "2025-01-01", "2026-01-31"),
}
REVIEW = {"review": ANSWERS["review"]}


def clock() -> datetime.datetime:
    return NOW


def registry_text() -> str:
    lines = ["# yaml-language-server: $schema=../schema/approvers.schema.json", "format: 1", "approvers:"]
    for key, (name, role, start_day, end_day) in ENTRIES.items():
        lines += [f"  - name: {name}", f"    roles: [{role}]",
                  f"    public_key: \"{signing.public_text(KEYS[key].public_key())}\"",
                  f"    valid_from: \"{start_day}\"", f"    valid_until: \"{end_day}\""]
    return "\n".join(lines) + "\n"


def registry() -> Registry:
    found, diagnostics = check_registry("approvers.yaml", registry_text().encode(), datetime.date(2026, 1, 1))
    assert found is not None, diagnostics
    return found


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    rows = {"trades": [trade(1, "A1", "A1", 30000.0), trade(2, "A1", "A1", 20000.0)]}
    return make_db(tmp_path / "ring.duckdb", rows)


def paused(tmp_path: Path, db: Path, out: str = "runs", by: str = "alex") -> Finished:
    """A probe run waiting at its first gate (escalate: two risk managers)."""
    finished = start(probe_skill(), Database.open(db), {"account_id": "A1"}, GivenAnswers(REVIEW),
                     tmp_path / out, started_by=by, run_id="r1", clock=clock, registry=registry())
    assert finished.state.status == "awaiting_approval"
    return finished


def sign(folder: Path, who: str, step: str = "escalate", approved: bool = True, note: str | None = None,
         **changes: Any) -> dict[str, Any]:
    """A statement over the record as it stands, signed with who's key, optionally with fields changed."""
    events, _, head = read_record(folder / "events.jsonl")
    claims = signing.statement(run_id=events[0]["run_id"], skill_digest=events[0]["skill"]["digest"], step=step,
                               role="risk-manager", approved=approved, note=note,
                               approver=ENTRIES[who][0] if who in ENTRIES else "Mallory", time=iso(NOW), head=head)
    return signing.sign(KEYS[who], {**claims, **changes})


def approve(folder: Path, who: str, step: str = "escalate", note: str | None = None) -> dict[str, Any]:
    """What `sopc approve` signs."""
    return signed_approval(folder, step, KEYS[who], registry(), approved=True, note=note, clock=clock)


def carry_on(folder: Path, *given: dict[str, Any], step: str = "escalate", by: str = "alex") -> Finished:
    answers = GivenAnswers({**REVIEW, step: {"signed": list(given)}})
    return resume(folder, answers, by=by, clock=clock, registry=registry())


def rejections(folder: Path) -> list[str]:
    return [e["reason"] for e in read_events(folder / "events.jsonl")[0] if e["type"] == "approval_rejected"]


def test_two_signed_approvals_pass_the_gate_and_verify_later(tmp_path: Path, db: Path) -> None:
    first = paused(tmp_path, db)
    submit(first.folder, approve(first.folder, "dana", note="STOR filed"), clock)
    submit(first.folder, approve(first.folder, "lee"), clock)
    second = resume(first.folder, GivenAnswers(REVIEW), by="alex", clock=clock, registry=registry())
    assert second.state.status == "awaiting_approval" and second.state.waiting
    assert second.state.waiting["step"] == "restrict"
    done = carry_on(second.folder, approve(second.folder, "sam", step="restrict"), step="restrict")
    assert done.state.status == "completed" and done.state.path == EXPECTED_PATH
    events = read_events(done.folder / "events.jsonl")[0]
    validator = jsonschema.Draft202012Validator(schema_json("run.schema.json"))
    for event in events:
        assert not list(validator.iter_errors(event)), event
    gate = next(e for e in events if e["type"] == "approval_recorded" and e["step"] == "escalate")
    assert gate["by"] == ["Dana Whitfield", "Lee Chan"] and gate["signature"] == "verified"
    assert gate["registry"] == registry().sha256 and len(gate["signed"]) == 2
    verdict = verify(done.folder, registry())
    assert verdict.intact, verdict.problems
    assert "signatures: 3 signed approvals verified again against the registry" in verdict.facts


def _other_run(tmp_path: Path, db: Path) -> dict[str, Any]:
    other = start(probe_skill(), Database.open(db), {"account_id": "A1"}, GivenAnswers(REVIEW), tmp_path / "runs",
                  started_by="alex", run_id="r2", clock=clock, registry=registry())
    return sign(other.folder, "dana")


def _same_id_elsewhere(tmp_path: Path, db: Path) -> dict[str, Any]:
    copy = paused(tmp_path, make_db(tmp_path / "other.duckdb", {"trades": [trade(9, "A1", "A1", 90000.0)]}),
                  out="elsewhere")
    return sign(copy.folder, "dana")


def _before_the_wait(folder: Path) -> dict[str, Any]:
    first_line = (folder / "events.jsonl").read_bytes().split(b"\n")[0]
    return sign(folder, "dana", head=line_hash(first_line))


def _forged(folder: Path) -> dict[str, Any]:
    envelope = sign(folder, "dana")
    return {**envelope, "statement": {**envelope["statement"], "note": "approved, says the attacker"}}


def _mallory_as_dana(folder: Path) -> dict[str, Any]:
    envelope = sign(folder, "mallory", approver="Dana Whitfield")  # mallory signs a statement in dana's name
    return {**envelope, "key": signing.public_text(KEYS["dana"].public_key())}


REFUSALS: dict[str, tuple[Callable[[Path, Path, Path], dict[str, Any]], str]] = {
    "forged statement": (lambda f, t, d: _forged(f), "does not verify against Dana Whitfield's key"),
    "forged signature": (lambda f, t, d: _mallory_as_dana(f), "does not verify against Dana Whitfield's key"),
    "another run": (lambda f, t, d: _other_run(t, d), "signed for run 'r2', not this run"),
    "another step": (lambda f, t, d: sign(f, "dana", step="restrict"), "signed for step 'restrict'"),
    "another skill": (lambda f, t, d: sign(f, "dana", skill_digest="sha256:" + "1" * 64), "another version"),
    "replayed from a copy": (lambda f, t, d: _same_id_elsewhere(t, d), "a record this run does not hold"),
    "replayed from before the wait": (lambda f, t, d: _before_the_wait(f), "replayed: signed over the record"),
    "expired key": (lambda f, t, d: sign(f, "old", time="2026-01-15T00:00:00Z"),
                    "expired or not yet valid"),
    "unknown key": (lambda f, t, d: sign(f, "mallory"), "not in the approver registry"),
    "key without the role": (lambda f, t, d: sign(f, "olga"),
                             "does not hold the role 'risk-manager'"),
    "the run's starter": (lambda f, t, d: sign(f, "alex"), "started or is running this run"),
    "another name in the statement": (lambda f, t, d: sign(f, "lee", approver="Dana Whitfield"),
                                      "names 'Dana Whitfield' but is signed with Lee Chan's key"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_bad_signed_approval_is_refused_and_the_record_says_why(tmp_path: Path, db: Path, case: str) -> None:
    make, reason = REFUSALS[case]
    first = paused(tmp_path, db)
    bad = make(first.folder, tmp_path, db)
    after = carry_on(first.folder, bad, sign(first.folder, "sam"))
    assert after.state.status == "awaiting_approval" and after.state.waiting
    assert any(reason in r for r in rejections(first.folder)), rejections(first.folder)
    assert any(reason in p for p in after.state.waiting["problems"])
    assert "needs 2 distinct approvers with signed approvals, has 1" in after.state.waiting["problems"][-1]
    assert verify(after.folder, registry()).intact


def test_the_same_person_twice_counts_once(tmp_path: Path, db: Path) -> None:
    first = paused(tmp_path, db)
    again = sign(first.folder, "dana", time="2026-12-05T09:00:01Z")
    after = carry_on(first.folder, sign(first.folder, "dana"), again)
    assert after.state.waiting and "has 1" in after.state.waiting["problems"][-1]
    assert rejections(first.folder) == ["Dana Whitfield already approved this step; a second person must (four-eyes)"]


def test_the_person_resuming_the_run_cannot_approve_it(tmp_path: Path, db: Path) -> None:
    first = paused(tmp_path, db)
    after = carry_on(first.folder, sign(first.folder, "dana"), sign(first.folder, "lee"), by="Lee  Chan")
    assert after.state.status == "awaiting_approval"
    assert any("Lee Chan started or is running this run" in r for r in rejections(first.folder))


def test_with_a_registry_an_unsigned_approval_does_not_count(tmp_path: Path, db: Path) -> None:
    first = paused(tmp_path, db)
    after = resume(first.folder, GivenAnswers(ANSWERS), by="alex", clock=clock, registry=registry())
    assert after.state.waiting and "is not signed" in after.state.waiting["problems"][0]


def test_a_signed_refusal_ends_the_run_with_the_refuser_and_note(tmp_path: Path, db: Path) -> None:
    first = paused(tmp_path, db)
    after = carry_on(first.folder, sign(first.folder, "dana", approved=False, note="Volume is a market maker's."))
    assert after.state.status == "approval_refused"
    recorded = after.state.approvals["escalate"]
    assert recorded["by"] == ["Dana Whitfield"] and recorded["note"] == "Volume is a market maker's."
    assert verify(after.folder, registry()).intact


def test_a_signed_refusal_at_a_gate_with_on_refused_follows_the_route(tmp_path: Path, db: Path) -> None:
    routed = PROBE.replace("approval: {role: risk-manager, count: 2}",
                           "approval: {role: risk-manager, count: 2, on_refused: {outcome: no_action}}")
    assert routed != PROBE
    checked = check_files([("sops/market-abuse/probe-self-trading.yaml", routed.encode())],
                          datetime.date(2026, 11, 22))
    assert checked.ok, checked.diagnostics
    skill = compile_skill(checked.sops[0], checked.documents[0], {checked.sops[0].id: checked.sops[0]})
    first = start(skill, Database.open(db), {"account_id": "A1"}, GivenAnswers(REVIEW), tmp_path / "runs",
                  started_by="alex", run_id="r1", clock=clock, registry=registry())
    assert first.state.status == "awaiting_approval"
    after = carry_on(first.folder, sign(first.folder, "dana", approved=False, note="Volume is a market maker's."))
    assert (after.state.status, after.state.outcome) == ("completed", "no_action")
    assert after.state.path == ["self_volume", "known", "assess", "review", "escalate"]
    events = read_events(after.folder / "events.jsonl")[0]
    validator = jsonschema.Draft202012Validator(schema_json("run.schema.json"))
    for event in events:
        assert not list(validator.iter_errors(event)), event
    gate = next(e for e in events if e["type"] == "approval_recorded")
    assert (gate["approved"], gate["signature"], gate["by"]) == (False, "verified", ["Dana Whitfield"])
    assert gate["on_refused"]["outcome"] == "no_action"
    assert events[-1]["type"] == "run_ended" and events[-1]["status"] == "completed"
    assert verify(after.folder, registry()).intact


def test_approve_refuses_a_run_not_waiting_at_that_step_and_a_key_not_in_the_registry(tmp_path: Path,
                                                                                       db: Path) -> None:
    first = paused(tmp_path, db)
    with pytest.raises(UsageError, match="not waiting for an approval at 'restrict'"):
        signed_approval(first.folder, "restrict", KEYS["dana"], registry(), approved=True, note=None, clock=clock)
    with pytest.raises(UsageError, match="not in the approver registry"):
        signed_approval(first.folder, "escalate", KEYS["mallory"], registry(), approved=True, note=None, clock=clock)
    with pytest.raises(UsageError, match="needs the role 'risk-manager'; the registry gives Olga Brandt compliance"):
        signed_approval(first.folder, "escalate", KEYS["olga"], registry(), approved=True, note=None, clock=clock)


def _rechain(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Edit events and rebuild the hash chain, as someone covering their tracks would."""
    events = read_events(path)[0]
    previous = "sha256:" + "0" * 64
    lines = []
    for event in events:
        change(event)
        event["prev"] = previous
        line = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        previous = line_hash(line)
        lines.append(line)
    path.write_bytes(b"\n".join(lines) + b"\n")


def _note(event: dict[str, Any]) -> None:
    event["signed"][0]["statement"]["note"] = "edited"


def _decision(event: dict[str, Any]) -> None:
    event["approved"] = False


def _names(event: dict[str, Any]) -> None:
    event["by"] = ["Lee Chan", "Mallory"]


def _validity(event: dict[str, Any]) -> None:
    event["signed"][0]["approver"]["valid_until"] = "2030-12-31"


EDITS = {"an altered statement": (_note, "does not verify against Dana Whitfield's key: it was altered"),
         "a flipped decision": (_decision, "signed for decision 'approve', the record says 'refuse'"),
         "another approver's name": (_names, "not the approver the record lists"),
         "a widened validity": (_validity, "the registry no longer lists as recorded")}


@pytest.mark.parametrize("case", sorted(EDITS))
def test_verify_finds_an_edited_approval_even_in_a_rechained_record(tmp_path: Path, db: Path, case: str) -> None:
    edit, problem = EDITS[case]
    first = paused(tmp_path, db)
    done = carry_on(first.folder, sign(first.folder, "dana"), sign(first.folder, "lee"))
    assert done.state.status == "awaiting_approval" and verify(done.folder, registry()).intact  # now at restrict

    def change(event: dict[str, Any]) -> None:
        if event["type"] == "approval_recorded":
            edit(event)

    _rechain(done.folder / "events.jsonl", change)
    verdict = verify(done.folder, registry())
    assert read_events(done.folder / "events.jsonl")[0]  # the chain itself verifies again
    assert any(problem in p for p in verdict.problems), verdict.problems


def test_without_a_registry_approvals_are_recorded_unverified(tmp_path: Path, db: Path) -> None:
    finished = start(probe_skill(), Database.open(db), {"account_id": "A1"}, GivenAnswers(ANSWERS),
                     tmp_path / "runs", started_by="alex", run_id="r1", clock=clock)
    assert finished.state.status == "completed"
    assert all(a["signature"] == "unverified" for a in finished.state.approvals.values())
    assert "approvals: 2 unverified (names as given, no approver registry)" in verify(finished.folder).facts


REGISTRY_PROBLEMS = [
    ("public_key: \"ed25519:" + "A" * 43 + "=\"", None),  # 32 zero-ish bytes still decode: a key of its own
    ("valid_until: \"2025-12-31\"", "SOP803"),
    ("valid_until: \"2026-02-30\"", "SOP803"),
    ("roles: [Risk Manager]", "SOP106"),
    ("rolez: [risk-manager]", "SOP101"),  # and SOP102, roles missing, at the entry
]


@pytest.mark.parametrize(("line", "code"), REGISTRY_PROBLEMS)
def test_registry_problems_are_located(line: str, code: str | None) -> None:
    field = line.split(":")[0]
    text = registry_text().splitlines()
    index = next(i for i, t in enumerate(text) if t.strip().startswith(("valid_until:", "public_key:", "roles:"))
                 and t.strip().startswith(field.replace("rolez", "roles")))
    text[index] = "    " + line
    found, diagnostics = check_registry("approvers.yaml", ("\n".join(text) + "\n").encode(), datetime.date(2026, 1, 1))
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if code is None:
        assert found is not None and not errors
        return
    assert found is None and [d.code for d in errors if d.line == index + 1] == [code]
    assert {d.code for d in errors} <= {code, "SOP102"}


def test_a_key_listed_twice_and_an_expired_key_are_reported() -> None:
    text = registry_text().replace(signing.public_text(KEYS["lee"].public_key()),
                                   signing.public_text(KEYS["dana"].public_key()))
    found, diagnostics = check_registry("approvers.yaml", text.encode(), datetime.date(2026, 6, 1))
    assert found is None and [d.code for d in diagnostics] == ["SOP802", "SOP804"]


def test_keys_new_writes_a_private_key_once_and_approve_writes_an_answers_file(tmp_path: Path, db: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    made = subprocess.run([*SOPC, "keys", "new", "Dana Whitfield", "--role", "risk-manager"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    key_file = tmp_path / "dana-whitfield.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "public_key: \"ed25519:" in made.stdout and "roles: [risk-manager]" in made.stdout
    kept = key_file.read_bytes()
    again = subprocess.run([*SOPC, "keys", "new", "Dana Whitfield"], cwd=tmp_path, env=env, capture_output=True,
                           text=True)
    assert again.returncode == 2 and "never overwritten" in again.stderr
    assert key_file.read_bytes() == kept and b"PRIVATE KEY" in kept

    assert "a new registry begins with the two lines `format: 1` and `approvers:`" in made.stdout
    entry = "".join(line for line in made.stdout.splitlines(keepends=True) if not line.startswith("#"))
    (tmp_path / "approvers.yaml").write_text("format: 1\napprovers:\n" + entry)
    skills = tmp_path / "skills" / "probe-self-trading"
    skills.mkdir(parents=True)
    (skills / "skill.json").write_text(json.dumps(probe_skill()))
    base = [*SOPC, "run", "probe-self-trading", "--db", str(db), "--skills", str(tmp_path / "skills"), "--no-prompt",
            "--approvers", str(tmp_path / "approvers.yaml")]
    nobody = subprocess.run([*base, "-i", "account_id=A1"], cwd=tmp_path, env={**env, "SOPC_USER": ""},
                            capture_output=True, text=True)
    assert nobody.returncode == 2 and "say who runs this: --by NAME" in nobody.stderr
    (tmp_path / "answers.json").write_text(json.dumps(REVIEW))
    run = subprocess.run([*base, "-i", "account_id=A1", "--run-id", "c1", "--by", "alex", "--answers",
                          "answers.json"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 4, run.stderr
    assert "sign: sopc approve runs/c1 escalate --key FILE" in run.stdout, run.stdout
    signed = subprocess.run([*SOPC, "approve", "runs/c1", "escalate", "--key", str(key_file), "--approvers",
                             "approvers.yaml", "--note", "ok", "--answers", "answers.json"], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert signed.returncode == 0, signed.stderr
    written = json.loads((tmp_path / "answers.json").read_text())
    assert written["review"] == REVIEW["review"] and len(written["escalate"]["signed"]) == 1
    resumed = subprocess.run([*SOPC, "run", "--resume", "runs/c1", "--by", "alex", "--no-prompt", "--approvers",
                              "approvers.yaml", "--answers", "answers.json"], cwd=tmp_path, env=env,
                             capture_output=True, text=True)
    assert resumed.returncode == 4 and "has 1" in resumed.stdout, resumed.stdout + resumed.stderr


def test_the_registry_beside_the_library_is_never_read_as_an_sop(tmp_path: Path) -> None:
    from compiler.files import discover

    library = tmp_path / "sops"
    (library / "market-abuse").mkdir(parents=True)
    (library / "approvers.yaml").write_text(registry_text())
    (library / "market-abuse" / "approvers.yaml").write_text("not the registry: an SOP file of that name\n")
    assert discover([str(library)]) == [library / "market-abuse" / "approvers.yaml"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    (library / "market-abuse" / "approvers.yaml").unlink()
    checked = subprocess.run([*SOPC, "validate", "--today", "2026-01-10", str(library)], env=env,
                             capture_output=True, text=True)
    assert checked.returncode == 0 and "no problems in 1 file" in checked.stdout, checked.stdout + checked.stderr
    (library / "approvers.yaml").write_text(registry_text().replace("valid_until: \"2027-12-31\"",
                                                                    "valid_until: \"2025-12-31\"", 1))
    broken = subprocess.run([*SOPC, "validate", "--today", "2026-01-10", str(library)], env=env,
                            capture_output=True, text=True)
    assert broken.returncode == 1 and "error[SOP803]" in broken.stdout and "approvers.yaml:8:18: error[SOP803]" in broken.stdout
