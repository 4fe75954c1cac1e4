"""The findings report of a run: report.json (the skill's findings schema) and report.md for Compliance.

Pure: both are made from the skill and the run state, nothing else, so a
report can be rebuilt from the record at any time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from compiler.runner.includes import step_table
from compiler.runner.state import RunState

MD_ROWS = 20
"""Rows of each query shown in report.md; report.json keeps every recorded row."""


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


def summary(skill: Mapping[str, Any], state: RunState) -> str:
    """A few sentences with the figures: what was decided and why."""
    parts: list[str] = []
    if state.status == "completed" and state.outcome:
        outcome = skill["outcomes"].get(state.outcome, {})
        parts.append(f"Outcome {state.outcome}: {outcome.get('title', '')}.")
    elif state.status == "failed":
        parts.append(f"The run stopped at step {state.failed_step}: {state.error}.")
    elif state.status.startswith("awaiting"):
        waiting = state.waiting or {}
        what = f"approval by {waiting.get('role')}" if waiting.get("reason") == "approval" else "an answer"
        parts.append(f"The run is waiting at step {waiting.get('step')} for {what}.")
    elif state.status == "approval_refused":
        step, refusal = next((k, v) for k, v in state.approvals.items() if not v["approved"])
        parts.append(f"Approval was refused at step {step} by {', '.join(refusal['by'])}"
                     + (f" ({refusal['note']})" if refusal.get("note") else "") + "; the run ended without an outcome.")
    for step_id in state.path:
        for check in state.conditions.get(step_id, []):
            if check["result"]:
                figures = ", ".join(f"{k} = {_short(v)}" for k, v in check["reads"].items())
                parts.append(f"{step_id}: {check['label']} ({figures}).")
    for escalation in state.escalations:
        parts.append(f"Escalated to {escalation['to']} (within {escalation['within']}).")
    for action in state.actions:
        parts.append(f"Recommended {action['action']} for {_short(action['target'])}, approved by "
                     f"{', '.join(action['approved_by'] or [])}; not carried out by sopc.")
    return " ".join(parts) or "The run has not completed a step yet."


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
        steps.append(item)
    outcome = state.outcome if state.status == "completed" else None
    return {
        "sop": skill["id"], "version": skill["version"], "digest": skill["digest"], "run_id": state.run_id,
        "status": state.status, "inputs": state.inputs, "outcome": outcome,
        "disposition": skill["outcomes"].get(outcome, {}).get("disposition") if outcome else None,
        "path": list(state.path), "steps": steps,
        "escalations": [{k: e[k] for k in ("step", "to", "within", "channel", "message", "approved_by")}
                        for e in state.escalations],
        "recommended_actions": [{k: a[k] for k in ("step", "action", "target", "reversible", "reason_code",
                                                   "approved_by", "executed")} for a in state.actions],
        "summary": summary(skill, state),
        "record": dict(record),
    }


def _figure(value: float) -> str:
    """A number as a reader expects it: 332,491.34 or 0.994947, not 332491.3400000001."""
    return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.6g}"


def _short(value: Any, limit: int = 120) -> str:
    if isinstance(value, float):
        return _figure(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell(value: Any) -> str:
    text = _short(value, 80)
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("`", "'")


def _text(value: Any) -> str:
    """Free text on one line: no raw HTML, no line breaks that could start a fake heading or list item."""
    return " ".join(str(value).split()).replace("<", "&lt;")


def _code(value: Any) -> str:
    """A name or path shown verbatim in a code span."""
    text = " ".join(str(value).split()).replace("`", "'")
    return f"`{text}`"


def _table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> list[str]:
    if not rows:
        return ["(no rows)"]
    columns = columns or list(rows[0])
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return lines


def markdown(skill: Mapping[str, Any], report: Mapping[str, Any], started_by: str, source: str) -> str:
    """report.md: what was checked, the figures, the decision path, the outcome, actions and evidence."""
    out = [f"# Findings: {_text(skill['title'])}", "",
           f"- SOP: `{skill['id']}` version {skill['version']} (`{skill['digest']}`)",
           f"- Run: `{report['run_id']}`, started by {_code(started_by)}, data: {_code(source)}",
           f"- Record: `events.jsonl`, {report['record']['events']} events, last line `{report['record']['head']}`",
           f"- Status: **{report['status']}**"]
    if report["outcome"]:
        title = skill["outcomes"][report["outcome"]]["title"]
        out.append(f"- Outcome: **{report['outcome']}**: {_text(title)} (disposition: {report['disposition']})")
    out += ["", "## Summary", "", _text(report["summary"]), "", "## Inputs", "",
            *_table([{"input": k, "value": v} for k, v in report["inputs"].items()]), "",
            "## Decision path", ""]
    for number, step in enumerate(report["steps"], start=1):
        result = step.get("result")
        shown = "" if result is None or "rows" in result else f": {_cell(result)}"
        out.append(f"{number}. `{step['step']}` ({step['kind']}, {step['status']}) {_text(step['title'])}{shown}")
        for check in step.get("conditions", []):
            figures = "; ".join(f"`{_cell(k)}` = {_cell(v)}" for k, v in check["reads"].items())
            verdict = "holds" if check["result"] else "does not hold"
            out.append(f"    - {check['label']}: {verdict} ({figures})")
        approval = step.get("approval")
        if approval:
            verdict = "approved" if approval["approved"] else "approval refused"
            note = f": {_text(approval['note'])}" if approval.get("note") else ""
            out.append(f"    - {verdict} by {', '.join(_code(n) for n in approval['by'])} ({approval['role']}){note}")
    if report["escalations"]:
        out += ["", "## Escalations", ""]
        out += [f"- To **{e['to']}** within {e['within']} via {e['channel'] or 'the usual channel'}"
                f" (approved by {', '.join(e['approved_by'] or ['nobody: no gate'])}): {_text(e['message'] or '')}"
                for e in report["escalations"]]
    if report["recommended_actions"]:
        out += ["", "## Recommended actions", "", "sopc never carries out actions; each needs to be done by the "
                "team that owns it, with the approval recorded here.", ""]
        out += [f"- `{a['action']}` on {_cell(a['target'])} (reason {a['reason_code']}, "
                f"{'reversible' if a['reversible'] else 'not reversible'}), approved by "
                f"{', '.join(a['approved_by'] or [])}" for a in report["recommended_actions"]]
    evidence = [s for s in report["steps"] if "evidence" in s]
    if evidence:
        out += ["", "## Evidence", ""]
        for step in evidence:
            data = step["evidence"]
            shown = data["rows"][:MD_ROWS]
            rows = "1 row" if data["row_count"] == 1 else f"{data['row_count']} rows"
            out += [f"### {step['step']}", "",
                    f"Query `{data['sql_sha256']}`, {rows} in {data['elapsed_ms']:.0f} ms"
                    + (f"; showing the first {len(shown)}" if data["row_count"] > len(shown) else "") + ".", "",
                    *_table(shown, [c[0] for c in data["columns"]]), ""]
    answered = [s for s in report["steps"] if s["kind"] in ("manual", "agent") and "result" in s]
    if answered:
        out += ["", "## Answers from people and agents", ""]
        for step in answered:
            out += [f"- `{step['step']}`: " + "; ".join(f"{k}: {_cell(v)}" for k, v in step["result"].items())]
    out += ["", "## Audit trail", "", "Every fact above is in `events.jsonl` beside this report: one event per line,"
            " each chained to the one before by its sha256.", ""]
    return "\n".join(out)
