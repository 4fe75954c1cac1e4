"""Included skills inside one run: every step by its qualified id, and the check of the embedded copies.

An include step carries the included skill compiled and embedded, so the
caller's skill.json runs on its own. Its steps run in the caller's record
under qualified ids, `<include step>/<step>` (nested includes add one more
level), which keeps the record one flat, replayable sequence of events.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.runner.errors import RunError

SEPARATOR = "/"


def canonical_sha256(skill: Mapping[str, Any]) -> str:
    """sha256 of a skill as canonical JSON (sorted keys, no spaces): what an include step pins."""
    text = json.dumps(skill, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def qualified_ids(steps: Sequence[Mapping[str, Any]], prefix: str = "") -> list[str]:
    """Ids of the steps and, after each include step, of the steps it includes (qualified)."""
    found: list[str] = []
    for step in steps:
        found.append(prefix + step["id"])
        if step["kind"] == "include":
            found += qualified_ids(step["include"]["skill"]["steps"], f"{prefix}{step['id']}{SEPARATOR}")
    return found


@dataclass(frozen=True, slots=True)
class Place:
    """Where a step of the run lives: the step, the prefix of its ids and the skill that declares it."""

    qid: str
    """Its id in the record: the step's id after the prefix."""
    step: Mapping[str, Any]
    prefix: str
    """'' for the run's own steps, '<include step>/' for an included skill's."""
    skill: Mapping[str, Any]


def _places(skill: Mapping[str, Any], prefix: str) -> Iterator[Place]:
    for step in skill["steps"]:
        yield Place(prefix + step["id"], step, prefix, skill)
        if step["kind"] == "include":
            yield from _places(step["include"]["skill"], f"{prefix}{step['id']}{SEPARATOR}")


def step_table(skill: Mapping[str, Any]) -> dict[str, Place]:
    """Every step the run may execute, by qualified id."""
    return {place.qid: place for place in _places(skill, "")}


def steps_by_id(skill: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every step the run may execute as its compiled dict, by qualified id (its "id" is the qualified one)."""
    return {place.qid: {**place.step, "id": place.qid} for place in _places(skill, "")}


def embedded_skills(skill: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The skill and every skill it includes (at any depth)."""
    found = [skill]
    for step in skill["steps"]:
        if step["kind"] == "include":
            found += embedded_skills(step["include"]["skill"])
    return found


def check_embedded(skill: Mapping[str, Any]) -> None:
    """RunError unless every embedded skill is the one its include step pins (id, version, digest, sha256)."""
    for owner in embedded_skills(skill):
        for step in owner["steps"]:
            if step["kind"] != "include":
                continue
            pin, inner = step["include"], step["include"]["skill"]
            if (inner.get("id"), inner.get("version"), inner.get("digest")) != (pin["sop"], pin["version"],
                                                                               pin["digest"]):
                raise RunError(f"step {step['id']!r} pins {pin['sop']} {pin['version']} ({pin['digest']}) but embeds "
                               f"{inner.get('id')} {inner.get('version')} ({inner.get('digest')})")
            if canonical_sha256(inner) != pin["skill_sha256"]:
                raise RunError(f"step {step['id']!r}: the embedded skill {pin['sop']!r} is not the one compiled "
                               "(its sha256 differs from skill_sha256); rebuild the skill with sopc build")
