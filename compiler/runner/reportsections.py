"""The sections of the findings report, in the order a Compliance officer reads them.

Pure: blocks (`reportdoc`) made from the skill and report.json. Summary first
(what was reviewed, what was found, what is recommended, who must act by
when), then the decisive figures, the run, the inputs, the decision path in
words, the approvals, escalations and actions, and the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.i18n.labels import label
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
    thresholds_of,
    value_text,
)

_KEYS = {"alert_id": "alert", "alert": "alert", "case_id": "case", "case": "case"}
_SIGNATURE = {"verified": "verified signature", "unverified": "unverified (no approver registry)",
              "rejected": "refused by sopc"}


def _reviewed(skill: Mapping[str, Any], report: Mapping[str, Any], lang: str) -> str:
    """Subject, symbols, window: the inputs (required ones first, times as the window) and the symbols the
    queries found when no input names them."""
    schema = skill["inputs_schema"]
    inputs = report["inputs"]
    times = [n for n in inputs if schema.get("properties", {}).get(n, {}).get("format") == "date-time"]
    required = set(schema.get("required", []))
    named = sorted((n for n in inputs if n not in times and n not in _KEYS), key=lambda n: n not in required)
    parts = [f"{label(lang, n.removesuffix('_id').replace('_', ' '))} {value_text(inputs[n], lang=lang)}"
             for n in named]
    if "symbol" not in inputs and "symbols" not in inputs:
        parts += _symbols(report, lang)
    if "start_ts" in inputs and "end_ts" in inputs:
        parts.append(label(lang, "from {start} to {end}", start=fig.timestamp(inputs["start_ts"]),
                           end=fig.timestamp(inputs["end_ts"])))
    else:
        parts += [f"{n.removesuffix('_ts').replace('_', ' ')} {fig.timestamp(inputs[n])}" for n in times]
    return label(lang, "; ").join(parts) or label(lang, "no inputs")


def _symbols(report: Mapping[str, Any], lang: str) -> list[str]:
    """The symbols in the queries' rows (a symbol column, or a symbols list with the trade_count beside it)."""
    found: dict[str, None] = {}
    trades = 0
    for step in report["steps"]:
        for row in step.get("evidence", {}).get("rows", []):
            if not isinstance(row, dict):
                continue
            if isinstance(row.get("symbol"), str):
                found[row["symbol"]] = None
            listed = row.get("symbols")
            if isinstance(listed, list):
                found.update((str(s), None) for s in listed if isinstance(s, str))
                count = row.get("trade_count")
                trades += count if isinstance(count, int) and not isinstance(count, bool) else 0
    symbols = sorted(found)
    if not symbols:
        return []
    shown = symbols[:5] + ([label(lang, "{n} more", n=f"{len(symbols) - 5:,}")] if len(symbols) > 5 else [])
    text = label(lang, "symbols {names}" if len(symbols) > 1 else "symbol {names}", names=fig.words(shown, lang))
    if trades:
        text += label(lang, " (1 trade)") if trades == 1 else label(lang, " ({n} trades)", n=f"{trades:,}")
    return [text]


def _origin(report: Mapping[str, Any], lang: str) -> str:
    """The alert and the case the run was started for, as recorded (or as inputs named alert_id, case_id)."""
    inputs = report["inputs"]
    alert = dict(report.get("alert") or {})
    alert.setdefault("id", next((str(inputs[n]) for n in ("alert_id", "alert") if n in inputs), None))
    case = report.get("case_id") or next((str(inputs[n]) for n in ("case_id", "case") if n in inputs), None)
    if not alert.get("id") and not case:
        return label(lang, "no alert or case id was recorded")
    parts = []
    if alert.get("id"):
        about = [alert["name"]] if alert.get("name") else []
        about += [label(lang, "raised {ts}", ts=fig.timestamp(alert["ts"]))] if alert.get("ts") else []
        detail = label(lang, " ({about})", about=label(lang, ", ").join(about)) if about else ""
        parts.append(label(lang, "alert {id}{detail}", id=alert["id"], detail=detail))
    else:
        parts.append(label(lang, "no alert id"))
    parts.append(label(lang, "case {id}", id=case) if case else label(lang, "no case id"))
    return label(lang, "; ").join(parts)


def _state(skill: Mapping[str, Any], report: Mapping[str, Any], lang: str) -> str:
    status = report["status"]
    if status == "completed":
        return str(skill["outcomes"][report["outcome"]]["title"])
    if status == "approval_refused":
        refusal = next((a for a in report["approvals"] if a["decision"] == "refused"), None)
        if refusal:
            note = label(lang, " (note: {note})", note=refusal["note"].rstrip(".")) if refusal.get("note") else ""
            return label(lang, "Ended: the approval at step {step} was refused by {by}{note}; nothing after it ran",
                         step=_title(skill, refusal["step"], lang), by=fig.words(refusal["by"], lang), note=note)
        return label(lang, "Ended: an approval was refused")
    current = report["steps"][-1] if report["steps"] else None
    if status == "failed" and current:
        return label(lang, "Stopped at step {step}: {error}", step=_title(skill, current["step"], lang),
                     error=current.get("note") or label(lang, "an error"))
    if status.startswith("awaiting") and current:
        return label(lang, "Open: waiting at step {step} for {what}", step=_title(skill, current["step"], lang),
                     what=label(lang, "an approval" if status == "awaiting_approval" else "an answer"))
    return label(lang, str(status))


def _sentence(text: str, lang: str = "en") -> str:
    """text ending in a full stop, without doubling one the text already has."""
    stops = (".", "!", "?") if lang == "en" else (".", "!", "?", label(lang, "."))
    return text if text.rstrip().endswith(stops) else text + label(lang, ".")


def _title(skill: Mapping[str, Any], step_id: str, lang: str = "en") -> str:
    step = steps_by_id(skill).get(step_id)
    return label(lang, "“{title}”", title=step["title"]) if step else step_id


def _rows(count: int, lang: str) -> str:
    return label(lang, "1 row") if count == 1 else label(lang, "{n} rows", n=f"{count:,}")


def _who_must_act(skill: Mapping[str, Any], report: Mapping[str, Any], lang: str) -> list[str]:
    lines = []
    for e in report["escalations"]:
        due = label(lang, "by {due}", due=fig.timestamp(e["due"])) if e.get("due") else \
            label(lang, "without a set time")
        since = label(lang, " ({within} after the escalation at {at})", within=fig.duration(e["within"], lang),
                      at=fig.timestamp(e["at"])) if e.get("due") and e.get("at") else ""
        channel = label(lang, ", through {channel}", channel=e["channel"]) if e.get("channel") else ""
        lines.append(label(lang, "The {to} team must act {due}{since}{channel}.", to=e["to"], due=due, since=since,
                           channel=channel))
    for a in report["recommended_actions"]:
        lines.append(label(lang, "The team owning {action} carries it out on {target} (sopc never does).",
                           action=a["action"].replace("_", " "), target=value_text(a["target"], lang=lang)))
    if report["status"] == "awaiting_approval" and report["steps"]:
        gate = steps_by_id(skill)[report["steps"][-1]["step"]]["approval"] or {}
        count = gate.get("count", 1)
        lines.append(label(lang, "{count} {role}s must approve step {step} before the run continues." if count > 1
                           else "{count} {role} must approve step {step} before the run continues.",
                           count=count, role=gate.get("role"), step=_title(skill, report["steps"][-1]["step"], lang)))
    return lines


def _summary(doc: Doc, skill: Mapping[str, Any], report: Mapping[str, Any],
             decided: tuple[list[Comparison], list[str]], lang: str = "en") -> None:
    found, other = decided
    doc.heading(2, label(lang, "Summary"))
    figures = [c.words(lang) for c in found] + other
    items = [Item((Span(label(lang, "Reviewed: "), "strong"),
                   Span(label(lang, "{reviewed}, under the SOP “{title}” version {version}; {origin}.",
                              reviewed=_reviewed(skill, report, lang), title=skill["title"],
                              version=skill["version"], origin=_origin(report, lang))))),
             Item((Span(label(lang, "Found: "), "strong"),
                   Span(label(lang, "; ").join(figures) + label(lang, ".") if figures
                        else label(lang, "no decision was reached yet.")))),
             Item((Span(label(lang, "Result: "), "strong"), Span(_state(skill, report, lang) + label(lang, "."))))]
    recommended = [label(lang, "escalate to {to}", to=e["to"]) for e in report["escalations"]] + [
        label(lang, "{action} on {target}", action=a["action"].replace("_", " "),
              target=value_text(a["target"], lang=lang)) for a in report["recommended_actions"]]
    if recommended:
        items.append(Item((Span(label(lang, "Recommended: "), "strong"),
                           Span(fig.clauses(recommended, lang) + label(lang, ".")))))
    act = _who_must_act(skill, report, lang)
    if act:
        items.append(Item((Span(label(lang, "Who must act: "), "strong"), Span(label(lang, " ").join(act)))))
    doc.bullets(items)
    charts = [c.chart(lang) for c in found if c.numeric]
    if charts:
        doc.blocks.append(Block("charts", charts=tuple(charts)))


def summary_text(skill: Mapping[str, Any], report: Mapping[str, Any]) -> str:
    """The summary as one paragraph of plain text (report.json's summary)."""
    doc = Doc()
    _summary(doc, skill, report, decisive(skill, report))
    items = next(b for b in doc.blocks if b.kind == "list").items
    return " ".join("".join(s.text for s in i.spans) for i in items)


def _step_item(skill: Mapping[str, Any], report: Mapping[str, Any], step: Mapping[str, Any], lang: str) -> Item:
    spec = steps_by_id(skill)[step["step"]]
    children: list[Item] = []
    result = step.get("result") or {}
    conditions = step.get("conditions", [])
    held = [c for c in conditions if c["result"]]
    thresholds = thresholds_of(skill, step["step"])
    for condition in conditions:
        compared = comparisons(condition, thresholds)
        verdict = label(lang, "held" if condition["result"] else "did not hold")
        parts = [c.words(lang) for c in compared] + plain_reads(condition, compared, thresholds, lang)
        children.append(Item((Span(_sentence(label(lang, "“{label}” {verdict}: ", label=condition["label"],
                                                    verdict=verdict) + label(lang, "; ").join(parts), lang)),)))
    if spec["kind"] == "decision" and step["status"] == "done" and not held:
        children.append(Item((Span(label(lang, "No condition held, so the run took “{branch}”.",
                                         branch=result.get("branch", "otherwise"))),)))
    if "evidence" in step:
        children.append(Item((Span(label(lang, "{rows} (see Evidence).",
                                         rows=_rows(step["evidence"]["row_count"], lang))),)))
    if spec["kind"] in ("manual", "agent") and isinstance(result, dict) and result:
        children += [Item((Span(label(lang, "{name}: {value}", name=k.replace("_", " "),
                                      value=value_text(v, k, lang))),)) for k, v in result.items()]
    children += _grounding(spec["kind"], step.get("grounding"), lang)
    if spec["kind"] == "escalate" and spec.get("escalation"):
        e = spec["escalation"]
        channel = label(lang, ", through {channel}", channel=e["channel"]) if e.get("channel") else ""
        children.append(Item((Span(label(lang, "to {to}, within {within}{channel}.", to=e["to"],
                                         within=fig.duration(e["within"], lang), channel=channel)),)))
    for a in (a for a in report["approvals"] if a["step"] == step["step"]):
        when = label(lang, " at {at}", at=fig.timestamp(a["at"])) if a.get("at") else ""
        note = label(lang, ": {note}", note=a["note"]) if a.get("note") else ""
        who = fig.words(a["by"], lang) or label(lang, "an unnamed approver")
        role = label(lang, " ({role})", role=a["role"]) if a.get("role") else ""
        children.append(Item((Span(_sentence(label(lang, "{decision} by {who}{role}{when}, {signature}{note}",
                                                   decision=label(lang, a["decision"]), who=who, role=role, when=when,
                                                   signature=label(lang, _SIGNATURE[a["signature"]]), note=note),
                                             lang)),)))
    status = label(lang, {"done": "", "failed": " (stopped here)", "awaiting": " (waiting here)",
                          "refused": " (approval refused)"}[step["status"]])
    branch = f" → {result['branch']}" if "branch" in result else \
        (" → " + label(lang, "passed") if result.get("passed") is True else
         " → " + label(lang, "failed") if result.get("passed") is False else
         f" → {result['outcome']}" if spec["kind"] == "include" and "outcome" in result else "")
    return Item((Span(spec["title"], "strong"), Span(f"{branch}{status}")), tuple(children))


def _counted(count: int, one: str, many: str, lang: str) -> str:
    """1 figure, 2 figures: the noun of lang's label for the count."""
    return label(lang, one) if count == 1 else label(lang, many, n=f"{count:,}")


def _grounding(kind: str, found: Mapping[str, Any] | None, lang: str) -> list[Item]:
    """How an agent's answer was checked against the record, with each figure and the recorded value it stands for."""
    if not found:  # answered in an answers file: nothing was checked
        return []
    refused = len(found["refused"])
    earlier = label(lang, "; {outputs} refused", outputs=_counted(refused, "1 earlier output", "{n} earlier outputs",
                                                                  lang)) if refused else ""
    if kind != "agent":
        return [Item((Span(label(lang, "{submissions} refused: people answer this step.",
                                 submissions=_counted(refused, "1 agent submission", "{n} agent submissions", lang))),))]
    if not found["checked"]:
        return [Item((Span(label(lang, "Not checked against the record: given outside sopc's runner API{earlier}.",
                                 earlier=earlier)),))]
    matched = tuple(Item((Span(f["text"], "code"),
                          Span(label(lang, " in {field} is ", field=f["field"].replace("_", " "))),
                          Span(f["source"], "code"), Span(f" = {value_text(f['value'], lang=lang)}")))
                    for f in found["figures"])
    return [Item((Span(label(lang, "Checked against the record: {figures} and {names} match recorded values{earlier}.",
                             figures=_counted(len(found["figures"]), "1 figure", "{n} figures", lang),
                             names=_counted(len(found["identifiers"]), "1 identifier", "{n} identifiers", lang),
                             earlier=earlier)),), matched)]


def _labels(lang: str, *english: str) -> list[str]:
    return [label(lang, e) for e in english]


def _tables(doc: Doc, report: Mapping[str, Any], lang: str) -> None:
    if report["approvals"]:
        doc.heading(2, label(lang, "Approvals"))
        doc.table(_labels(lang, "Step", "Decision", "By", "Role", "Time", "Signature", "Note"),
                  [[a["step"], label(lang, a["decision"]), fig.words(a["by"], lang) or label(lang, "none"),
                    a.get("role") or "", fig.timestamp(a["at"]) if a.get("at") else "",
                    label(lang, _SIGNATURE[a["signature"]]), a.get("note") or ""] for a in report["approvals"]])
    if report["escalations"]:
        doc.heading(2, label(lang, "Escalations"))
        doc.table(_labels(lang, "To", "Recorded", "Due", "Channel", "Message"),
                  [[e["to"], fig.timestamp(e["at"]) if e.get("at") else "",
                    fig.timestamp(e["due"]) if e.get("due") else "", e.get("channel") or "", e.get("message") or ""]
                   for e in report["escalations"]])
    if report["recommended_actions"]:
        doc.heading(2, label(lang, "Recommended actions"))
        doc.para(Span(label(lang, "sopc never carries out actions; each is done by the team that owns it, with the "
                                  "approval recorded here.")))
        doc.table(_labels(lang, "Action", "Target", "Reversible", "Reason", "Approved by"),
                  [[a["action"], value_text(a["target"], lang=lang), label(lang, "yes" if a["reversible"] else "no"),
                    a.get("reason_code") or "", fig.words(a["approved_by"] or [], lang) or label(lang, "nobody")]
                   for a in report["recommended_actions"]])
        for a in report["recommended_actions"]:
            target = a["target"]
            if isinstance(target, list) and target and all(isinstance(t, dict) for t in target):
                columns = list(dict.fromkeys(k for t in target for k in t))
                doc.para(Span(label(lang, "The target of {action}, as recorded:", action=a["action"])))
                doc.table([c.replace("_", " ") for c in columns],
                          [[value_text(t.get(c), c, lang) for c in columns] for t in target])


def _evidence(doc: Doc, report: Mapping[str, Any], lang: str) -> None:
    shown = [s for s in report["steps"] if "evidence" in s]
    if not shown:
        return
    doc.heading(2, label(lang, "Evidence"))
    for step in shown:
        data = step["evidence"]
        rows = data["rows"][:MD_ROWS]
        count = data["row_count"]
        doc.heading(3, step["title"])
        more = label(lang, "; the first {n} are shown", n=f"{len(rows):,}") if count > len(rows) else ""
        doc.para(Span(label(lang, "{rows}{more}. Query ", rows=_rows(count, lang), more=more)),
                 Span(data["sql_sha256"], "code"), Span(label(lang, ".")))
        if rows:
            columns = [c[0] for c in data["columns"]]
            doc.table([c.replace("_", " ") for c in columns],
                      [[value_text(r.get(c), c, lang) for c in columns] for r in rows])


def sections(skill: Mapping[str, Any], report: Mapping[str, Any], started_by: str, source: str,
             lang: str = "en") -> list[Block]:
    """Every block of the report, in reading order (the fixed words in lang; skill and report carry the titles
    and messages in lang already, see `report_lang`)."""
    doc = Doc()
    doc.heading(1, label(lang, "Findings: {title}", title=skill["title"]))
    found = decisive(skill, report, lang)
    _summary(doc, skill, report, found, lang)
    doc.heading(2, label(lang, "The run"))
    record = report["record"]
    status = label(lang, report["status"]) if lang != "en" else report["status"].replace("_", " ")
    doc.bullets([
        Item((Span("SOP "), Span(skill["id"], "code"), Span(label(lang, " version {version}, digest ",
                                                                  version=skill["version"])),
              Span(skill["digest"], "code"))),
        Item((Span(label(lang, "Run ")), Span(report["run_id"], "code"),
              Span(label(lang, ", started by {by}, on the data {source}",
                         by=started_by or label(lang, "nobody named"), source=source)))),
        Item((Span(label(lang, "Record events.jsonl: {events} events, last line ", events=f"{record['events']:,}")),
              Span(record["head"], "code"))),
        Item((Span(label(lang, "Status: {status}", status=status)
                   + (label(lang, ", outcome {outcome}", outcome=report["outcome"]) if report["outcome"] else "")),)),
    ])
    doc.heading(2, label(lang, "Inputs"))
    doc.table(_labels(lang, "Input", "Value"),
              [[k.replace("_", " "), value_text(v, k, lang)] for k, v in report["inputs"].items()])
    doc.heading(2, label(lang, "Decision path"))
    doc.bullets([_step_item(skill, report, s, lang) for s in report["steps"]], ordered=True)
    _tables(doc, report, lang)
    _evidence(doc, report, lang)
    doc.heading(2, label(lang, "Audit trail"))
    doc.para(Span(label(lang, "Every fact above is in events.jsonl beside this report: one event per line, each "
                              "chained to the one before by its sha256. sopc verify checks the chain and every "
                              "signature, and rebuilds this report from the record.")))
    return doc.blocks


__all__ = ["Chart", "sections"]
