"""Checks on the step graph: ids, transitions, reachability, loops, outcomes."""

from __future__ import annotations

from compiler.document import pointer_join
from compiler.graph import Graph
from compiler.lint.base import Findings, closest
from compiler.model import BRANCHING, Sop, Step, Transition
from compiler.suggest import article


def _check_target(found: Findings, sop: Sop, ids: set[str], to: Transition) -> None:
    if to.next is not None and to.outcome is not None:
        # Point at the outcome key: the step's own position says nothing about which key is extra.
        found.add(pointer_join(to.pointer, "outcome"), "SOP210",
                  f"a transition names both next ({to.next}) and outcome ({to.outcome})",
                  "keep one: next continues with a step, outcome ends the run", key=True)
    if to.next is not None and to.next not in ids:
        hint = closest(to.next, ids)
        if to.next in sop.outcomes:
            hint = f"{to.next!r} is an outcome: write outcome: {to.next}"
        found.add(pointer_join(to.pointer, "next"), "SOP202", f"next step {to.next!r} does not exist", hint)
    if to.outcome is not None and to.outcome not in sop.outcomes:
        hint = closest(to.outcome, sop.outcomes)
        if to.outcome in ids:
            hint = f"{to.outcome!r} is a step: write next: {to.outcome}"
        found.add(pointer_join(to.pointer, "outcome"), "SOP203", f"outcome {to.outcome!r} is not declared",
                  hint or f"declared outcomes: {', '.join(sorted(sop.outcomes)) or 'none'}")


def _check_decision(found: Findings, step: Step) -> None:
    branches = step.branches
    otherwise = [b for b in branches if b.otherwise]
    for branch in branches:
        if branch.otherwise and branch.when:
            found.add(branch.pointer, "SOP209", "a branch has both when and otherwise",
                      "a branch is either conditional (when) or the fallback (otherwise: true)")
        elif not branch.otherwise and not branch.when:
            found.add(branch.pointer, "SOP209", "a branch has neither when nor otherwise")
        if branch.to.target is None:
            found.add(branch.pointer, "SOP206", "the branch does not say where to go", "add next: or outcome:")
    if not otherwise:
        found.add(pointer_join(step.pointer, "branches"), "SOP209", f"decision {step.id!r} has no otherwise branch",
                  "end the branches with {otherwise: true, next: ...} so that every case is handled")
    elif len(otherwise) > 1 or branches[-1] is not otherwise[0]:
        found.add(otherwise[0].pointer, "SOP209", "the otherwise branch must be the last and only fallback",
                  "move it to the end; branches after it could never be taken")


def _check_step_transitions(found: Findings, sop: Sop, ids: set[str], step: Step) -> None:
    if step.kind in BRANCHING and step.to is not None:
        # Point at the offending key (next or outcome), not at the start of the step.
        extra = "next" if step.to.next is not None else "outcome"
        found.add(pointer_join(step.pointer, extra), "SOP210", f"{article(step.kind)} step takes its transitions from "
                  + ("its branches" if step.kind == "decision" else "on_pass and on_fail"),
                  f"remove {extra} from the step itself", key=True)
    if step.kind == "decision":
        _check_decision(found, step)
    elif step.kind not in BRANCHING and step.to is None:
        found.add(step.pointer, "SOP206", f"step {step.id!r} says neither next nor outcome",
                  "add next: <step id> or outcome: <outcome id>")
    for _, to in step.transitions():
        _check_target(found, sop, ids, to)


def check_graph(found: Findings, sop: Sop, graph: Graph) -> None:
    """Step ids, transitions, reachability, cycles, outcome use and approvals."""
    first_seen: dict[str, Step] = {}
    for step in sop.steps:
        if not step.id:
            continue
        if step.id in first_seen:
            line = found.doc.source.value(pointer_join(first_seen[step.id].pointer, "id"))[0]
            found.add(pointer_join(step.pointer, "id"), "SOP201", f"step id {step.id!r} is used twice",
                      f"the first is at line {line}; rename one")
        else:
            first_seen[step.id] = step
    ids = set(first_seen)
    for step in sop.steps:
        _check_step_transitions(found, sop, ids, step)
        if step.kind == "action" and step.approval is None:
            found.add(step.pointer, "SOP208", f"action step {step.id!r} ({step.action or 'action'}) has no approval",
                      "add approval: {role: risk-manager} (count: 2 for four-eyes)")

    reach = graph.reachable()
    for step in first_seen.values():
        if step.id not in reach:
            found.add(pointer_join(step.pointer, "id"), "SOP204", f"step {step.id!r} can never be reached",
                      f"no transition from the first step ({graph.first}) leads here")
    for source, target in graph.back_edges():
        origin = first_seen[source]
        edge = next((t for _, t in origin.transitions() if t.next == target), None)
        pointer = pointer_join(edge.pointer, "next") if edge else origin.pointer
        found.add(pointer, "SOP205", f"step {source!r} leads back to {target!r}, forming a loop",
                  "an SOP is a finite checklist: go forward to a later step or an outcome")
    used = {t.outcome for s in sop.steps for _, t in s.transitions() if t.outcome}
    for outcome in sop.outcomes:
        if outcome not in used:
            found.add(pointer_join("/outcomes", outcome), "SOP207", f"outcome {outcome!r} is never reached",
                      "remove it or add a transition to it", key=True)
