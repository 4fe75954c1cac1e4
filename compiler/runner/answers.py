"""What people and agents answer at human steps and approval gates.

Answers come from a mapping (an answers file, or a test scenario) and, on a
terminal, from prompts. Every answer is checked against the step's evidence
or output schema before the run records it; an approval names who approved
and in which role, and nobody approves a run they started.

With an approver registry, an approval is a signed statement (see
`signing.py`) and `signed_check` decides whether one may count: the
signature holds, the key is in the registry and valid now, its holder has the
gate's role and neither started nor runs the run, and the statement is about
this run, this skill, this step and the record as it stood while the run
waited there. Without a registry, approvals are names as given, and every
report says they are unverified.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

import jsonschema

from compiler.approvers import Approver, Registry, person
from compiler.diagnostics import Severity
from compiler.files import UsageError, read_bounded
from compiler.runner.inputs import timestamp
from compiler.runner.signing import envelope_problems, signature_holds
from compiler.runner.values import parse_timestamp, recordable, typed
from compiler.yamlload import MAX_BYTES, load_bytes


def load_answers(path: Path) -> dict[str, Any]:
    """An answers file (YAML or JSON), loaded by the SOP loader's rules; any problem is one UsageError line.

    No anchors, aliases, merge keys or tags, no duplicate keys, at most 1 MiB (and no more read), nested
    at most 64 deep: an answers file comes from people and tools, and an alias bomb must cost nothing.
    """
    try:
        raw = read_bounded(path, MAX_BYTES)
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from err
    if not raw.strip():
        return {}
    document, diagnostics = load_bytes(str(path), raw)
    # SOP011 (not a mapping) and SOP012 (no modeline) speak of SOPs: the mapping is checked below.
    errors = [d for d in diagnostics if d.severity is Severity.ERROR and d.code not in ("SOP011", "SOP012")]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise UsageError(f"{path}:{first.line}:{first.col}: {first.message}{more}")
    if document is None or not isinstance(document.data, dict):
        raise UsageError(f"{path}: answers must be a mapping of step id to answer")
    return dict(document.data)


class Answers(Protocol):
    """Where answers come from."""

    interactive: ClassVar[bool]
    """Whether a person may be asked at a prompt (the run record is synced first)."""

    def answer(self, step: Mapping[str, Any]) -> dict[str, Any] | None:
        """Evidence or output fields for a manual or agent step, or None if there is none yet."""

    def approval(self, step: Mapping[str, Any]) -> dict[str, Any] | None:
        """{approved, by, role, note} for a step's approval gate, or None if nobody has decided yet."""


def answer_problems(step: Mapping[str, Any], answer: Any) -> list[str]:
    """Why an answer does not fit the step's schema (empty when it does)."""
    if not isinstance(answer, dict):
        return [f"the answer to {step['id']!r} must be a mapping of field to value"]
    schema = step["result_schema"]
    problems = [f"{'.'.join(str(p) for p in e.absolute_path) or step['id']}: {e.message}"
                for e in jsonschema.Draft202012Validator(schema).iter_errors(answer)]
    problems += recordable(answer, step["id"])
    for name, spec in schema.get("properties", {}).items():
        value = answer.get(name)
        if spec.get("format") == "date-time" and isinstance(value, str):
            try:
                timestamp(value)
            except ValueError:
                problems.append(f"{name}: {value!r} is not an RFC 3339 timestamp (2026-01-05T00:00:00Z)")
        if spec.get("format") == "uri" and isinstance(value, str) and "://" not in value:
            problems.append(f"{name}: {value!r} is not a URL")
    return sorted(problems)


def approvers(approval: Mapping[str, Any]) -> list[str]:
    """The approvers' names as given, without blanks."""
    by = approval.get("by")
    names = [by] if isinstance(by, str) else by if isinstance(by, list) else []
    return [" ".join(n.split()) for n in names if isinstance(n, str) and n.strip()]


def approval_problems(step: Mapping[str, Any], approval: Any, operators: set[str]) -> list[str]:
    """Why an approval cannot be recorded (empty when it can).

    operators are the people who started or are continuing the run: none of
    them may approve it. Names are what the approvers give; binding them to
    authenticated identities is the job of the system that calls sopc.
    """
    gate = step["approval"]
    if not isinstance(approval, dict) or not isinstance(approval.get("approved"), bool):
        return [f"the approval of {step['id']!r} needs approved: true or false"]
    names = approvers(approval)
    distinct = {person(n) for n in names}
    problems = recordable(approval, step["id"])
    if not names:
        problems.append(f"the approval of {step['id']!r} needs by: the approver's name")
    if approval.get("role") != gate["role"]:
        problems.append(f"step {step['id']!r} needs an approver with role {gate['role']!r}, "
                        f"got {approval.get('role')!r}")
    if len(distinct) < gate.get("count", 1):
        problems.append(f"step {step['id']!r} needs {gate.get('count', 1)} distinct approvers, got {len(distinct)}")
    problems += [f"{name!r} is running this run and cannot approve it (four-eyes)"
                 for name in names if person(name) in {person(o) for o in operators}]
    return problems


CLOCK_SKEW = datetime.timedelta(minutes=5)
"""How far in the future a statement's time may be (clocks of two machines differ a little)."""


@dataclass(frozen=True, slots=True)
class Gate:
    """What a signed approval must be about to count at one gate, now."""

    run_id: str
    skill_digest: str
    step: str
    role: str
    heads: frozenset[str]
    """Hashes of the record's lines since the run first waited at this step: what an approver may have seen."""
    earlier: frozenset[str]
    """Hashes of the lines before that: a statement over one of them is a replay or was signed too early."""
    operators: frozenset[str]
    """The starter and whoever runs this session, as compared by `person`."""
    now: datetime.datetime


@dataclass(frozen=True, slots=True)
class Checked:
    """One signed approval and what the runner made of it."""

    envelope: Mapping[str, Any]
    approver: Approver | None
    """The registry entry of its key (None if the key is not in the registry)."""
    reason: str | None
    """Why it does not count (None when it does)."""

    @property
    def claimed(self) -> str | None:
        """The name the statement gives, whoever signed it."""
        statement = self.envelope.get("statement")
        name = statement.get("approver") if isinstance(statement, dict) else None
        return name if isinstance(name, str) else None


def signed_check(envelope: Any, registry: Registry, gate: Gate) -> Checked:
    """Whether one signed approval counts at this gate now, and if not, why not (first reason found)."""
    shape = envelope_problems(envelope)
    if shape:
        return Checked(envelope if isinstance(envelope, dict) else {}, None, shape[0])
    claims = envelope["statement"]
    approver = registry.by_key(envelope["key"])

    def refused(reason: str) -> Checked:
        return Checked(envelope, approver, reason)

    if approver is None:
        return refused("the key is not in the approver registry (unknown key)")
    if not signature_holds(envelope):
        return refused(f"the signature does not verify against {approver.name}'s key (forged or altered)")
    if person(claims["approver"]) != person(approver.name):
        return refused(f"the statement names {claims['approver']!r} but is signed with {approver.name}'s key")
    if claims["run_id"] != gate.run_id:
        return refused(f"signed for run {claims['run_id']!r}, not this run")
    if claims["skill_digest"] != gate.skill_digest:
        return refused("signed for another version of the skill")
    if claims["step"] != gate.step:
        return refused(f"signed for step {claims['step']!r}, not {gate.step!r}")
    if claims["head"] in gate.earlier:
        return refused("replayed: signed over the record as it stood before the run waited at this step")
    if claims["head"] not in gate.heads:
        return refused("signed over a record this run does not hold (another copy, or a replay)")
    try:
        signed_at = parse_timestamp(claims["time"])
    except ValueError:
        return refused(f"the statement's time {claims['time']!r} is not a timestamp")
    if signed_at > gate.now + CLOCK_SKEW:
        return refused(f"signed at {claims['time']}, in the future")
    if not approver.valid_at(gate.now) or not approver.valid_at(signed_at):
        return refused(f"{approver.name}'s key is valid from {approver.valid_from} to {approver.valid_until} "
                       "(expired or not yet valid)")
    if gate.role not in approver.roles:
        return refused(f"{approver.name} does not hold the role {gate.role!r} "
                       f"(registry: {', '.join(approver.roles)})")
    if claims["role"] != gate.role:
        return refused(f"signed as {claims['role']!r}, the gate needs {gate.role!r}")
    if person(approver.name) in gate.operators:
        return refused(f"{approver.name} started or is running this run and cannot approve it (four-eyes)")
    return Checked(envelope, approver, None)


def signed_decision(checked: Sequence[Checked]) -> tuple[list[Checked], list[Checked]]:
    """The approvals that count (one per person, the first given) and the ones that do not, with reasons."""
    counted: list[Checked] = []
    rejected: list[Checked] = []
    for item in checked:
        if item.reason is None and item.approver is not None \
                and any(person(c.approver.name) == person(item.approver.name) for c in counted if c.approver):
            item = Checked(item.envelope, item.approver,
                           f"{item.approver.name} already approved this step; a second person must (four-eyes)")
        (counted if item.reason is None else rejected).append(item)
    return counted, rejected


@dataclass(frozen=True, slots=True)
class GivenAnswers:
    """Answers from a file or a scenario: {step_id: {...}}.

    default_approvers, when set, stands in for a scenario's approvers: a test
    that says approved: true is approved by that many placeholder names in
    the required role.
    """

    given: Mapping[str, Any]
    default_approvers: str | None = None
    interactive: ClassVar[bool] = False

    def answer(self, step: Mapping[str, Any]) -> dict[str, Any] | None:
        """The file's answer for this step, if any."""
        value = self.given.get(step["id"])
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k not in ("approved", "by", "role", "note", "signed")} \
                if step.get("approval") and step["kind"] in ("manual", "agent") else dict(value)
        return None if value is None else value  # wrong shapes are reported by answer_problems

    def approval(self, step: Mapping[str, Any]) -> dict[str, Any] | None:
        """The file's approval for this step, if it has one: {approved, by, role, note} or {signed: [...]}."""
        value = self.given.get(step["id"])
        if isinstance(value, dict) and "signed" in value:
            signed = value["signed"]
            return {"signed": signed if isinstance(signed, list) else [signed]}
        if not isinstance(value, dict) or "approved" not in value:
            return None
        approval = dict(value)
        if self.default_approvers is not None:
            gate = step["approval"]
            approval.setdefault("role", gate["role"])
            approval.setdefault("by", [f"{self.default_approvers}-{n}" for n in range(1, gate.get("count", 1) + 1)])
        return approval


@dataclass(frozen=True, slots=True)
class PromptedAnswers:
    """Asks on the terminal for whatever the given answers leave out."""

    given: GivenAnswers
    ask: Callable[[str], str]
    interactive: ClassVar[bool] = True

    def answer(self, step: Mapping[str, Any]) -> dict[str, Any] | None:
        """The given answer, or one typed field by field."""
        found = self.given.answer(step)
        if found is not None:
            return found
        schema = step["result_schema"]
        values: dict[str, Any] = {}
        for name, spec in schema.get("properties", {}).items():
            question = f"{step['id']}.{name} ({spec.get('type', 'string')}: {spec.get('description', '')})"
            while True:
                text = self.ask(question).strip()
                if text == "" and name not in schema.get("required", []):
                    break
                value = typed(text, spec)
                if text and not answer_problems({"id": step["id"], "result_schema": {
                        "type": "object", "properties": {name: spec}}}, {name: value}):
                    values[name] = value
                    break
                question = f"{step['id']}.{name}: please give a {spec.get('type', 'string')}"
        return values

    def approval(self, step: Mapping[str, Any]) -> dict[str, Any] | None:
        """The given approval, or one typed at the prompt (empty name: leave the gate waiting)."""
        found = self.given.approval(step)
        if found is not None:
            return found
        gate = step["approval"]
        names = self.ask(f"approve {step['id']!r} as {gate['role']} (names, comma-separated; empty to wait)")
        if not names.strip():
            return None
        decision = ""
        while decision not in ("yes", "no"):
            decision = self.ask("approved? (yes/no)").strip().lower()
        return {"approved": decision == "yes", "role": gate["role"],
                "by": [n.strip() for n in names.split(",") if n.strip()], "note": self.ask("note (optional)") or None}
