"""The alert queue: what triage made of each alert, and the totals (schema/queue.schema.json).

Pure: alerts in, a plan per alert out, and the queue document and its
Markdown rendering made from the outcomes. An alert is matched to its
runbook by exact trigger name among the active skills; none, several, or
a payload that does not give the inputs is an entry of its own, never a
dropped alert. Every alert gets a run id derived from its own id, so a
second triage of the same file finds the run the first one started.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from compiler.files import UsageError
from compiler.runner.alerts import inputs_from_alert
from compiler.runner.inputs import checked_inputs

MAX_LINE = 1 << 20
"""Longest alert line read (bytes): a longer one is reported, not parsed."""
STATUSES = ("closed", "awaiting_agent", "awaiting_person", "awaiting_approval", "failed", "refused",
            "no_runbook", "several_runbooks", "bad_alert", "duplicate")
"""Every status an alert can have in the queue, in the order totals are shown."""
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Planned:
    """One alert line and what triage will do with it: a run to start or continue, or an entry as it is."""

    line: int
    alert_id: str | None
    name: str | None
    ts: str | None
    sop: str | None = None
    run_id: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)
    entry: Mapping[str, Any] | None = None
    """Set when there is nothing to run: the queue entry as it stands."""


def run_id_for(alert_id: str, sop_id: str) -> str:
    """A run id that is a function of the alert and its runbook: readable, safe as a folder name, unique per id."""
    readable = _UNSAFE.sub("-", alert_id).strip("-._")[:40] or "alert"
    digest = hashlib.sha256(f"{sop_id}\0{alert_id}".encode()).hexdigest()[:10]
    return f"{sop_id[:60]}-{readable}-{digest}"


def parse_alerts(lines: Iterable[bytes]) -> list[tuple[int, dict[str, Any] | str]]:
    """(line number, alert or the reason it cannot be read) for every non-blank line."""
    parsed: list[tuple[int, dict[str, Any] | str]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE:
            parsed.append((number, f"line is {len(raw):,} bytes; the limit is {MAX_LINE:,}"))
            continue
        try:
            alert = json.loads(raw)
        except (ValueError, RecursionError) as err:
            parsed.append((number, f"not JSON: {err}"))
            continue
        problem = _alert_problem(alert)
        parsed.append((number, problem if problem else alert))
    return parsed


def _alert_problem(alert: Any) -> str:
    if not isinstance(alert, dict):
        return "an alert is a JSON object {id, name, ts, payload}"
    missing = [k for k in ("id", "name", "payload") if k not in alert]
    if missing:
        return f"the alert has no {', '.join(missing)}"
    if not isinstance(alert["id"], str) or not alert["id"].strip():
        return "the alert's id must be a non-empty string"
    if not isinstance(alert["name"], str):
        return "the alert's name must be a string"
    if not isinstance(alert["payload"], dict):
        return "the alert's payload must be a JSON object"
    return ""


def plan(parsed: Sequence[tuple[int, dict[str, Any] | str]], skills: Sequence[Mapping[str, Any]]) -> list[Planned]:
    """What to do with each alert line, in file order."""
    by_alert: dict[str, list[Mapping[str, Any]]] = {}
    for skill in skills:
        if skill["status"] != "active":
            continue
        for trigger in skill["triggers"]:
            by_alert.setdefault(trigger["alert"], []).append(skill)
    seen: dict[str, int] = {}
    planned = []
    for number, alert in parsed:
        if isinstance(alert, str):
            planned.append(Planned(number, None, None, None, entry=_entry("bad_alert", alert)))
            continue
        alert_id, name, ts = alert["id"], alert["name"], _ts(alert.get("ts"))
        if alert_id in seen:
            planned.append(Planned(number, alert_id, name, ts, entry=_entry(
                "duplicate", f"alert id {alert_id!r} was already read at line {seen[alert_id]}")))
            continue
        seen[alert_id] = number
        planned.append(_match(number, alert, ts, by_alert.get(name, [])))
    return planned


def _match(number: int, alert: Mapping[str, Any], ts: str | None, skills: Sequence[Mapping[str, Any]]) -> Planned:
    alert_id, name = alert["id"], alert["name"]
    if not skills:
        return Planned(number, alert_id, name, ts, entry=_entry("no_runbook", f"no active runbook names alert {name!r}"))
    if len(skills) > 1:
        ids = sorted(s["id"] for s in skills)
        return Planned(number, alert_id, name, ts, entry=_entry(
            "several_runbooks", f"{len(ids)} runbooks name alert {name!r}: {', '.join(ids)}", candidates=ids))
    skill = skills[0]
    try:
        inputs = checked_inputs(inputs_from_alert(skill, alert), skill)
    except UsageError as err:
        return Planned(number, alert_id, name, ts, sop=skill["id"], entry=_entry("refused", str(err)))
    return Planned(number, alert_id, name, ts, sop=skill["id"], run_id=run_id_for(alert_id, skill["id"]),
                   inputs=inputs)


def _ts(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _entry(status: str, message: str, **more: Any) -> dict[str, Any]:
    return {"status": status, "message": message, **more}


def status_of(state: Mapping[str, Any]) -> str:
    """The queue status of a run, from its run-state object."""
    status = str(state["status"])
    if status == "completed":
        return "closed"
    if status == "awaiting_approval":
        return "awaiting_approval"
    if status.startswith("awaiting"):
        pending = state.get("pending") or {}
        return "awaiting_agent" if pending.get("who") == "agent" else "awaiting_person"
    return "failed" if status not in STATUSES else status


def entry_from_state(state: Mapping[str, Any]) -> dict[str, Any]:
    """The queue entry of a run: its status, outcome, the step it waits at and why it stopped."""
    pending = state.get("pending") or {}
    outcome = state.get("outcome") or {}
    error = state.get("error") or {}
    entry: dict[str, Any] = {"status": status_of(state)}
    if outcome:
        entry["outcome"] = outcome.get("id")
        entry["outcome_title"] = outcome.get("title")
    if pending:
        entry["waiting_at"] = pending.get("step")
    if error:
        entry["message"] = f"{error.get('step')}: {error.get('message')}"
    return entry


def queue_document(planned: Sequence[Planned], entries: Mapping[int, Mapping[str, Any]],
                   source: str) -> dict[str, Any]:
    """The queue: one item per alert line in file order, and totals per SOP and status."""
    items = []
    for item in planned:
        entry = dict(item.entry or entries.get(item.line) or _entry("failed", "triage did not reach this alert"))
        items.append({"line": item.line, "alert_id": item.alert_id, "alert": item.name, "ts": item.ts,
                      "sop": item.sop, "run_id": item.run_id if item.entry is None else None, **entry})
    by_status = Counter(i["status"] for i in items)
    by_sop: dict[str, Counter[str]] = {}
    for i in items:
        by_sop.setdefault(i["sop"] or "(none)", Counter())[i["status"]] += 1
    return {
        "format": 1, "alerts_file": source, "alerts": len(items),
        "totals": {"by_status": {s: by_status[s] for s in STATUSES if by_status[s]},
                   "by_sop": {sop: {s: counts[s] for s in STATUSES if counts[s]} for sop, counts in sorted(by_sop.items())}},
        "items": items,
    }


def _code(value: Any) -> str:
    """An identifier as a code span that cannot end early or break the table."""
    if value is None or value == "":
        return ""
    text = " ".join(str(value).split()).replace("`", "'").replace("|", "\\|")
    return f"`{text}`"


def _text(value: Any) -> str:
    """Prose in a table cell: one line, and no character that could open Markdown of its own or end the cell."""
    text = " ".join(("" if value is None else str(value)).split())
    return re.sub(r"([\\`*_{}\[\]<>|~])", r"\\\1", text)


def _label(status: str) -> str:
    return status.replace("_", " ")


def queue_markdown(queue: Mapping[str, Any]) -> str:
    """queue.md: totals first, then per runbook, then every alert in file order."""
    totals = queue["totals"]
    shown = [s for s in STATUSES if s in totals["by_status"]]
    lines = [f"# Alert queue: {queue['alerts']:,} alerts", "", "| status | alerts |", "|---|---:|"]
    lines += [f"| {_label(status)} | {count:,} |" for status, count in totals["by_status"].items()]
    lines += ["", "## By runbook", "", "| runbook | " + " | ".join(_label(s) for s in shown) + " |",
              "|---|" + "---:|" * len(shown)]
    for sop, counts in totals["by_sop"].items():
        lines.append(f"| {_code(sop)} | " + " | ".join(f"{counts.get(s, 0):,}" for s in shown) + " |")
    lines += ["", "## Every alert", "", "| line | alert id | alert | runbook | status | outcome or waiting at | run or reason |",
              "|---:|---|---|---|---|---|---|"]
    for i in queue["items"]:
        detail = _text(i.get("outcome_title")) if i.get("outcome_title") else _code(i.get("waiting_at"))
        why = _code(i["run_id"]) if i.get("run_id") else _text(i.get("message"))
        lines.append(f"| {i['line']} | {_code(i['alert_id'])} | {_code(i['alert'])} | {_code(i['sop'])} | "
                     f"{_label(i['status'])} | {detail} | {why} |")
    return "\n".join(lines) + "\n"
