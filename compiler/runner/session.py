"""The runner's API for agents and orchestrators: start a run, read where it stands, hand it an agent's output.

The machine computes, the agent judges, people approve. `start` runs every
query, check and decision until the run needs an agent, a person or an
approver, or ends; `submit` takes the output of the pending `agent` step
only, checks it against the step's schema and the grounding gate, records
it and runs on. Manual steps and approval gates are never answered here:
people answer them with `sopc run --resume RUN --answers FILE`. Every
refused submission is recorded (submission_refused), so the quality review
can count an agent's mistakes. `sopc mcp` is a thin layer over this module;
`sopc run --format json` prints the same run-state object.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from compiler.files import UsageError
from compiler.runner import grounding
from compiler.runner.alerts import find_runbooks, inputs_from_alert
from compiler.runner.answers import GivenAnswers, answer_problems
from compiler.runner.database import DEFAULT_LIMITS, Database
from compiler.runner.errors import RecordBusy, RunError
from compiler.runner.events import read_record
from compiler.runner.includes import steps_by_id
from compiler.runner.run import (
    EVENTS,
    REPORT_JSON,
    REPORT_MD,
    RUN_ID,
    SKILL,
    Finished,
    append,
    load_skill,
    proceed,
    read_skill,
    reopen,
    start,
)
from compiler.runner.runstate import run_state
from compiler.runner.sparkconf import SparkOptions
from compiler.runner.state import ENDED, RunState, data_source, replay
from compiler.runner.worker import Limits


class Refused(Exception):
    """A submission the run did not take. Recorded as submission_refused; the run changed in no other way."""

    def __init__(self, refusal: Mapping[str, Any], state: Mapping[str, Any]) -> None:
        super().__init__(refusal["message"])
        self.refusal = dict(refusal)
        self.state = dict(state)


@dataclass(frozen=True, slots=True)
class AgentOutput:
    """Answers that hold one agent step's output and nothing else: no manual step, no approval."""

    step_id: str
    output: Mapping[str, Any]
    interactive: ClassVar[bool] = False

    def answer(self, step: Mapping[str, Any]) -> dict[str, Any] | None:
        """The output, for its own agent step only."""
        return dict(self.output) if step["id"] == self.step_id and step["kind"] == "agent" else None

    def approval(self, step: Mapping[str, Any]) -> dict[str, Any] | None:
        """Never: gates are for people."""
        return None


def refusal(skill: Mapping[str, Any], state: RunState, step_id: str) -> tuple[str, str] | None:
    """(reason, message) when a run cannot take an agent's output for this step now; None when it can."""
    steps = steps_by_id(skill)
    pending = (state.waiting or {}).get("step") if state.status.startswith("awaiting") else None
    if state.status in ENDED:
        return "run_ended", f"run {state.run_id} has ended ({state.status}); it takes no more outputs"
    if state.status == "failed":
        return "run_failed", (f"run {state.run_id} stopped at {state.failed_step}: {state.error}; "
                              "a person resumes it with sopc run --resume")
    if step_id not in steps:
        return "unknown_step", f"the skill {skill['id']!r} has no step {step_id!r}"
    step = steps[step_id]
    if step["kind"] != "agent":
        who = "approvers" if step.get("approval") or step["kind"] == "action" else "people"
        return "not_agent_step", (f"step {step_id!r} is a {step['kind']} step: {who} answer it outside the agent's "
                                  "session (sopc run --resume RUN --answers FILE); no tool can")
    if step_id != pending:
        done = "already has its output" if step_id in state.results else "is not the step the run waits at"
        return "not_pending", f"step {step_id!r} {done}; the run waits at {pending or 'no step'} ({state.status})"
    if state.status == "awaiting_approval":
        return "not_agent_step", f"step {step_id!r} waits for its approval gate first; approvers decide it, no tool can"
    return None


@dataclass(slots=True)
class Runs:
    """Runs of the compiled skills in `skills`, on the data `db`, kept in `out`.

    Safe to call from several threads: each run's record is locked while it
    is written, and the one connection to the data is used by one call at a time.
    """

    db: Path
    out: Path
    skills: Path
    limits: Limits = DEFAULT_LIMITS
    """What each run may spend (time, rows, memory, threads, spill), as `sopc run` takes them."""
    spark: SparkOptions | None = None
    """Apache Spark's options when the runs go to Spark (None: DuckDB)."""
    _data: Database | None = None
    _data_lock: threading.Lock = field(default_factory=threading.Lock)
    _checked: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Skills already checked against the skill schema, by the sha256 of their bytes."""

    def close(self) -> None:
        """Close the connection to the data."""
        with self._data_lock:
            if self._data is not None:
                self._data.close()
                self._data = None

    def _skill(self, path: Path) -> dict[str, Any]:
        """A compiled skill, checked once per content (a run folder's copy is read at every get_run)."""
        try:
            key = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as err:
            raise UsageError(f"cannot read {path}: {err.strerror}") from err
        if key not in self._checked:
            self._checked[key] = load_skill(path)
        return self._checked[key]

    def catalog(self) -> list[dict[str, Any]]:
        """Every compiled skill the index lists, checked against the skill schema."""
        try:
            index = json.loads((self.skills / "index.json").read_bytes())
        except (OSError, ValueError) as err:
            raise UsageError(f"cannot read {self.skills / 'index.json'}; run: sopc build") from err
        return [self._skill(self.skills / entry["id"] / SKILL) for entry in index.get("skills", [])]

    def find(self, alert: str) -> list[dict[str, Any]]:
        """Runbooks for an alert name: exact matches first, then close ones."""
        return find_runbooks(self.catalog(), alert)

    def folder(self, run_id: str) -> Path:
        """A run's folder; a run id is never a path."""
        if not RUN_ID.fullmatch(run_id) or not (self.out / run_id / EVENTS).is_file():
            raise UsageError(f"no run {run_id!r} in {self.out}")
        return self.out / run_id

    @contextmanager
    def _database(self) -> Iterator[Database]:
        """The data, opened at first use and kept open (opening a DuckDB file costs more than a small run)."""
        with self._data_lock:
            if self._data is None:
                try:
                    self._data = Database.open(self.db, self.limits, spark=self.spark)
                except RunError as err:
                    raise UsageError(str(err)) from err
            yield self._data

    def start(self, sop_id: str, *, by: str, inputs: Mapping[str, Any] | None = None,
              alert: Mapping[str, Any] | None = None, run_id: str | None = None,
              case_id: str | None = None) -> dict[str, Any]:
        """Start a run from typed inputs or from an alert, and run it until someone must act or it ends (the
        alert's id, name and time, and the case id, are recorded for the report)."""
        if (inputs is None) == (alert is None):
            raise UsageError("give either inputs or an alert {name, payload}")
        if not RUN_ID.fullmatch(sop_id) or not (self.skills / sop_id / SKILL).is_file():
            raise UsageError(f"no compiled skill {sop_id!r} in {self.skills}")
        skill, raw = read_skill(self.skills / sop_id / SKILL)
        values = dict(inputs) if inputs is not None else inputs_from_alert(skill, alert or {})
        try:
            with self._database() as database:
                finished = start(skill, database, values, GivenAnswers({}), self.out, started_by=by, run_id=run_id,
                                 raw=raw, case_id=case_id,
                                 alert={k: alert[k] for k in ("id", "name", "ts") if k in alert} if alert else None)
        except RunError as err:
            raise UsageError(str(err)) from err
        return self._state(skill, finished)

    def get(self, run_id: str) -> dict[str, Any]:
        """Where a run stands now, as its record says (whoever last wrote it: an agent, a person, a resume)."""
        folder = self.folder(run_id)
        try:
            events, _, head = read_record(folder / EVENTS)
        except RunError as err:
            raise UsageError(str(err)) from err
        return run_state(self._skill(folder / SKILL), replay(events), {"events": len(events), "head": head},
                         str(folder))

    def submit(self, run_id: str, step_id: str, output: Any, *, by: str) -> dict[str, Any]:
        """Hand the pending agent step its output: checked, grounded, recorded, then the run goes on.

        Raises Refused (recorded in the run) when the run cannot take it, and
        UsageError when another client is writing the run at this moment.
        """
        folder = self.folder(run_id)
        try:
            skill, log, events, torn = reopen(folder)  # the lock: what is decided below still holds when recorded
        except RecordBusy as err:
            raise UsageError(f"run {run_id} is being written by another client (a submission or a resume); "
                             "call get_run, then submit again if the step still waits") from err
        try:
            state = replay(events)
            refused = refusal(skill, state, step_id)
            checked: dict[str, Any] | None = None
            problems: list[str] = []
            extra: dict[str, Any] = {}
            if refused is None:
                step = steps_by_id(skill)[step_id]
                problems = answer_problems(step, output)
                if problems:
                    refused = "off_schema", f"the output of {step_id!r} does not fit its schema"
                else:
                    verdict = grounding.check(output, step["result_schema"], facts(skill, state))
                    if not verdict.grounded:
                        problems = verdict.problems()
                        refused = "ungrounded", (f"the output of {step_id!r} names figures or identifiers the run "
                                                 "has not recorded; cite recorded values as they are")
                        extra = {"ungrounded": list(verdict.ungrounded), "unknown_identifiers": list(verdict.unknown)}
                    else:
                        checked = {"step": step_id, "by": by, **verdict.summary()}
            if refused is not None:
                reason, message = refused
                event = {"step": step_id, "by": by, "reason": reason, "message": message, "problems": problems, **extra}
                finished = append(folder, skill, log, events, "submission_refused", **event)
                raise Refused(event, self._state(skill, finished))
            if data_source(events) != str(self.db.resolve()):
                log.close()
                raise UsageError(f"run {run_id} runs on {data_source(events)}; this server serves {self.db.resolve()}")
        except BaseException:
            log.close()  # closing twice is harmless
            raise
        try:
            with self._database() as database:
                finished = proceed(folder, skill, log, events, state, AgentOutput(step_id, output), by=by,
                                   database=database, torn=torn, checked=checked)
        except RunError as err:
            raise UsageError(str(err)) from err
        return self._state(skill, finished)

    def report(self, run_id: str) -> dict[str, Any]:
        """report.json and report.md of a run, as its folder holds them."""
        folder = self.folder(run_id)
        try:
            return {"run_id": run_id, "report": json.loads((folder / REPORT_JSON).read_bytes()),
                    "markdown": (folder / REPORT_MD).read_text(encoding="utf-8")}
        except (OSError, ValueError) as err:
            raise UsageError(f"run {run_id} has no readable report yet: {err}") from err

    @staticmethod
    def _state(skill: Mapping[str, Any], finished: Finished) -> dict[str, Any]:
        return run_state(skill, finished.state, finished.report["record"], str(finished.folder))


def facts(skill: Mapping[str, Any], state: RunState) -> grounding.Facts:
    """What an agent may cite in this run: inputs, thresholds, every recorded row and count, every value read."""
    queries = {step: {"row_count": q["row_count"], "rows": q["rows"]} for step, q in state.queries.items()
               if step in state.results}
    reads = [c["reads"] for checks in state.conditions.values() for c in checks]
    vocabulary = [json.dumps({k: skill[k] for k in ("title", "summary", "steps", "edge_cases", "outcomes")},
                             ensure_ascii=False)]
    return grounding.recorded_facts(state.inputs, skill["thresholds"], queries, reads, vocabulary)
