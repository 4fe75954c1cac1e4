"""Checks on action targets: an action aims at the accounts the evidence implicates, never a wider list."""

from __future__ import annotations

from compiler.cel import parse
from compiler.document import pointer_join
from compiler.lint.base import Findings
from compiler.model import BRANCHING, Sop


def _roots(expression: str, steps: set[str]) -> set[str]:
    """The steps an expression reads (none when it does not parse: SOP401 says why)."""
    parsed = parse(expression)
    return set() if parsed.error else {r.root for r in parsed.references if r.root in steps}


def check_targets(found: Findings, sop: Sop, dominators: dict[str, frozenset[str]]) -> None:
    """SOP406: an action's target reads a step that a check or decision on every path to it also read.

    The steps those conditions read are the evidence that decided the action.
    A target built from another step (a campaign-wide flag list, every
    account of a query the decision never looked at) hits accounts nothing
    implicated. A target of inputs alone is the run's subject, which every
    query of the run was scoped to.
    """
    steps = {s.id: s for s in sop.steps if s.id}
    for step in sop.steps:
        if step.kind != "action" or not step.target:
            continue
        read = _roots(step.target, set(steps))
        if not read:
            continue
        deciders = [steps[d] for d in dominators.get(step.id, frozenset()) if d != step.id and d in steps
                    and steps[d].kind in BRANCHING]
        if any(parse(expression).error for d in deciders for _, expression in d.conditions()):
            continue  # a deciding condition does not parse (SOP401): what it reads is not known
        evidence = {root for d in deciders for _, expression in d.conditions() for root in _roots(expression, set(steps))}
        if read & evidence:
            continue
        found.add(pointer_join(step.pointer, "target"), "SOP406",
                  f"action {step.id!r} aims at {', '.join(sorted(read))}, which no check or decision before it read",
                  "derive the target from the step whose figures decided the action "
                  + (f"({', '.join(sorted(evidence))})" if evidence else "(a decision that reads it)")
                  + ", so that only the accounts the evidence implicates are actioned")
