"""Content digests of an SOP and the version bump a change calls for.

Three digests over canonical JSON (sorted keys, no spaces, UTF-8):

- content: everything that ships in the skill (the test scenarios do not);
- logic: what changes behaviour: SQL, conditions, transitions, kinds,
  thresholds, input types and input checks, approvals, timeouts, actions;
- interface: what a caller binds to: input names and types, outcome ids.

A wording change moves only the content digest (a patch bump), a logic
change also the logic digest (at least minor), an interface change all three
(major).
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from typing import Any

_TEXT_KEYS = frozenset({"title", "instruction", "message", "label", "description", "rationale", "when_text"})


class Bump(enum.IntEnum):
    """How big a version bump a change needs."""

    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3


def canonical(data: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, compact, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256(data: Any) -> str:
    """'sha256:<hex>' of the canonical form."""
    return "sha256:" + hashlib.sha256(canonical(data)).hexdigest()


def _strip_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_text(v) for k, v in value.items() if k not in _TEXT_KEYS}
    if isinstance(value, list):
        return [_strip_text(v) for v in value]
    return value


def content_view(data: dict[str, Any]) -> dict[str, Any]:
    """What the content digest covers: the SOP without its test scenarios."""
    return {k: v for k, v in data.items() if k != "tests"}


def logic_view(data: dict[str, Any]) -> dict[str, Any]:
    """The behaviour-relevant part of an SOP."""
    return {
        "inputs": _strip_text(data.get("inputs", {})),
        "thresholds": {k: {"value": v.get("value"), "unit": v.get("unit")}
                       for k, v in data.get("thresholds", {}).items() if isinstance(v, dict)},
        "steps": _strip_text(data.get("steps", [])),
        "outcomes": sorted(data.get("outcomes", {})),
        "status": data.get("status"),
        # Present only when used, so that SOPs without input checks keep their digests.
        **({"input_checks": _strip_text(data["input_checks"])} if data.get("input_checks") else {}),
        # How alerts fill the inputs decides what a run from an alert looks at; present only when used.
        **({"trigger_inputs": mapped} if (mapped := _trigger_inputs(data)) else {}),
    }


def _trigger_inputs(data: dict[str, Any]) -> dict[str, Any]:
    triggers = data.get("triggers")
    return {t["alert"]: t["inputs"] for t in triggers if isinstance(t, dict) and isinstance(t.get("inputs"), dict)
            and isinstance(t.get("alert"), str)} if isinstance(triggers, list) else {}


def interface_view(data: dict[str, Any]) -> dict[str, Any]:
    """What callers of the SOP bind to."""
    inputs = data.get("inputs", {})
    return {
        "inputs": {k: {"type": v.get("type"), "required": v.get("required", "default" not in v)}
                   for k, v in inputs.items() if isinstance(v, dict)},
        "outcomes": sorted(data.get("outcomes", {})),
    }


def digests(data: dict[str, Any]) -> dict[str, str]:
    """The three digests of one SOP."""
    return {
        "digest": sha256(content_view(data)),
        "logic": sha256(logic_view(data)),
        "interface": sha256(interface_view(data)),
    }


def engine_digests(skill: Mapping[str, Any]) -> dict[str, str]:
    """The digest of the skill's Spark SQL (its queries as sopc translated them), for the lock.

    The translation follows from the SOP's DuckDB SQL and from sopc itself, so
    it asks for no version bump of the SOP; the lock names it so that a
    change of translation (a new sopc or sqlglot) shows in review and fails
    `sopc build --check` like any other change of the skill.
    """
    texts = {s["id"]: s["sql"]["spark"]["text"] for s in skill["steps"] if "spark" in s.get("sql", {})}
    return {"spark": sha256(texts)} if texts else {}


def needed_bump(old: Mapping[str, str], new: Mapping[str, str]) -> Bump:
    """The smallest bump that covers the change between two digest sets."""
    if old.get("interface") != new["interface"]:
        return Bump.MAJOR
    if old.get("logic") != new["logic"]:
        return Bump.MINOR
    if old.get("digest") != new["digest"]:
        return Bump.PATCH
    return Bump.NONE


def bump_of(old: tuple[int, int, int], new: tuple[int, int, int]) -> Bump:
    """The bump between two versions (NONE when equal or lower)."""
    if new <= old:
        return Bump.NONE
    if new[0] > old[0]:
        return Bump.MAJOR
    if new[1] > old[1]:
        return Bump.MINOR
    return Bump.PATCH


def bumped(version: tuple[int, int, int], bump: Bump) -> str:
    """The next version for a bump."""
    major, minor, patch = version
    if bump is Bump.MAJOR:
        return f"{major + 1}.0.0"
    if bump is Bump.MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"
