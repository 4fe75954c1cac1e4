"""The findings report of a run: report.json (the skill's findings schema), report.md and report.html for Compliance.

Pure: both are made from the skill and the run state, nothing else, so a
report can be rebuilt from the record at any time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.runner import reporthtml, reportmd
from compiler.runner.figures import deadline
from compiler.runner.includes import step_table
from compiler.runner.reportsections import sections, summary_text
from compiler.runner.state import RunState


def _step_status(state: RunState, step_id: str) -> str:
    if step_id in state.results:
        return "done"
    if state.failed_step == step_id:
        return "failed"
    approval = state.approvals.get(step_id)
    return "refused" if approval and not approval["approved"] else "awaiting"


def _touched(state: RunState) -> list[str]:
    """Completed steps in order, then the step the run stopped at (if any)."""
    steps = list(state.path)
    if state.status != "completed" and state.current and state.current not in steps:
        steps.append(state.current)
    return steps


REFUSED = "approval_refused"
"""The terminal status, and the outcome report.json carries, of a run whose approval was refused."""


def _approvals(state: RunState) -> list[dict[str, Any]]:
    """Every decision at a gate and every approval the runner refused, in the order they were recorded."""
    items = [{"step": step, "decision": "approved" if a["approved"] else "refused", "by": list(a["by"]),
              "role": a["role"], "at": a.get("at"), "note": a.get("note"),
              "signature": a.get("signature", "unverified"),
              "keys": [s["key"] for s in a.get("signed", [])]} for step, a in state.approvals.items()]
    items += [{"step": r["step"], "decision": "rejected", "by": [r["approver"]] if r.get("approver") else [],
               "role": None, "at": r.get("at"), "note": r["reason"], "signature": "rejected",
               "keys": [r["key"]] if r.get("key") else []} for r in state.rejected]
    return sorted(items, key=lambda i: str(i["at"]))


def findings(skill: Mapping[str, Any], state: RunState, record: Mapping[str, Any]) -> dict[str, Any]:
    """report.json: valid against the skill's findings_schema."""
    titles = {qid: place.step for qid, place in step_table(skill).items()}
    steps = []
    for step_id in _touched(state):
        item: dict[str, Any] = {"step": step_id, "kind": titles[step_id]["kind"], "title": titles[step_id]["title"],
                                "status": _step_status(state, step_id)}
        if step_id in state.results:
            item["result"] = state.results[step_id]
        if step_id in state.queries:
            query = state.queries[step_id]
            item["evidence"] = {k: query[k] for k in ("sql_sha256", "parameters", "columns", "row_count", "rows",
                                                       "truncated", "elapsed_ms")}
        if state.conditions.get(step_id):
            item["conditions"] = state.conditions[step_id]
        approval = state.approvals.get(step_id)
        item["approved_by"] = approval["by"] if approval and approval["approved"] else None
        if approval:
            item["approval"] = {k: approval.get(k) for k in ("approved", "by", "role", "note", "target")
                                if k in approval}
        item["note"] = (approval or {}).get("note") or (state.error if state.failed_step == step_id else None)
        item.update(grounding(state, step_id))
        steps.append(item)
    outcome = state.outcome if state.status == "completed" else REFUSED if state.status == REFUSED else None
    escalations = []
    for e in state.escalations:
        escalation = {k: e[k] for k in ("step", "to", "within", "channel", "message", "approved_by")}
        escalation["at"] = e.get("at")
        escalation["due"] = deadline(e["at"], e["within"]) if e.get("at") and e.get("within") else None
        escalations.append(escalation)
    report: dict[str, Any] = {
        "sop": skill["id"], "version": skill["version"], "digest": skill["digest"], "run_id": state.run_id,
        "status": state.status, "inputs": state.inputs,
        **({"alert": dict(state.alert)} if state.alert else {}),
        **({"case_id": state.case_id} if state.case_id else {}),
        "outcome": outcome,
        "disposition": REFUSED if outcome == REFUSED else
        skill["outcomes"].get(outcome, {}).get("disposition") if outcome else None,
        "path": list(state.path), "steps": steps,
        "escalations": escalations,
        "recommended_actions": [{k: a[k] for k in ("step", "action", "target", "reversible", "reason_code",
                                                   "approved_by", "executed")} for a in state.actions],
        "approvals": _approvals(state),
        "started_by": state.started_by,
        "summary": "",
        "record": dict(record),
    }
    report["summary"] = summary_text(skill, report)
    return report


def markdown(skill: Mapping[str, Any], report: Mapping[str, Any], started_by: str, source: str,
             lang: str = "en") -> str:
    """report.md: the summary, decisive figures, decision path, approvals, actions and evidence, inert Markdown."""
    return reportmd.render(sections(skill, report, started_by, source, lang))


def html(skill: Mapping[str, Any], report: Mapping[str, Any], started_by: str, source: str, lang: str = "en") -> str:
    """report.html: the same report as one self-contained page, with a chart per decisive figure."""
    return reporthtml.render(sections(skill, report, started_by, source, lang), lang)


def documents(skill: Mapping[str, Any], report: Mapping[str, Any], started_by: str, source: str,
              lang: str = "en") -> tuple[str, str]:
    """report.md and report.html at once (their sections are made once), their fixed words in lang."""
    blocks = sections(skill, report, started_by, source, lang)
    return reportmd.render(blocks), reporthtml.render(blocks, lang)


def grounding(state: RunState, step_id: str) -> dict[str, Any]:
    """An agent step's grounding: what of its output was checked against the record, and the outputs refused before."""
    refused = [{k: r[k] for k in ("reason", "message", "problems")} for r in state.refusals if r["step"] == step_id]
    checked = state.checked.get(step_id)
    if checked is None and not refused:
        return {}
    return {"grounding": {"checked": checked is not None, "figures": (checked or {}).get("figures", []),
                          "identifiers": (checked or {}).get("identifiers", []), "refused": refused}}
