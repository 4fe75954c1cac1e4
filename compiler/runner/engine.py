"""Executing a compiled skill, step by step, writing every fact to the run record as it happens.

The engine never writes state directly: it appends an event to the record
and folds it into the state (`state.apply`), so a resumed run continues from
exactly what the record says. The record is synced before every query and
every question to a person, and when the run returns. It never carries out an action step: actions
are recorded as recommendations with their approval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from celpy import celtypes

from compiler.approvers import Registry, person
from compiler.files import UsageError
from compiler.runner import conditions, querycheck
from compiler.runner.answers import (
    Answers,
    Checked,
    Gate,
    PromptedAnswers,
    answer_problems,
    approval_problems,
    approvers,
    signed_check,
    signed_decision,
)
from compiler.runner.database import Database
from compiler.runner.errors import RunError
from compiler.runner.events import Clock, EventLog, utc_now
from compiler.runner.includes import SEPARATOR, Place, check_embedded, embedded_skills, step_table
from compiler.runner.inputs import checked_inputs
from compiler.runner.state import RunState, apply
from compiler.runner.values import cel_object, cel_query, fixed_activation, sql_value, to_json


@dataclass(slots=True)
class Engine:
    """One run of one skill: the skill document, the data, the answers and the record."""

    skill: dict[str, Any]
    database: Database
    answers: Answers
    log: EventLog
    state: RunState
    operator: str = ""
    """Who is running this session (the starter, or whoever resumed): recorded with answers, barred from approving."""
    registry: Registry | None = None
    """The approver registry: with one, only signed approvals that verify against it count."""
    clock: Clock = utc_now
    _cel: dict[str, Any] = field(default_factory=dict)
    """CEL values of finished steps, made once each."""
    _fixed: dict[str, dict[str, Any]] = field(default_factory=dict)
    """CEL values of the inputs and thresholds, made once per skill running (by prefix)."""
    _table: dict[str, Place] = field(default_factory=dict)
    """Every step the run may execute, included skills' steps by qualified id."""

    def emit(self, event_type: str, /, **fields: Any) -> dict[str, Any]:
        """Record an event, then let it change the state."""
        event = self.log.append(event_type, **fields)
        apply(self.state, event)
        return event

    def begin(self, run_id: str, inputs: dict[str, Any], skill_sha256: str, lang: str = "en",
              origin: Mapping[str, Any] | None = None) -> None:
        """Record the start of a new run: the skill, its inputs, who runs it, on which data (and, when it is
        not English, the language of its report; origin: the alert and case id it was started for)."""
        self.emit("run_started", run_id=run_id, skill={k: self.skill[k] for k in ("id", "version", "digest")},
                  skill_sha256=skill_sha256, inputs=inputs, started_by=self.operator, source=self.database.source,
                  first_step=self.skill["first_step"], limits=self.database.limits, engine=self.database.record,
                  **({"lang": lang} if lang != "en" else {}), **(origin or {}))

    def run(self) -> RunState:
        """Run steps until an outcome, a pause for a person, or an error; the record is synced when it returns."""
        try:
            return self._run()
        finally:
            self.log.sync()

    def _run(self) -> RunState:
        self._table = step_table(self.skill)
        for skill in embedded_skills(self.skill):
            querycheck.check_skill(skill)
        if self.state.status == "running" and self.state.current is not None:
            try:
                check_embedded(self.skill)  # an included skill that is not the one compiled runs nothing
            except RunError as err:
                self.emit("step_failed", step=self.state.current, error=str(err))
        while self.state.status == "running" and self.state.current is not None:
            place = self._table.get(self.state.current)
            if place is None:
                raise RunError(f"the skill has no step {self.state.current!r}")
            try:
                if place.qid in self.state.path:
                    raise RunError(f"step {place.qid!r} would run a second time: the skill has a loop")
                self._step(place)
            except RunError as err:
                self.emit("step_failed", step=place.qid, error=str(err))
        if self.state.status == "running" and self.state.current is None and self.state.outcome:
            # Killed after the last step was recorded but before the run's end was.
            self.emit("run_ended", status="completed", outcome=self.state.outcome, path=self.state.path)
        return self.state

    def _complete(self, expression: str, activation: Mapping[str, Any], prefix: str = "") -> Mapping[str, Any]:
        """The activation, once sure the expression reads no rows the record left out."""
        for text in conditions.reads(expression):
            root, _, rest = text.partition(".")
            result = self.state.results.get(prefix + root)
            if rest.startswith("rows") and result and "row_count" in result \
                    and result["row_count"] > len(result["rows"]):
                raise RunError(f"{expression!r} reads {root}.rows, but only {len(result['rows'])} of its "
                               f"{result['row_count']} rows were kept (--max-rows): aggregate in SQL or raise the limit")
        return activation

    def _inputs(self, prefix: str) -> Mapping[str, Any]:
        """The inputs of the skill running under prefix: the run's, or those bound by its include step."""
        if not prefix:
            return self.state.inputs
        frame = next(f for f in self.state.frames if f["step"] + SEPARATOR == prefix)
        return dict(frame["inputs"])

    def activation(self, prefix: str = "") -> dict[str, Any]:
        """CEL names for conditions of the skill running under prefix: inputs, thresholds, completed steps."""
        if prefix not in self._fixed:
            skill = self.skill if not prefix else self._table[prefix[:-1]].step["include"]["skill"]
            self._fixed[prefix] = fixed_activation(self._inputs(prefix), skill)
        names: dict[str, Any] = dict(self._fixed[prefix])
        for qid in self.state.results:
            local = qid[len(prefix):]
            if qid.startswith(prefix) and SEPARATOR not in local:
                names[local] = self._value(qid)
        return names

    def _value(self, qid: str) -> Any:
        """The CEL value of a completed step; an include step's holds its outcome and its steps' results."""
        if qid not in self._cel:
            result, place = self.state.results[qid], self._table[qid]
            columns = self.state.columns.get(qid)
            if columns is not None:
                value = cel_query([(n, t) for n, t in columns], result)
            else:
                value = cel_object(result, place.step["result_schema"])
            if place.step["kind"] == "include":
                inner = {celtypes.StringType(sub[len(qid) + 1:]): self._value(sub) for sub in self.state.results
                         if sub.startswith(qid + SEPARATOR) and SEPARATOR not in sub[len(qid) + 1:]}
                value = celtypes.MapType({**value, **inner})
            self._cel[qid] = value
        return self._cel[qid]

    def _step(self, place: Place) -> None:
        step, step_id, kind = place.step, place.qid, place.step["kind"]
        if kind == "include":
            self._include(place)
            return
        self.emit("step_started", step=step_id, kind=kind)
        approvers: list[str] | None = None
        target: Any = None
        if kind == "action" and step["action"].get("target"):
            expression = step["action"]["target"]
            target = to_json(conditions.value(expression, self._complete(expression, self.activation(place.prefix),
                                                                         place.prefix)))
        if step.get("approval"):
            approvers = self._approve(place, target)
            if approvers is None:
                return
            if not approvers:  # refused, and the gate says where a refusal goes
                self._complete_step(place, {"approved": False}, step["approval"]["on_refused"])
                return
        extra: dict[str, Any] = {}
        if kind == "query":
            result, extra = self._query(place)
            transition = step["transitions"][0]
        elif kind in ("check", "decision"):
            transition = self._choose(place)
            result = {"passed": transition["label"] == "pass"} if kind == "check" else {"branch": transition["label"]}
        elif kind in ("manual", "agent"):
            answer = self._answer(place)
            if answer is None:
                return
            result, transition = answer, step["transitions"][0]
        elif kind == "escalate":
            escalation = step["escalation"]
            self.emit("escalation_recorded", step=step_id, to=escalation["to"], within=escalation["within"],
                      channel=escalation.get("channel"), message=escalation.get("message"), approved_by=approvers)
            result, transition = {}, step["transitions"][0]
        elif kind == "action":
            action = step["action"]
            self.emit("action_recommended", step=step_id, action=action["action"], target=target,
                      reversible=action["reversible"], reason_code=action.get("reason_code"),
                      approved_by=approvers, executed=False)
            result, transition = {"approved": True}, step["transitions"][0]
        else:
            raise RunError(f"step {step_id!r}: {kind} steps are not supported by the reference runner")
        self._complete_step(place, result, transition, extra)

    def _complete_step(self, place: Place, result: dict[str, Any], transition: Mapping[str, Any],
                       extra: Mapping[str, Any] | None = None) -> None:
        """Record the step's result and where it leads; an outcome of the run's own skill ends the run."""
        target = {"next": place.prefix + transition["next"]} if transition.get("next") \
            else {"outcome": transition["outcome"]}
        self.emit("step_completed", step=place.qid, result=result, **(extra or {}), **target)
        if "outcome" in target and not place.prefix:
            self.emit("run_ended", status="completed", outcome=target["outcome"], path=self.state.path)

    def _include(self, place: Place) -> None:
        """Start the included skill with its bound inputs or, once it reached an outcome, map it into the flow."""
        frame = self.state.frames[-1] if self.state.frames and self.state.frames[-1]["step"] == place.qid else None
        include = place.step["include"]
        if frame is None:
            self.emit("step_started", step=place.qid, kind="include")
            if place.step.get("approval"):  # the gate decides whether the included SOP runs at all
                approvers = self._approve(place, None)
                if approvers is None:
                    return
                if not approvers:
                    self._complete_step(place, {"approved": False}, place.step["approval"]["on_refused"])
                    return
            activation = self.activation(place.prefix)
            given = {name: to_json(conditions.value(expression, self._complete(expression, activation, place.prefix)))
                     for name, expression in include["with"].items()}
            try:
                bound = checked_inputs(given, include["skill"])
            except UsageError as err:
                raise RunError(f"step {place.qid!r}: {include['sop']} refuses the inputs bound for it: {err}") from err
            self.emit("include_started", step=place.qid, sop=include["sop"], version=include["version"],
                      digest=include["digest"], inputs=bound,
                      first_step=place.qid + SEPARATOR + include["skill"]["first_step"])
            return
        outcome = frame["outcome"]
        transitions = place.step["transitions"]
        transition = next((t for t in transitions if t.get("label") == f"outcome {outcome}"), None) \
            or next((t for t in transitions if not t.get("label")), None)
        if transition is None:
            raise RunError(f"step {place.qid!r}: {include['sop']} ended in {outcome!r}, which the step does not map")
        self._complete_step(place, {"outcome": outcome}, transition)

    def _approve(self, place: Place, target: Any) -> list[str] | None:
        """The approvers; None while waiting or after a refusal that ends the run; [] for a routed refusal."""
        step = {**place.step, "id": place.qid}
        gate = step["approval"]
        if self.answers.interactive and self.registry is None:
            self.log.sync()  # what the person is asked about is on disk first
        about = {"target": target} if step["kind"] == "action" else {}
        if self.registry is not None:
            return self._approve_signed(step, about)
        approval = self.answers.approval(step)
        if approval is not None and "signed" in approval:
            approval, problems = None, ["signed approvals are checked against an approver registry, and this "
                                        "run has none (give --approvers FILE)"]
        else:
            operators = {self.state.started_by, self.operator} - {""}
            problems = approval_problems(step, approval, operators) if approval is not None else []
        if approval is None or problems:
            self.emit("awaiting", step=step["id"], reason="approval", role=gate["role"],
                      count=gate.get("count", 1), problems=problems, **about)
            return None
        names = sorted(set(approvers(approval)))
        routed = _routed(gate, approval["approved"])
        self.emit("approval_recorded", step=step["id"], approved=approval["approved"], role=approval["role"],
                  by=names, note=approval.get("note"), recorded_by=self.operator or self.state.started_by,
                  signature="unverified", **about, **routed)
        return self._decided(approval["approved"], names, routed)

    def _decided(self, approved: bool, names: list[str], routed: Mapping[str, Any]) -> list[str] | None:
        """The approvers; after a refusal [] when the gate routes it, else the run ends approval_refused (None)."""
        if not approved:
            if routed:
                return []
            self.emit("run_ended", status="approval_refused", outcome=None, path=self.state.path)
            return None
        return names

    def _gate(self, step: Mapping[str, Any]) -> Gate:
        """What a signed approval must be about to count at this step now."""
        waited = self.state.waits.get(step["id"])
        lines = [*self.state.lines, self.log.head]  # the hash of every line, GENESIS first
        since = lines[waited:] if waited is not None else []
        return Gate(run_id=self.state.run_id, skill_digest=self.skill["digest"], step=step["id"],
                    role=step["approval"]["role"], heads=frozenset(since),
                    earlier=frozenset(lines[:waited] if waited is not None else lines),
                    operators=frozenset(person(o) for o in (self.state.started_by, self.operator) if o),
                    now=self.clock())

    def _approve_signed(self, step: Mapping[str, Any], about: dict[str, Any]) -> list[str] | None:
        assert self.registry is not None
        gate, step_id = step["approval"], step["id"]
        source = self.answers.given if isinstance(self.answers, PromptedAnswers) else self.answers
        given = source.approval(step)  # nobody is asked for names: a signature is made with sopc approve
        envelopes = list(self.state.submitted.get(step_id, []))
        problems: list[str] = []
        if given is not None and "signed" in given:
            envelopes += [e for e in given["signed"] if e not in envelopes]
        elif given is not None:
            problems.append(f"the approval of {step_id!r} is not signed; this run accepts only approvals signed "
                            "with a key in the approver registry (sopc approve)")
        context = self._gate(step)
        counted, rejected = signed_decision([signed_check(e, self.registry, context) for e in envelopes])
        recorded = {(r.get("signature"), r["reason"]) for r in self.state.rejected if r["step"] == step_id}
        for item in rejected:
            signature = item.envelope.get("signature") if isinstance(item.envelope.get("signature"), str) else None
            problems.append(f"{item.claimed or 'an approval'}: {item.reason}")
            if (signature, item.reason) not in recorded:
                self.emit("approval_rejected", step=step_id, approver=item.claimed,
                          key=item.envelope.get("key") if isinstance(item.envelope.get("key"), str) else None,
                          signature=signature, reason=item.reason)
        refusals = [c for c in counted if c.envelope["statement"]["decision"] == "refuse"]
        routed = _routed(gate, not refusals)
        chosen = refusals or counted
        if not refusals and len(counted) < gate.get("count", 1):
            problems.append(f"step {step_id!r} needs {gate.get('count', 1)} distinct approvers with signed "
                            f"approvals, has {len(counted)}")
            self.emit("awaiting", step=step_id, reason="approval", role=gate["role"], count=gate.get("count", 1),
                      problems=problems, **about)
            return None
        names = sorted(c.approver.name for c in chosen if c.approver)
        notes = [(f"{c.approver.name}: " if len(chosen) > 1 else "") + c.envelope["statement"]["note"]
                 for c in chosen if c.approver and c.envelope["statement"]["note"]]
        self.emit("approval_recorded", step=step_id, approved=not refusals, role=gate["role"], by=names,
                  note="; ".join(notes) or None, recorded_by=self.operator or self.state.started_by,
                  signature="verified", registry=self.registry.sha256,
                  signed=[_signed_entry(c) for c in chosen], **about, **routed)
        return self._decided(not refusals, names, routed)

    def _answer(self, place: Place) -> dict[str, Any] | None:
        step = {**place.step, "id": place.qid}
        if self.answers.interactive:
            self.log.sync()
        answer = self.answers.answer(step)
        problems = answer_problems(step, answer) if answer is not None else []
        if answer is None or problems:
            self.emit("awaiting", step=step["id"], reason="answer", problems=problems)
            return None
        self.emit("answer_recorded", step=step["id"], answer=answer, by=self.operator or self.state.started_by)
        return dict(answer)

    def _query(self, place: Place) -> tuple[dict[str, Any], dict[str, Any]]:
        step, skill = place.step, place.skill
        sql = step["sql"]
        activation = self.activation(place.prefix)
        run_inputs = self._inputs(place.prefix)
        bound: dict[str, Any] = {}
        inputs = skill["inputs_schema"].get("properties", {})
        for parameter in sql["parameters"]:
            name, source = parameter["name"], parameter["source"]
            if source == "input":
                value = run_inputs.get(name)
                bound[name] = sql_value(value, inputs.get(name, {}).get("format") == "date-time")
            elif source == "threshold":
                bound[name] = skill["thresholds"][name]["value"]
            else:
                expression = parameter["expression"]
                bound[name] = conditions.value(expression, self._complete(expression, activation, place.prefix))
        self.log.sync(wait=False)  # on disk while the engine works
        found = self.database.query_step(sql, bound)
        self.emit("query_executed", step=place.qid, sql_sha256=found.sql_sha256, parameters=to_json(bound),
                  columns=[list(c) for c in found.columns], row_count=found.row_count, rows=list(found.rows),
                  truncated=found.truncated, elapsed_ms=found.elapsed_ms)
        result = {"rows": list(found.rows), "row_count": found.row_count}
        return result, {"columns": [list(c) for c in found.columns]}

    def _choose(self, place: Place) -> dict[str, Any]:
        for transition in place.step["transitions"]:
            expression = transition.get("when")
            if expression is None:
                return dict(transition)
            activation = self._complete(expression, self.activation(place.prefix), place.prefix)
            held = conditions.condition(expression, activation)
            reads = {text: _read(text, activation) for text in conditions.reads(expression)}
            self.emit("condition_evaluated", step=place.qid, label=transition["label"], expression=expression,
                      reads=reads, result=held)
            if held:
                return dict(transition)
        raise RunError(f"step {place.qid!r}: no branch holds and there is no otherwise")


def _routed(gate: Mapping[str, Any], approved: bool) -> dict[str, Any]:
    """What the record says of a refusal the gate routes to a step or outcome ({} otherwise)."""
    return {"on_refused": gate["on_refused"]} if not approved and gate.get("on_refused") else {}


def _signed_entry(checked: Checked) -> dict[str, Any]:
    """An accepted signed approval as the record keeps it: the envelope and the registry entry it verified with."""
    assert checked.approver is not None
    return {**checked.envelope, "approver": checked.approver.entry()}


def _read(text: str, activation: Mapping[str, Any]) -> Any:
    """A value a condition read, for the record (long lists cut to 20 items)."""
    try:
        value = to_json(conditions.read(text, activation))
    except RunError as err:
        return {"error": str(err)}
    if isinstance(value, list) and len(value) > 20:
        return {"first_20": value[:20], "items": len(value)}
    return value
