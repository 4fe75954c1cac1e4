"""The state of a run, folded from its events; replaying the record rebuilds it exactly.

The engine changes nothing directly: it writes an event and applies it, so
a run resumed from its record is in the same state as one that never stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ENDED = frozenset({"completed", "approval_refused"})
"""Statuses a run cannot be resumed from."""


@dataclass(slots=True)
class RunState:
    """Everything a run has established so far."""

    run_id: str = ""
    skill: dict[str, Any] = field(default_factory=dict)
    """id, version and digest of the skill the run executes."""
    inputs: dict[str, Any] = field(default_factory=dict)
    started_by: str = ""
    lang: str = "en"
    """Language of report.md, chosen when the run started."""
    alert: dict[str, str] = field(default_factory=dict)
    """The alert the run was started for ({id, name, ts}, each when known)."""
    case_id: str | None = None
    status: str = "new"
    """new, running, awaiting_approval, awaiting_answer, failed, completed or approval_refused."""
    current: str | None = None
    """The step to run next (None once an outcome is reached)."""
    outcome: str | None = None
    path: list[str] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Result of each completed step, as recorded."""
    columns: dict[str, list[list[str]]] = field(default_factory=dict)
    """(name, type) of each query step's columns, to read timestamps back as timestamps."""
    queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    conditions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    approvals: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The decision recorded at each gate, with when it was recorded (at)."""
    submitted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Signed approvals appended to the record by `sopc approve`, by step, not yet decided on."""
    rejected: list[dict[str, Any]] = field(default_factory=list)
    """Approvals the runner refused, each with the reason."""
    waits: dict[str, int] = field(default_factory=dict)
    """Sequence number of the first pause for an approval at each step: signatures must be over the record
    from there on (an older head is a replay or was signed before the approver could see the figures)."""
    lines: list[str] = field(default_factory=list)
    """sha256 of each line of the record but the last (line n's hash is the prev of event n+1)."""
    escalations: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    waiting: dict[str, Any] | None = None
    frames: list[dict[str, Any]] = field(default_factory=list)
    """Included skills running now, innermost last: {step, sop, inputs, outcome} (outcome once it is reached)."""
    error: str | None = None
    failed_step: str | None = None
    checked: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The grounding of each agent output accepted through the runner API, by step."""
    refusals: list[dict[str, Any]] = field(default_factory=list)
    """Every output the runner API refused, in order (they change nothing else)."""


def _detail(event: dict[str, Any]) -> dict[str, Any]:
    """The event without its bookkeeping fields."""
    return {k: v for k, v in event.items() if k not in ("seq", "type", "at", "prev")}


def apply(state: RunState, event: dict[str, Any]) -> RunState:
    """The state after one more event."""
    kind, step = event["type"], str(event.get("step", ""))
    state.lines.append(event["prev"])
    if kind == "run_started":
        state.run_id, state.skill, state.inputs = event["run_id"], event["skill"], event["inputs"]
        state.started_by, state.current, state.status = event["started_by"], event["first_step"], "running"
        state.lang = event.get("lang", "en")
        state.alert, state.case_id = dict(event.get("alert", {})), event.get("case_id")
    elif kind == "run_resumed":
        state.status, state.waiting, state.error, state.failed_step = "running", None, None, None
    elif kind == "step_started":
        # A step that was cut off restarts from scratch; drop what its first attempt left.
        state.queries.pop(step, None)
        state.conditions[step] = []
        state.escalations = [e for e in state.escalations if e["step"] != step]
        state.actions = [a for a in state.actions if a["step"] != step]
    elif kind == "query_executed":
        state.queries[step] = _detail(event)
    elif kind == "condition_evaluated":
        state.conditions.setdefault(step, []).append(_detail(event))
    elif kind == "answer_recorded":
        state.answers[step] = event["answer"]
    elif kind == "approval_recorded":
        state.approvals[step] = {**_detail(event), "at": event["at"]}
        state.submitted.pop(step, None)
        if not event["approved"] and "on_refused" not in event:
            state.status = "approval_refused"  # final at once, even if the run's end was never written
    elif kind == "approval_submitted":
        state.submitted.setdefault(step, []).append(event["signed"])
    elif kind == "approval_rejected":
        state.rejected.append({**_detail(event), "at": event["at"]})
    elif kind == "escalation_recorded":
        state.escalations.append({**_detail(event), "at": event["at"]})
    elif kind == "action_recommended":
        state.actions.append(_detail(event))
    elif kind == "include_started":
        state.frames.append({"step": step, "sop": event["sop"], "inputs": event["inputs"], "outcome": None})
        state.current = event["first_step"]
    elif kind == "step_completed":
        state.results[step] = event["result"]
        if "columns" in event:
            state.columns[step] = event["columns"]
        state.path.append(step)
        if state.frames and state.frames[-1]["step"] == step:
            state.frames.pop()  # the include step itself completed: its section of the record is closed
        frame = state.frames[-1] if state.frames and step.startswith(state.frames[-1]["step"] + "/") else None
        if frame is not None and "outcome" in event:
            frame["outcome"] = event["outcome"]  # the included skill ended: back to its include step
            state.current = frame["step"]
        else:
            state.current = event.get("next")
            state.outcome = event.get("outcome", state.outcome)
    elif kind == "awaiting":
        if event["reason"] == "approval":
            state.waits.setdefault(step, event["seq"])
        state.status = f"awaiting_{event['reason']}"
        state.waiting = _detail(event)
    elif kind == "step_failed":
        state.status, state.error, state.failed_step = "failed", event["error"], step or None
    elif kind == "output_checked":
        state.checked[step] = _detail(event)
    elif kind == "submission_refused":
        state.refusals.append(_detail(event))
    elif kind == "run_ended":
        state.status, state.outcome = event["status"], event.get("outcome")
    return state


def data_source(events: list[dict[str, Any]]) -> str:
    """The data the run last started or resumed on (as the record names it)."""
    return next(str(e.get("source")) for e in reversed(events) if e.get("type") in ("run_started", "run_resumed"))


def replay(events: list[dict[str, Any]]) -> RunState:
    """The state a record describes."""
    state = RunState()
    for event in events:
        apply(state, event)
    return state
