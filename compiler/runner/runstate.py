"""The run-state object: where a run stands, for an agent, an orchestrator or a person (schema/run-state.schema.json).

Pure: made from the skill and the state the record folds to, so `sopc mcp`,
`sopc run --format json` and anything else that reads a run folder show the
same object. The pending step says who must act: the agent (an `agent`
step, answered with submit_step), a person (a `manual` step) or an approver
(a gate); people answer outside the agent's session, with
`sopc run --resume RUN --answers FILE`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.runner.state import RunState

FIGURE_ROWS = 50
"""Rows of each query handed to whoever must act; the grounding gate checks against every recorded row."""


def approval_schema(gate: Mapping[str, Any]) -> dict[str, Any]:
    """JSON Schema of an approval as an answers file gives it."""
    names = {"type": "string", "minLength": 1}
    return {"type": "object", "required": ["approved", "by", "role"], "additionalProperties": False,
            "properties": {"approved": {"type": "boolean"},
                           "by": {"oneOf": [names, {"type": "array", "items": names,
                                                    "minItems": gate.get("count", 1)}]},
                           "role": {"const": gate["role"]}, "note": {"type": "string"}}}


def figures(skill: Mapping[str, Any], state: RunState) -> dict[str, Any]:
    """What the run has established: inputs, thresholds and the results of completed steps."""
    results: dict[str, Any] = {}
    for step_id in state.path:
        result = state.results.get(step_id, {})
        if "rows" in result:
            shown = result["rows"][:FIGURE_ROWS]
            results[step_id] = {"row_count": result["row_count"], "rows": shown,
                                **({"rows_shown": len(shown)} if len(shown) < result["row_count"] else {})}
        else:
            results[step_id] = result
    return {"inputs": dict(state.inputs),
            "thresholds": {name: spec["value"] for name, spec in skill["thresholds"].items()},
            "results": results}


def _pending(skill: Mapping[str, Any], state: RunState, folder: str) -> dict[str, Any] | None:
    waiting = state.waiting
    if not state.status.startswith("awaiting") or not waiting:
        return None
    step = next(s for s in skill["steps"] if s["id"] == waiting["step"])
    gate = step.get("approval")
    if waiting["reason"] == "approval" and gate:
        who, schema = "approver", approval_schema(gate)
    else:
        who, schema = ("agent" if step["kind"] == "agent" else "person"), step["result_schema"]
    how = (f"submit_step(run_id={state.run_id!r}, step_id={step['id']!r}, output=...)" if who == "agent"
           else f"sopc run --resume {folder} --answers FILE (with {step['id']}: ...)")
    return {"step": step["id"], "kind": step["kind"], "title": step["title"],
            "instruction": step.get("instruction"), "who": who,
            "role": gate["role"] if who == "approver" and gate else None,
            "count": gate.get("count", 1) if who == "approver" and gate else None,
            "target": waiting.get("target"), "answer_schema": schema,
            "figures": figures(skill, state), "problems": list(waiting.get("problems", [])), "how": how}


def _taken(skill: Mapping[str, Any], state: RunState) -> list[dict[str, Any]]:
    steps = {s["id"]: s for s in skill["steps"]}
    taken = []
    for step_id in state.path:
        result = state.results.get(step_id, {})
        item: dict[str, Any] = {"step": step_id, "kind": steps[step_id]["kind"], "title": steps[step_id]["title"],
                                "result": {"row_count": result["row_count"]} if "rows" in result else result}
        if state.conditions.get(step_id):
            item["conditions"] = [{k: c[k] for k in ("label", "expression", "reads", "result")}
                                  for c in state.conditions[step_id]]
        if step_id in state.approvals:
            approval = state.approvals[step_id]
            item["approval"] = {k: approval.get(k) for k in ("approved", "by", "role")}
        if step_id in state.checked:
            item["grounding"] = {k: state.checked[step_id][k] for k in ("figures", "identifiers")}
        taken.append(item)
    return taken


def run_state(skill: Mapping[str, Any], state: RunState, record: Mapping[str, Any], folder: str) -> dict[str, Any]:
    """The run-state object of a run (valid against schema/run-state.schema.json)."""
    outcome = None
    if state.status == "completed" and state.outcome:
        spec = skill["outcomes"].get(state.outcome, {})
        outcome = {"id": state.outcome, "title": spec.get("title"), "disposition": spec.get("disposition")}
    return {
        "run_id": state.run_id, "sop": dict(state.skill), "status": state.status, "inputs": dict(state.inputs),
        "path": _taken(skill, state), "pending": _pending(skill, state, folder), "outcome": outcome,
        "error": {"step": state.failed_step, "message": state.error} if state.status == "failed" else None,
        "refused_submissions": len(state.refusals), "record": dict(record), "folder": folder,
    }
