"""Demo alerts: a JSON Lines file of alerts on the demo exchange, made from the library's own scenarios.

Every scenario that runs on a demo-data case and is not a refusal becomes
an alert template: each trigger of its SOP that maps inputs gives an alert
of that name whose payload holds the scenario's inputs at the trigger's
JSON pointers. Alerts cycle through the templates, so any count mixes every
SOP. Pure: SOPs in, alerts out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import cycle, islice, zip_longest
from typing import Any

from compiler.model import Sop


def place(payload: dict[str, Any], pointer: str, value: Any) -> None:
    """Put a value at a JSON pointer of object keys, making the objects on the way."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    node = payload
    for token in tokens[:-1]:
        node = node.setdefault(token, {})
    node[tokens[-1]] = value


def templates(sops: Sequence[Sop]) -> list[tuple[str, dict[str, Any]]]:
    """(alert name, payload) for every demo-data scenario and mapped trigger, one SOP after another in turn."""
    per_sop = [_sop_templates(sop) for sop in sorted(sops, key=lambda s: s.id) if sop.status == "active"]
    return [t for group in zip_longest(*per_sop) for t in group if t is not None]


def _sop_templates(sop: Sop) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for scenario in sop.tests:
        if not scenario.demo or scenario.refused:
            continue
        for trigger in sop.triggers:
            if trigger.inputs and _covers(trigger.inputs, scenario.inputs):
                payload: dict[str, Any] = {}
                for name, pointer in sorted(trigger.inputs.items()):
                    if name in scenario.inputs:
                        place(payload, pointer, scenario.inputs[name])
                found.append((trigger.alert, payload))
    return found


def _covers(mapping: Mapping[str, str], inputs: Mapping[str, Any]) -> bool:
    """The trigger maps every input the scenario gives (so the alert reproduces the scenario's run)."""
    return set(inputs) <= set(mapping)


def demo_alerts(sops: Sequence[Sop], count: int, *, ts: str = "2026-01-06T00:00:00Z") -> list[dict[str, Any]]:
    """`count` alerts cycling through every template; ids ALERT-000001, ALERT-000002, …"""
    found = templates(sops)
    if not found:
        return []
    return [{"id": f"ALERT-{n:06d}", "name": name, "ts": ts, "payload": payload}
            for n, (name, payload) in enumerate(islice(cycle(found), count), start=1)]
