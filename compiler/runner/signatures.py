"""Re-verifying the signed approvals of a finished record, as an auditor would.

Each accepted approval keeps its envelope and the registry entry its key was
found in. Later, with nothing but the record, every signature is verified
again and every statement is checked against the record: this run, this
skill, this step, the decision the record says was taken, a head that is a
line of this record from after the run waited at the step and before the
approval, a key valid on the day and an entry holding the gate's role. With
a registry at hand, each entry must also still be in it (as recorded).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compiler.approvers import Registry, person, recorded_entry
from compiler.runner.signing import envelope_problems, signature_holds
from compiler.runner.values import parse_timestamp


def reverify(events: Sequence[dict[str, Any]], registry: Registry | None = None) -> tuple[list[str], list[str]]:
    """Facts and problems about every approval in the record."""
    facts: list[str] = []
    problems: list[str] = []
    started = events[0]
    lines: list[str] = []
    waits: dict[str, int] = {}
    signed = unverified = 0
    for event in events:
        lines.append(str(event.get("prev")))
        if event.get("type") == "awaiting" and event.get("reason") == "approval":
            waits.setdefault(str(event.get("step")), int(event["seq"]))
        if event.get("type") != "approval_recorded":
            continue
        step = str(event.get("step"))
        if event.get("signature") != "verified":
            unverified += 1
            continue
        waited = waits.get(step)
        heads = set(lines[waited:]) if waited is not None else set()
        for envelope in event.get("signed") or []:
            signed += 1
            where = f"event {event['seq']} ({step})"
            problem = _problem(envelope, event, started, heads, registry)
            if problem:
                problems.append(f"the signed approval in {where} {problem}")
        if not event.get("signed"):
            problems.append(f"event {event['seq']} ({step}) says verified but holds no signed approval")
    if signed:
        facts.append(f"signatures: {signed} signed approval{'s' if signed != 1 else ''} verified again"
                     + (" against the registry" if registry else ""))
    if unverified:
        facts.append(f"approvals: {unverified} unverified (names as given, no approver registry)")
    return facts, problems


def _problem(envelope: Any, event: dict[str, Any], started: dict[str, Any], heads: set[str],
             registry: Registry | None) -> str | None:
    shape = envelope_problems({k: v for k, v in envelope.items() if k != "approver"}) \
        if isinstance(envelope, dict) else ["is not an object"]
    if shape:
        return shape[0]
    claims = envelope["statement"]
    entry = recorded_entry(envelope.get("approver") or {})
    if entry is None or entry.public_key != envelope["key"]:
        return "does not keep the registry entry of its key"
    if not signature_holds(envelope):
        return f"does not verify against {entry.name}'s key: it was altered"
    facts = {"run_id": started.get("run_id"), "skill_digest": (started.get("skill") or {}).get("digest"),
             "step": event.get("step"), "decision": "approve" if event.get("approved") else "refuse",
             "role": event.get("role")}
    for field, expected in facts.items():
        if claims[field] != expected:
            return f"was signed for {field} {claims[field]!r}, the record says {expected!r}"
    if claims["head"] not in heads:
        return "is over a record state from before the run waited at the step, or from another record"
    if person(claims["approver"]) != person(entry.name) or entry.name not in event.get("by", []):
        return f"names {claims['approver']!r}, not the approver the record lists"
    try:
        at = parse_timestamp(str(event.get("at")))
    except ValueError:
        return "was recorded at a time that is not a timestamp"
    if not entry.valid_at(at) or str(event.get("role")) not in entry.roles:
        return f"was made with a key that was not valid for role {event.get('role')!r} on {at.date()}"
    if registry is not None and registry.by_key(entry.public_key) != entry:
        return f"was made with a key of {entry.name} that the registry no longer lists as recorded"
    return None
