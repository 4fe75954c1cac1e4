"""Branch coverage of a skill by its scenarios: decision branches, check results and outcomes.

Pure: the branches come from the compiled skill, the covered ones from the
states of finished runs. What no scenario exercised is listed by name: each
is a path an agent may take in production that nobody has seen work.

An included SOP's branches are not part of its caller's coverage: they
depend only on the inputs the caller binds and the data, so requiring every
caller to take them again would make each caller retest the shared
procedure instead of its own decisions. The caller's coverage counts how it
maps the included outcomes (`group → outcome found`) and a refusal at the
include's gate; the branches the included SOP took inside the caller's runs
are counted in the included SOP's own coverage (`credit`) when both are
tested in one `sopc test`, and shown beside the caller's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.runner.includes import SEPARATOR
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


@dataclass(frozen=True, slots=True)
class Included:
    """An SOP included by a skill (at any depth) and the coverage the skill's runs gave it."""

    step: str
    """The include step's qualified id in the caller's record."""
    sop: str
    coverage: Coverage


def branches(skill: Mapping[str, Any]) -> tuple[str, ...]:
    """Every branch by name: 'step → label' for checks, decisions, an include's mapped outcomes and a gate's
    declared refusal; 'outcome name' for outcomes."""
    found = [f"{step['id']} → {t['label']}" for step in skill["steps"]
             if step["kind"] in ("check", "decision", "include") for t in step["transitions"] if t.get("label")]
    found += [f"{step['id']} → refused" for step in skill["steps"] if (step.get("approval") or {}).get("on_refused")]
    found += [f"outcome {name}" for name in skill["outcomes"]]
    return tuple(dict.fromkeys(found))


def taken(skill: Mapping[str, Any], state: RunState, prefix: str = "") -> set[str]:
    """Branches one run took in the skill running under prefix ('' for the run's own skill, '<include>/' for an
    included one), named as the skill names them."""
    kinds = {prefix + s["id"]: s["kind"] for s in skill["steps"]}
    found = set()
    for qid, result in state.results.items():
        kind, step_id = kinds.get(qid), qid[len(prefix):]
        if kind is None:
            continue
        if result.get("approved") is False:
            found.add(f"{step_id} → refused")
        elif kind == "include":
            found.add(f"{step_id} → outcome {result['outcome']}")
        elif kind == "check":
            found.add(f"{step_id} → {'pass' if result['passed'] else 'fail'}")
        elif kind == "decision":
            found.add(f"{step_id} → {result['branch']}")
    if prefix:
        outcome = (state.results.get(prefix[:-len(SEPARATOR)]) or {}).get("outcome")
        if outcome:
            found.add(f"outcome {outcome}")
    elif state.status == "completed" and state.outcome:
        found.add(f"outcome {state.outcome}")
    return found


def coverage(skill: Mapping[str, Any], states: Iterable[RunState], prefix: str = "") -> Coverage:
    """Coverage of a skill (running under prefix) by a set of runs."""
    covered: set[str] = set()
    for state in states:
        covered |= taken(skill, state, prefix)
    return Coverage(branches(skill), frozenset(covered))


def _includes(skill: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Mapping[str, Any]]]:
    """(prefix, included skill) for every include step at any depth."""
    found: list[tuple[str, Mapping[str, Any]]] = []
    for step in skill["steps"]:
        if step["kind"] == "include":
            inner, under = step["include"]["skill"], f"{prefix}{step['id']}{SEPARATOR}"
            found += [(under, inner), *_includes(inner, under)]
    return found


def included(skill: Mapping[str, Any], states: Sequence[RunState]) -> tuple[Included, ...]:
    """The coverage a skill's runs gave each SOP it includes."""
    return tuple(Included(prefix[:-len(SEPARATOR)], inner["id"], coverage(inner, states, prefix))
                 for prefix, inner in _includes(skill))


def credit(own: Coverage, elsewhere: Iterable[Coverage]) -> Coverage:
    """An SOP's coverage with the branches it took inside the runs of SOPs that include it."""
    covered = set(own.covered)
    for other in elsewhere:
        covered |= other.covered & set(own.branches)
    return dataclasses.replace(own, covered=frozenset(covered))
