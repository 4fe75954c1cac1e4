"""Which submissions a run takes, table-driven over run states (the runner API's refusal rule)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compiler.runner.runstate import approval_schema
from compiler.runner.session import AgentOutput, refusal
from compiler.runner.state import RunState

SKILL = json.loads((Path(__file__).resolve().parent.parent / "skills" / "wash-trading-linked-accounts" /
                    "skill.json").read_text())
DONE = ["subject_profile", "market_maker_gate", "linked_accounts", "linked_volume", "net_position", "assess"]


def state(status: str, waiting: str | None = None, reason: str = "answer", **more: Any) -> RunState:
    found = RunState(run_id="r1", status=status, path=list(DONE), results={s: {} for s in DONE}, **more)
    if waiting:
        found.waiting = {"step": waiting, "reason": reason}
        found.current = waiting
    return found


@pytest.mark.parametrize(("run", "step", "reason"), [
    (state("awaiting_answer", "draft_narrative"), "draft_narrative", None),
    (state("awaiting_answer", "draft_narrative"), "replay", "not_agent_step"),
    (state("awaiting_answer", "draft_narrative"), "escalate", "not_agent_step"),
    (state("awaiting_answer", "draft_narrative"), "force_stp", "not_agent_step"),
    (state("awaiting_answer", "draft_narrative"), "assess", "not_agent_step"),
    (state("awaiting_answer", "draft_narrative"), "agent_review", "not_pending"),
    (state("awaiting_answer", "draft_narrative"), "nope", "unknown_step"),
    (state("awaiting_answer", "replay"), "draft_narrative", "not_pending"),
    (state("awaiting_approval", "escalate", "approval"), "escalate", "not_agent_step"),
    (state("completed"), "draft_narrative", "run_ended"),
    (state("approval_refused"), "draft_narrative", "run_ended"),
    (state("failed", failed_step="linked_volume", error="timed out"), "draft_narrative", "run_failed"),
    (state("running"), "draft_narrative", "not_pending"),
])
def test_only_the_pending_agent_step_of_a_live_run_takes_an_output(run: RunState, step: str,
                                                                   reason: str | None) -> None:
    found = refusal(SKILL, run, step)
    assert (found[0] if found else None) == reason


def test_agent_answers_hold_one_agent_step_and_never_an_approval() -> None:
    steps = {s["id"]: s for s in SKILL["steps"]}
    answers = AgentOutput("draft_narrative", {"narrative": "x", "replay_focus": "y"})
    assert answers.answer(steps["draft_narrative"]) == {"narrative": "x", "replay_focus": "y"}
    assert answers.answer(steps["replay"]) is None
    assert answers.answer(steps["agent_review"]) is None
    assert all(answers.approval(s) is None for s in steps.values())
    sneaky = AgentOutput("replay", {"replay_link": "https://x", "mirrored_orders": True, "note": "n"})
    assert sneaky.answer(steps["replay"]) is None  # a manual step's id does not make the output a person's


def test_an_approval_schema_asks_for_the_gate_role_and_count() -> None:
    schema = approval_schema({"role": "risk-manager", "count": 2})
    assert schema["properties"]["role"] == {"const": "risk-manager"}
    assert schema["properties"]["by"]["oneOf"][1]["minItems"] == 2
