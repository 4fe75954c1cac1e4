"""Branch coverage of a skill by its scenarios: decision branches, check results and outcomes.

Pure: the branches come from the compiled skill, the covered ones from the
states of finished runs. What no scenario exercised is listed by name: each
is a path an agent may take in production that nobody has seen work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from compiler.runner.state import RunState


@dataclass(frozen=True, slots=True)
class Coverage:
    """Branches of one skill and which of them runs exercised."""

    branches: tuple[str, ...]
    covered: frozenset[str]

    @property
    def untested(self) -> tuple[str, ...]:
        """Branches no run took, in the skill's order."""
        return tuple(b for b in self.branches if b not in self.covered)

    @property
    def percent(self) -> float:
        """Share of branches taken (100 for a skill without branches)."""
        return 100.0 if not self.branches else 100.0 * (len(self.branches) - len(self.untested)) / len(self.branches)


def branches(skill: Mapping[str, Any]) -> tuple[str, ...]:
    """Every branch by name: 'step → label' for checks, decisions, an include's mapped outcomes and a gate's
    declared refusal; 'outcome name' for outcomes."""
    found = [f"{step['id']} → {t['label']}" for step in skill["steps"]
             if step["kind"] in ("check", "decision", "include") for t in step["transitions"] if t.get("label")]
    found += [f"{step['id']} → refused" for step in skill["steps"] if (step.get("approval") or {}).get("on_refused")]
    found += [f"outcome {name}" for name in skill["outcomes"]]
    return tuple(dict.fromkeys(found))


def taken(skill: Mapping[str, Any], state: RunState) -> set[str]:
    """Branches one run took."""
    kinds = {s["id"]: s["kind"] for s in skill["steps"]}
    found = set()
    for step_id, result in state.results.items():
        if result.get("approved") is False:
            found.add(f"{step_id} → refused")
        elif kinds.get(step_id) == "include":
            found.add(f"{step_id} → outcome {result['outcome']}")
        elif kinds.get(step_id) == "check":
            found.add(f"{step_id} → {'pass' if result['passed'] else 'fail'}")
        elif kinds.get(step_id) == "decision":
            found.add(f"{step_id} → {result['branch']}")
    if state.status == "completed" and state.outcome:
        found.add(f"outcome {state.outcome}")
    return found


def coverage(skill: Mapping[str, Any], states: Iterable[RunState]) -> Coverage:
    """Coverage of a skill by a set of runs."""
    covered: set[str] = set()
    for state in states:
        covered |= taken(skill, state)
    return Coverage(branches(skill), frozenset(covered))
