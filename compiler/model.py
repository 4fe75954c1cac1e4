"""The SOP as frozen values, built from a loaded document.

`build` is lenient: it reads whatever is well-typed and skips the rest, so the
semantic checks can still run on a file that has schema errors and every
mistake is reported at once. On a schema-valid document the model is exact,
and that is the only case the emitters ever see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler.document import pointer_join

BRANCHING = frozenset({"decision", "check"})


@dataclass(frozen=True, slots=True)
class Transition:
    """Where execution goes after a step or branch."""

    next: str | None
    """Id of the next step."""
    outcome: str | None
    """Id of the outcome that ends the run."""
    pointer: str
    """Pointer of the object holding next/outcome."""

    @property
    def target(self) -> str | None:
        """The step or outcome id, whichever is set."""
        return self.next or self.outcome


@dataclass(frozen=True, slots=True)
class Branch:
    """One branch of a decision."""

    when: str | None
    otherwise: bool
    label: str
    to: Transition
    pointer: str


@dataclass(frozen=True, slots=True)
class TypedField:
    """An evidence field of a manual step or an output field of an agent step."""

    name: str
    type: str
    description: str
    values: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True, slots=True)
class Approval:
    """An approval gate."""

    role: str
    count: int = 1


@dataclass(frozen=True, slots=True)
class Step:
    """One checklist item; which fields are set depends on kind."""

    id: str
    kind: str
    title: str
    pointer: str
    instruction: str = ""
    approval: Approval | None = None
    timeout: str = ""
    to: Transition | None = None
    """next/outcome written on the step itself (non-branching kinds)."""
    sql: str = ""
    params: dict[str, str] = field(default_factory=dict)
    condition: str = ""
    on_pass: Transition | None = None
    on_fail: Transition | None = None
    branches: tuple[Branch, ...] = ()
    actor: str = ""
    evidence: tuple[TypedField, ...] = ()
    output: tuple[TypedField, ...] = ()
    escalate_to: str = ""
    within: str = ""
    channel: str = ""
    message: str = ""
    action: str = ""
    target: str = ""
    reversible: bool | None = None
    reason_code: str = ""
    sop: str = ""
    bindings: dict[str, str] = field(default_factory=dict)
    """include: inputs of the included SOP, by name (CEL expressions)."""

    def transitions(self) -> list[tuple[str, Transition]]:
        """Every outgoing edge with a label ('' for a plain next)."""
        if self.kind == "decision":
            return [(b.label or ("otherwise" if b.otherwise else b.when or ""), b.to) for b in self.branches]
        if self.kind == "check":
            return [(label, t) for label, t in (("pass", self.on_pass), ("fail", self.on_fail)) if t is not None]
        return [("", self.to)] if self.to is not None else []

    def conditions(self) -> list[tuple[str, str]]:
        """Every CEL expression in the step with its pointer."""
        found: list[tuple[str, str]] = []
        if self.condition:
            found.append((pointer_join(self.pointer, "condition"), self.condition))
        for branch in self.branches:
            if branch.when:
                found.append((pointer_join(branch.pointer, "when"), branch.when))
        for key, mapping in (("params", self.params), ("with", self.bindings)):
            for name, expr in mapping.items():
                found.append((pointer_join(pointer_join(self.pointer, key), name), expr))
        if self.target:
            found.append((pointer_join(self.pointer, "target"), self.target))
        return found


@dataclass(frozen=True, slots=True)
class Input:
    """A typed SOP parameter."""

    name: str
    type: str
    description: str
    default: Any = None
    pattern: str = ""
    values: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True, slots=True)
class InputCheck:
    """A condition the inputs must meet before a run starts."""

    require: str
    message: str
    pointer: str
    """JSON pointer of the check in the document."""


@dataclass(frozen=True, slots=True)
class Threshold:
    """A named tuning value."""

    name: str
    value: float
    unit: str
    rationale: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """A terminal state."""

    id: str
    title: str
    disposition: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Trigger:
    """An alert that leads to the SOP."""

    alert: str
    when: str
    inputs: dict[str, str] = field(default_factory=dict)
    """Input name -> JSON pointer into the alert's payload (empty: the trigger maps no inputs)."""


@dataclass(frozen=True, slots=True)
class Change:
    """A changelog entry."""

    version: str
    date: str
    change: str


@dataclass(frozen=True, slots=True)
class Reference:
    """A source the SOP relies on."""

    title: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A test scenario (executed by `sopc test`)."""

    name: str
    pointer: str
    demo: str
    """Name of the demo-data case the scenario runs on, or "" for inline data."""
    data: dict[str, list[dict[str, Any]]]
    """Inline rows by canonical table (empty when the scenario names a demo case)."""
    inputs: dict[str, Any]
    answers: dict[str, dict[str, Any]]
    outcome: str
    path: tuple[str, ...] | None
    values: dict[str, Any]
    """Expected values by CEL expression over the finished run."""
    refused: str = ""
    """Text the refusal of the inputs must contain, when the scenario expects the run to be refused."""


@dataclass(frozen=True, slots=True)
class Sop:
    """One SOP, as read from its file."""

    path: str
    id: str
    version: str
    title: str
    summary: str
    status: str
    superseded_by: str
    owner: str
    reviewers: tuple[str, ...]
    review_by: str
    severity: str
    domain: str
    tags: tuple[str, ...]
    triggers: tuple[Trigger, ...]
    inputs: dict[str, Input]
    thresholds: dict[str, Threshold]
    input_checks: tuple[InputCheck, ...]
    steps: tuple[Step, ...]
    outcomes: dict[str, Outcome]
    edge_cases: tuple[str, ...]
    references: tuple[Reference, ...]
    tests: tuple[Scenario, ...]
    changelog: tuple[Change, ...]

    def step(self, step_id: str) -> Step | None:
        """The step with that id, if any (the first one when duplicated)."""
        return next((s for s in self.steps if s.id == step_id), None)


# -- lenient readers -----------------------------------------------------------


def _s(data: Any, key: str) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


def _map(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _list(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _strings(data: Any, key: str) -> tuple[str, ...]:
    return tuple(v for v in _list(data, key) if isinstance(v, str))


def _str_map(data: Any, key: str) -> dict[str, str]:
    return {k: v for k, v in _map(data, key).items() if isinstance(v, str)}


def _number(value: Any) -> float:
    """A threshold value, or NaN when the file does not give a number (the schema reports it)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return float("nan")


def _transition(data: Any, pointer: str) -> Transition | None:
    if not isinstance(data, dict) or not ({"next", "outcome"} & data.keys()):
        return None
    return Transition(_s(data, "next") or None, _s(data, "outcome") or None, pointer)


def _fields(data: Any) -> tuple[TypedField, ...]:
    if not isinstance(data, dict):
        return ()
    return tuple(
        TypedField(name, _s(spec, "type"), _s(spec, "description"), _strings(spec, "values"),
                   spec.get("required", True) is not False)
        for name, spec in data.items() if isinstance(spec, dict)
    )


def _step(data: dict[str, Any], pointer: str) -> Step:
    approval = data.get("approval")
    count = approval.get("count", 1) if isinstance(approval, dict) else 1
    branches = tuple(
        Branch(_s(b, "when") or None, b.get("otherwise") is True, _s(b, "label"),
               _transition(b, pointer_join(pointer_join(pointer, "branches"), i))
               or Transition(None, None, pointer_join(pointer_join(pointer, "branches"), i)),
               pointer_join(pointer_join(pointer, "branches"), i))
        for i, b in enumerate(_list(data, "branches")) if isinstance(b, dict)
    )
    reversible = data.get("reversible")
    return Step(
        id=_s(data, "id"),
        kind=_s(data, "kind"),
        title=_s(data, "title"),
        pointer=pointer,
        instruction=_s(data, "instruction"),
        approval=Approval(_s(approval, "role"), count if isinstance(count, int) else 1)
        if isinstance(approval, dict) else None,
        timeout=_s(data, "timeout"),
        to=_transition(data, pointer),
        sql=_s(data, "sql"),
        params=_str_map(data, "params"),
        condition=_s(data, "condition"),
        on_pass=_transition(data.get("on_pass"), pointer_join(pointer, "on_pass")),
        on_fail=_transition(data.get("on_fail"), pointer_join(pointer, "on_fail")),
        branches=branches,
        actor=_s(data, "actor"),
        evidence=_fields(data.get("evidence")),
        output=_fields(data.get("output")),
        escalate_to=_s(data, "to"),
        within=_s(data, "within"),
        channel=_s(data, "channel"),
        message=_s(data, "message"),
        action=_s(data, "action"),
        target=_s(data, "target"),
        reversible=reversible if isinstance(reversible, bool) else None,
        reason_code=_s(data, "reason_code"),
        sop=_s(data, "sop"),
        bindings=_str_map(data, "with"),
    )


def _scenario(data: dict[str, Any], pointer: str) -> Scenario:
    expect = _map(data, "expect")
    path = expect.get("path")
    return Scenario(
        name=_s(data, "name"),
        pointer=pointer,
        demo=_s(data, "data"),
        data={k: [r for r in v if isinstance(r, dict)] for k, v in _map(data, "data").items() if isinstance(v, list)},
        inputs=_map(data, "inputs"),
        answers={k: v for k, v in _map(data, "answers").items() if isinstance(v, dict)},
        outcome=_s(expect, "outcome"),
        path=tuple(p for p in path if isinstance(p, str)) if isinstance(path, list) else None,
        values=_map(expect, "values"),
        refused=_s(expect, "refused"),
    )


def build(path: str, data: dict[str, Any]) -> Sop:
    """The model of one SOP document (lenient on invalid input)."""
    inputs = {
        name: Input(name, _s(spec, "type"), _s(spec, "description"), spec.get("default"), _s(spec, "pattern"),
                    _strings(spec, "values"),
                    spec.get("required", "default" not in spec) is not False)
        for name, spec in _map(data, "inputs").items() if isinstance(spec, dict)
    }
    # A threshold whose value is not a number is still declared: keep its name
    # (value NaN) so that conditions and SQL naming it do not report it as
    # undeclared on top of the schema's wrong-type error.
    thresholds = {
        name: Threshold(name, _number(spec.get("value")), _s(spec, "unit"), _s(spec, "rationale"))
        for name, spec in _map(data, "thresholds").items() if isinstance(spec, dict)
    }
    return Sop(
        path=path,
        id=_s(data, "id"),
        version=_s(data, "version"),
        title=_s(data, "title"),
        summary=_s(data, "summary"),
        status=_s(data, "status"),
        superseded_by=_s(data, "superseded_by"),
        owner=_s(data, "owner"),
        reviewers=_strings(data, "reviewers"),
        review_by=_s(data, "review_by"),
        severity=_s(data, "severity"),
        domain=_s(data, "domain"),
        tags=_strings(data, "tags"),
        triggers=tuple(Trigger(_s(t, "alert"), _s(t, "when"), {k: v for k, v in _map(t, "inputs").items()
                                                                  if isinstance(v, str)})
                       for t in _list(data, "triggers") if isinstance(t, dict)),
        inputs=inputs,
        thresholds=thresholds,
        input_checks=tuple(InputCheck(_s(c, "require"), _s(c, "message"), f"/input_checks/{i}")
                           for i, c in enumerate(_list(data, "input_checks")) if isinstance(c, dict)),
        steps=tuple(_step(s, f"/steps/{i}") for i, s in enumerate(_list(data, "steps")) if isinstance(s, dict)),
        outcomes={k: Outcome(k, _s(v, "title"), _s(v, "disposition"), _s(v, "description"))
                  for k, v in _map(data, "outcomes").items() if isinstance(v, dict)},
        edge_cases=_strings(data, "edge_cases"),
        references=tuple(Reference(_s(r, "title"), _s(r, "url")) for r in _list(data, "references")
                         if isinstance(r, dict)),
        tests=tuple(_scenario(t, f"/tests/{i}") for i, t in enumerate(_list(data, "tests")) if isinstance(t, dict)),
        changelog=tuple(Change(_s(c, "version"), _s(c, "date"), _s(c, "change")) for c in _list(data, "changelog")
                        if isinstance(c, dict)),
    )
