"""From an alert to a skill and its inputs: which runbooks an alert names, and the inputs its payload carries.

Pure. An alert is {name, payload}; a skill's trigger for that name maps
each input to a JSON pointer (RFC 6901) into the payload. A pointer the
payload does not hold leaves an optional input unset and refuses a
required one; the values are then checked like any other inputs.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from compiler.files import UsageError

CLOSE = 0.6
"""How alike two alert names must be (difflib ratio) to offer a skill as a close match."""
_INDEX = re.compile(r"0|[1-9][0-9]*")


def resolve(payload: Any, pointer: str) -> tuple[bool, Any]:
    """(found, value) of a JSON pointer in a document."""
    value = payload
    for raw in pointer.split("/")[1:] if pointer else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, Mapping) and token in value:
            value = value[token]
        elif isinstance(value, list) and _INDEX.fullmatch(token) and int(token) < len(value):
            value = value[int(token)]
        else:
            return False, None
    return True, value


def trigger(skill: Mapping[str, Any], alert: str) -> Mapping[str, Any]:
    """The skill's trigger for this alert name."""
    for item in skill["triggers"]:
        if item["alert"] == alert:
            return dict(item)
    names = ", ".join(t["alert"] for t in skill["triggers"])
    raise UsageError(f"skill {skill['id']!r} has no trigger for alert {alert!r} (its alerts: {names})")


def inputs_from_alert(skill: Mapping[str, Any], alert: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs an alert's payload gives a run of this skill (to be checked by checked_inputs)."""
    name, payload = alert.get("name"), alert.get("payload")
    if not isinstance(name, str) or not isinstance(payload, Mapping):
        raise UsageError("an alert is {name: <alert name>, payload: {...}}")
    mapping = trigger(skill, name).get("inputs")
    if not mapping:
        raise UsageError(f"skill {skill['id']!r} maps no inputs from alert {name!r}; give the inputs instead")
    required = set(skill["inputs_schema"].get("required", []))
    values: dict[str, Any] = {}
    missing = []
    for input_name, pointer in mapping.items():
        found, value = resolve(payload, pointer)
        if found and value is not None:
            values[input_name] = value
        elif input_name in required:
            missing.append(f"{input_name} (at {pointer})")
    if missing:
        raise UsageError(f"alert {name!r} carries no value for {', '.join(missing)}")
    return values


def _inputs(skill: Mapping[str, Any]) -> list[dict[str, Any]]:
    schema = skill["inputs_schema"]
    required = set(schema.get("required", []))
    return [{"name": name, "type": "timestamp" if spec.get("format") == "date-time" else spec.get("type", "string"),
             "required": name in required, "description": spec.get("description", "")}
            for name, spec in schema.get("properties", {}).items()]


def find_runbooks(skills: Sequence[Mapping[str, Any]], alert: str) -> list[dict[str, Any]]:
    """Skills whose triggers name this alert: exact matches first, then close ones, most alike first."""
    found = []
    for skill in skills:
        for item in skill["triggers"]:
            score = 1.0 if item["alert"] == alert else difflib.SequenceMatcher(None, alert, item["alert"]).ratio()
            if score >= CLOSE:
                found.append((score, skill, item))
    found.sort(key=lambda f: (-f[0], f[1]["status"] != "active", f[1]["id"], f[2]["alert"]))
    return [{"id": skill["id"], "title": skill["title"], "version": skill["version"], "status": skill["status"],
             "superseded_by": skill.get("superseded_by"), "severity": skill["severity"], "alert": item["alert"],
             "match": "exact" if score == 1.0 else "close", "when": item["when"],
             "inputs_from_alert": item.get("inputs"), "inputs": _inputs(skill)}
            for score, skill, item in found]
