"""The sections of the findings report, in the order a Compliance officer reads them.

Pure: blocks (`reportdoc`) made from the skill and report.json. Summary first
(what was reviewed, what was found, what is recommended, who must act by
when), then the decisive figures, the run, the inputs, the decision path in
words, the approvals, escalations and actions, and the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.runner import figures as fig
from compiler.runner.includes import steps_by_id
from compiler.runner.reportdoc import (
    MD_ROWS,
    Block,
    Chart,
    Comparison,
    Doc,
    Item,
    Span,
    comparisons,
    decisive,
    plain_reads,
    value_text,
)

_KEYS = {"alert_id": "alert", "alert": "alert", "case_id": "case", "case": "case"}
_SIGNATURE = {"verified": "verified signature", "unverified": "unverified (no approver registry)",
              "rejected": "refused by sopc"}


def _reviewed(skill: Mapping[str, Any], report: Mapping[str, Any]) -> str:
    """Subject, symbols, window, alert and case id, as far as the inputs and data carry them."""
    schema = skill["inputs_schema"].get("properties", {})
    inputs = report["inputs"]
    times = [n for n in inputs if schema.get(n, {}).get("format") == "date-time"]
    parts = [f"{_KEYS.get(n, n.removesuffix('_id').replace('_', ' '))} {value_text(v)}"
             for n, v in inputs.items() if n not in times and n not in _KEYS]
    symbols = sorted({str(r["symbol"]) for s in report["steps"] for r in s.get("evidence", {}).get("rows", [])
                      if isinstance(r, dict) and isinstance(r.get("symbol"), str)})
    if symbols and "symbol" not in inputs:
        shown = symbols[:5] + ([f"{len(symbols) - 5:,} more"] if len(symbols) > 5 else [])
        parts.append(f"symbol{'s' if len(symbols) > 1 else ''} {fig.words(shown)}")
    if "start_ts" in inputs and "end_ts" in inputs:
        parts.append(f"from {fig.timestamp(inputs['start_ts'])} to {fig.timestamp(inputs['end_ts'])}")
    else:
        parts += [f"{n.removesuffix('_ts').replace('_', ' ')} {fig.timestamp(inputs[n])}" for n in times]
    parts += [f"{_KEYS[n]} {value_text(v)}" for n, v in inputs.items() if n in _KEYS]
    return "; ".join(parts) or "no inputs"


def _state(skill: Mapping[str, Any], report: Mapping[str, Any]) -> str:
    status = report["status"]
    if status == "completed":
        return str(skill["outcomes"][report["outcome"]]["title"])
    if status == "approval_refused":
        refusal = next((a for a in report["approvals"] if a["decision"] == "refused"), None)
        if refusal:
            note = f" (note: {refusal['note'].rstrip('.')})" if refusal.get("note") else ""
            return (f"Ended: the approval at step {_title(skill, refusal['step'])} was refused by "
                    f"{fig.words(refusal['by'])}{note}; nothing after it ran")
        return "Ended: an approval was refused"
    current = report["steps"][-1] if report["steps"] else None
    if status == "failed" and current:
        return f"Stopped at step {_title(skill, current['step'])}: {current.get('note') or 'an error'}"
    if status.startswith("awaiting") and current:
        return f"Open: waiting at step {_title(skill, current['step'])} for " \
               + ("an approval" if status == "awaiting_approval" else "an answer")
    return str(status)


def _sentence(text: str) -> str:
    """text ending in a full stop, without doubling one the text already has."""
    return text if text.rstrip().endswith((".", "!", "?")) else text + "."


def _title(skill: Mapping[str, Any], step_id: str) -> str:
    step = steps_by_id(skill).get(step_id)
    return f"“{step['title']}”" if step else step_id


def _who_must_act(skill: Mapping[str, Any], report: Mapping[str, Any]) -> list[str]:
    lines = []
    for e in report["escalations"]:
        due = f"by {fig.timestamp(e['due'])}" if e.get("due") else "without a set time"
        since = f" ({fig.duration(e['within'])} after the escalation at {fig.timestamp(e['at'])})" \
            if e.get("due") and e.get("at") else ""
        channel = f", through {e['channel']}" if e.get("channel") else ""
        lines.append(f"The {e['to']} team must act {due}{since}{channel}.")
    for a in report["recommended_actions"]:
        lines.append(f"The team owning {a['action'].replace('_', ' ')} carries it out on {value_text(a['target'])} "
                     "(sopc never does).")
    if report["status"] == "awaiting_approval" and report["steps"]:
        gate = steps_by_id(skill)[report["steps"][-1]["step"]]["approval"] or {}
        count = gate.get("count", 1)
        lines.append(f"{count} {gate.get('role')}{'s' if count > 1 else ''} must approve step "
                     f"{_title(skill, report['steps'][-1]['step'])} before the run continues.")
    return lines


def _summary(doc: Doc, skill: Mapping[str, Any], report: Mapping[str, Any],
             decided: tuple[list[Comparison], list[str]]) -> None:
    found, other = decided
    doc.heading(2, "Summary")
    figures = [c.words() for c in found] + other
    items = [Item((Span("Reviewed: ", "strong"), Span(f"{_reviewed(skill, report)}, under the SOP "
                                                        f"“{skill['title']}” version {skill['version']}."))),
             Item((Span("Found: ", "strong"),
                   Span("; ".join(figures) + "." if figures else "no decision was reached yet."))),
             Item((Span("Result: ", "strong"), Span(_state(skill, report) + ".")))]
    recommended = [f"escalate to {e['to']}" for e in report["escalations"]] + [
        f"{a['action'].replace('_', ' ')} on {value_text(a['target'])}" for a in report["recommended_actions"]]
    if recommended:
        items.append(Item((Span("Recommended: ", "strong"), Span(fig.words(recommended) + "."))))
    act = _who_must_act(skill, report)
    if act:
        items.append(Item((Span("Who must act: ", "strong"), Span(" ".join(act)))))
    doc.bullets(items)
    charts = [c.chart() for c in found if c.numeric]
    if charts:
        doc.blocks.append(Block("charts", charts=tuple(charts)))


def summary_text(skill: Mapping[str, Any], report: Mapping[str, Any]) -> str:
    """The summary as one paragraph of plain text (report.json's summary)."""
    doc = Doc()
    _summary(doc, skill, report, decisive(skill, report))
    items = next(b for b in doc.blocks if b.kind == "list").items
    return " ".join("".join(s.text for s in i.spans) for i in items)


def _step_item(skill: Mapping[str, Any], report: Mapping[str, Any], step: Mapping[str, Any]) -> Item:
    spec = steps_by_id(skill)[step["step"]]
    children: list[Item] = []
    result = step.get("result") or {}
    conditions = step.get("conditions", [])
    held = [c for c in conditions if c["result"]]
    for condition in conditions:
        compared = comparisons(condition, skill["thresholds"])
        verdict = "held" if condition["result"] else "did not hold"
        parts = [c.words() for c in compared] + plain_reads(condition, compared, skill["thresholds"])
        children.append(Item((Span(_sentence(f"“{condition['label']}” {verdict}: " + "; ".join(parts))),)))
    if spec["kind"] == "decision" and step["status"] == "done" and not held:
        children.append(Item((Span(f"No condition held, so the run took “{result.get('branch', 'otherwise')}”."),)))
    if "evidence" in step:
        count = step["evidence"]["row_count"]
        children.append(Item((Span(f"{count:,} row{'s' if count != 1 else ''} (see Evidence)."),)))
    if spec["kind"] in ("manual", "agent") and isinstance(result, dict) and result:
        children += [Item((Span(f"{k.replace('_', ' ')}: {value_text(v, k)}"),)) for k, v in result.items()]
    children += _grounding(spec["kind"], step.get("grounding"))
    if spec["kind"] == "escalate" and spec.get("escalation"):
        e = spec["escalation"]
        children.append(Item((Span(f"to {e['to']}, within {fig.duration(e['within'])}"
                                   + (f", through {e['channel']}" if e.get("channel") else "") + "."),)))
    for a in (a for a in report["approvals"] if a["step"] == step["step"]):
        when = f" at {fig.timestamp(a['at'])}" if a.get("at") else ""
        note = f": {a['note']}" if a.get("note") else ""
        who = fig.words(a["by"]) or "an unnamed approver"
        role = f" ({a['role']})" if a.get("role") else ""
        children.append(Item((Span(_sentence(f"{a['decision']} by {who}{role}{when}, {_SIGNATURE[a['signature']]}"
                                              f"{note}")),)))
    status = {"done": "", "failed": " (stopped here)", "awaiting": " (waiting here)",
              "refused": " (approval refused)"}[step["status"]]
    branch = f" → {result['branch']}" if "branch" in result else \
        (" → passed" if result.get("passed") is True else " → failed" if result.get("passed") is False else
         f" → {result['outcome']}" if spec["kind"] == "include" and "outcome" in result else "")
    return Item((Span(spec["title"], "strong"), Span(f"{branch}{status}")), tuple(children))


def _grounding(kind: str, found: Mapping[str, Any] | None) -> list[Item]:
    """How an agent's answer was checked against the record, with each figure and the recorded value it stands for."""
    if not found:  # answered in an answers file: nothing was checked
        return []
    refused = len(found["refused"])
    earlier = f"; {refused:,} earlier output{'s' if refused != 1 else ''} refused" if refused else ""
    if kind != "agent":
        return [Item((Span(f"{refused:,} agent submission{'s' if refused != 1 else ''} refused: people answer "
                           "this step."),))]
    if not found["checked"]:
        return [Item((Span(f"Not checked against the record: given outside sopc's runner API{earlier}."),))]
    figures, names = len(found["figures"]), len(found["identifiers"])
    matched = tuple(Item((Span(f["text"], "code"), Span(f" in {f['field'].replace('_', ' ')} is "),
                          Span(f["source"], "code"), Span(f" = {value_text(f['value'])}")))
                    for f in found["figures"])
    return [Item((Span(f"Checked against the record: {figures:,} figure{'s' if figures != 1 else ''} and "
                       f"{names:,} identifier{'s' if names != 1 else ''} match recorded values{earlier}."),), matched)]


def _tables(doc: Doc, report: Mapping[str, Any]) -> None:
    if report["approvals"]:
        doc.heading(2, "Approvals")
        doc.table(["Step", "Decision", "By", "Role", "Time", "Signature", "Note"],
                  [[a["step"], a["decision"], fig.words(a["by"]) or "none", a.get("role") or "",
                    fig.timestamp(a["at"]) if a.get("at") else "", _SIGNATURE[a["signature"]], a.get("note") or ""]
                   for a in report["approvals"]])
    if report["escalations"]:
        doc.heading(2, "Escalations")
        doc.table(["To", "Recorded", "Due", "Channel", "Message"],
                  [[e["to"], fig.timestamp(e["at"]) if e.get("at") else "",
                    fig.timestamp(e["due"]) if e.get("due") else "", e.get("channel") or "", e.get("message") or ""]
                   for e in report["escalations"]])
    if report["recommended_actions"]:
        doc.heading(2, "Recommended actions")
        doc.para(Span("sopc never carries out actions; each is done by the team that owns it, with the approval "
                      "recorded here."))
        doc.table(["Action", "Target", "Reversible", "Reason", "Approved by"],
                  [[a["action"], value_text(a["target"]), "yes" if a["reversible"] else "no", a.get("reason_code") or "",
                    fig.words(a["approved_by"] or []) or "nobody"] for a in report["recommended_actions"]])


def _evidence(doc: Doc, report: Mapping[str, Any]) -> None:
    shown = [s for s in report["steps"] if "evidence" in s]
    if not shown:
        return
    doc.heading(2, "Evidence")
    for step in shown:
        data = step["evidence"]
        rows = data["rows"][:MD_ROWS]
        count = data["row_count"]
        doc.heading(3, step["title"])
        more = f"; the first {len(rows):,} are shown" if count > len(rows) else ""
        doc.para(Span(f"{count:,} row{'s' if count != 1 else ''}{more}. Query "), Span(data["sql_sha256"], "code"),
                 Span("."))
        if rows:
            columns = [c[0] for c in data["columns"]]
            doc.table([c.replace("_", " ") for c in columns],
                      [[value_text(r.get(c), c) for c in columns] for r in rows])


def sections(skill: Mapping[str, Any], report: Mapping[str, Any], started_by: str, source: str) -> list[Block]:
    """Every block of the report, in reading order."""
    doc = Doc()
    doc.heading(1, f"Findings: {skill['title']}")
    found = decisive(skill, report)
    _summary(doc, skill, report, found)
    doc.heading(2, "The run")
    record = report["record"]
    doc.bullets([
        Item((Span("SOP "), Span(skill["id"], "code"), Span(f" version {skill['version']}, digest "),
              Span(skill["digest"], "code"))),
        Item((Span("Run "), Span(report["run_id"], "code"), Span(f", started by {started_by or 'nobody named'}, "
                                                                  f"on the data {source}"))),
        Item((Span(f"Record events.jsonl: {record['events']:,} events, last line "), Span(record["head"], "code"))),
        Item((Span(f"Status: {report['status'].replace('_', ' ')}"
                   + (f", outcome {report['outcome']}" if report["outcome"] else "")),)),
    ])
    doc.heading(2, "Inputs")
    doc.table(["Input", "Value"], [[k.replace("_", " "), value_text(v, k)] for k, v in report["inputs"].items()])
    doc.heading(2, "Decision path")
    doc.bullets([_step_item(skill, report, s) for s in report["steps"]], ordered=True)
    _tables(doc, report)
    _evidence(doc, report)
    doc.heading(2, "Audit trail")
    doc.para(Span("Every fact above is in events.jsonl beside this report: one event per line, each chained to the "
                  "one before by its sha256. sopc verify checks the chain and every signature, and rebuilds this "
                  "report from the record."))
    return doc.blocks


__all__ = ["Chart", "sections"]
