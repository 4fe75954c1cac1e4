"""The findings report of a run: report.json (the skill's findings schema) and report.md for Compliance.

Pure: both are made from the skill and the run state, nothing else, so a
report can be rebuilt from the record at any time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from compiler.i18n.labels import label
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


def summary(skill: Mapping[str, Any], state: RunState, lang: str = "en") -> str:
    """A few sentences with the figures: what was decided and why."""
    parts: list[str] = []
    if state.status == "completed" and state.outcome:
        outcome = skill["outcomes"].get(state.outcome, {})
        parts.append(label(lang, "Outcome {outcome}: {title}.", outcome=state.outcome, title=outcome.get("title", "")))
    elif state.status == "failed":
        parts.append(label(lang, "The run stopped at step {step}: {error}.", step=state.failed_step, error=state.error))
    elif state.status.startswith("awaiting"):
        waiting = state.waiting or {}
        what = label(lang, "approval by {role}", role=waiting.get("role")) if waiting.get("reason") == "approval" \
            else label(lang, "an answer")
        parts.append(label(lang, "The run is waiting at step {step} for {what}.", step=waiting.get("step"), what=what))
    elif state.status == "approval_refused":
        step, refusal = next((k, v) for k, v in state.approvals.items() if not v["approved"])
        parts.append(label(lang, "Approval was refused at step {step} by {by}", step=step, by=", ".join(refusal["by"]))
                     + (f" ({refusal['note']})" if refusal.get("note") else "")
                     + label(lang, "; the run ended without an outcome."))
    for step_id in state.path:
        for check in state.conditions.get(step_id, []):
            if check["result"]:
                figures = ", ".join(f"{k} = {_short(v)}" for k, v in check["reads"].items())
                parts.append(f"{step_id}: {check['label']} ({figures}).")
    for escalation in state.escalations:
        parts.append(label(lang, "Escalated to {to} (within {within}).", to=escalation["to"],
                           within=escalation["within"]))
    for action in state.actions:
        parts.append(label(lang, "Recommended {action} for {target}, approved by {by}; not carried out by sopc.",
                           action=action["action"], target=_short(action["target"]),
                           by=", ".join(action["approved_by"] or [])))
    return " ".join(parts) or label(lang, "The run has not completed a step yet.")


def findings(skill: Mapping[str, Any], state: RunState, record: Mapping[str, Any]) -> dict[str, Any]:
    """report.json: valid against the skill's findings_schema."""
    titles = {s["id"]: s for s in skill["steps"]}
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


def _table(rows: list[dict[str, Any]], columns: list[str] | None = None, lang: str = "en") -> list[str]:
    if not rows:
        return [label(lang, "(no rows)")]
    columns = columns or list(rows[0])
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return lines


def markdown(skill: Mapping[str, Any], report: Mapping[str, Any], started_by: str, source: str,
             lang: str = "en") -> str:
    """report.md: what was checked, the figures, the decision path, the outcome, actions and evidence.

    In another language (lang), skill and report carry the translated titles and summary
    (`localized_report`); the figures are formatted the same way in every language.
    """
    out = [label(lang, "# Findings: {title}", title=_text(skill["title"])), "",
           label(lang, "- SOP: `{id}` version {version} (`{digest}`)", id=skill["id"], version=skill["version"],
                 digest=skill["digest"]),
           label(lang, "- Run: `{run}`, started by {by}, data: {source}", run=report["run_id"], by=_code(started_by),
                 source=_code(source)),
           label(lang, "- Record: `events.jsonl`, {events} events, last line `{head}`",
                 events=report["record"]["events"], head=report["record"]["head"]),
           label(lang, "- Status: **{status}**", status=label(lang, report["status"]))]
    if report["outcome"]:
        title = skill["outcomes"][report["outcome"]]["title"]
        out.append(label(lang, "- Outcome: **{outcome}**: {title} (disposition: {disposition})",
                         outcome=report["outcome"], title=_text(title), disposition=label(lang, report["disposition"])))
    columns = {"input": label(lang, "input"), "value": label(lang, "value")}
    out += ["", label(lang, "## Summary"), "", _text(report["summary"]), "", label(lang, "## Inputs"), "",
            *_table([{columns["input"]: k, columns["value"]: v} for k, v in report["inputs"].items()], lang=lang),
            "", label(lang, "## Decision path"), ""]
    for number, step in enumerate(report["steps"], start=1):
        result = step.get("result")
        shown = "" if result is None or "rows" in result else f": {_cell(result)}"
        out.append(f"{number}. `{step['step']}` ({label(lang, step['kind'])}, {label(lang, step['status'])}) "
                   f"{_text(step['title'])}{shown}")
        for check in step.get("conditions", []):
            figures = "; ".join(f"`{_cell(k)}` = {_cell(v)}" for k, v in check["reads"].items())
            verdict = label(lang, "holds" if check["result"] else "does not hold")
            out.append(f"    - {check['label']}: {verdict} ({figures})")
        approval = step.get("approval")
        if approval:
            verdict = label(lang, "approved" if approval["approved"] else "approval refused")
            note = f": {_text(approval['note'])}" if approval.get("note") else ""
            out.append("    - " + label(lang, "{verdict} by {names} ({role})", verdict=verdict,
                                        names=", ".join(_code(n) for n in approval["by"]), role=approval["role"])
                       + note)
    if report["escalations"]:
        out += ["", label(lang, "## Escalations"), ""]
        out += [label(lang, "- To **{to}** within {within} via {channel} (approved by {by}): {message}", to=e["to"],
                      within=e["within"], channel=e["channel"] or label(lang, "the usual channel"),
                      by=", ".join(e["approved_by"] or [label(lang, "nobody: no gate")]),
                      message=_text(e["message"] or ""))
                for e in report["escalations"]]
    if report["recommended_actions"]:
        out += ["", label(lang, "## Recommended actions"), "",
                label(lang, "sopc never carries out actions; each needs to be done by the team that owns it, with the "
                            "approval recorded here."), ""]
        out += [label(lang, "- `{action}` on {target} (reason {reason}, {undo}), approved by {by}", action=a["action"],
                      target=_cell(a["target"]), reason=a["reason_code"],
                      undo=label(lang, "reversible" if a["reversible"] else "not reversible"),
                      by=", ".join(a["approved_by"] or [])) for a in report["recommended_actions"]]
    evidence = [s for s in report["steps"] if "evidence" in s]
    if evidence:
        out += ["", label(lang, "## Evidence"), ""]
        for step in evidence:
            data = step["evidence"]
            shown = data["rows"][:MD_ROWS]
            rows = label(lang, "1 row") if data["row_count"] == 1 else label(lang, "{n} rows", n=data["row_count"])
            out += [f"### {step['step']}", "",
                    label(lang, "Query `{sha}`, {rows} in {ms} ms", sha=data["sql_sha256"], rows=rows,
                          ms=f"{data['elapsed_ms']:.0f}")
                    + (label(lang, "; showing the first {n}", n=len(shown)) if data["row_count"] > len(shown) else "")
                    + label(lang, "."), "",
                    *_table(shown, [c[0] for c in data["columns"]], lang), ""]
    answered = [s for s in report["steps"] if s["kind"] in ("manual", "agent") and "result" in s]
    if answered:
        out += ["", label(lang, "## Answers from people and agents"), ""]
        for step in answered:
            out += [f"- `{step['step']}`: " + "; ".join(f"{k}: {_cell(v)}" for k, v in step["result"].items())]
    out += ["", label(lang, "## Audit trail"), "",
            label(lang, "Every fact above is in `events.jsonl` beside this report: one event per line, each chained to "
                        "the one before by its sha256."), ""]
    return "\n".join(out)
