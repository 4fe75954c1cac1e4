"""The step graph of an SOP: edges, reachability, cycles and dominators.

Used by the lint (to find unreachable steps and loops, and to know which step
results a condition may read) and by the emitters (flowchart, run order).
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.model import Sop


@dataclass(frozen=True, slots=True)
class Graph:
    """Edges between steps of one SOP (outcomes are not nodes)."""

    first: str | None
    """Id of the first step, where every run starts."""
    successors: dict[str, tuple[str, ...]]
    """Step id -> ids of the steps it can go to next (existing steps only)."""

    def reachable(self) -> set[str]:
        """Steps some run can reach from the first step."""
        seen: set[str] = set()
        todo = [self.first] if self.first else []
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            todo.extend(self.successors.get(node, ()))
        return seen

    def back_edges(self) -> list[tuple[str, str]]:
        """Edges (from, to) that close a cycle, found by iterative DFS from every step."""
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        found: list[tuple[str, str]] = []
        for root in self.successors:
            if root in state:
                continue
            stack: list[tuple[str, int]] = [(root, 0)]
            state[root] = 1
            while stack:
                node, index = stack.pop()
                nexts = self.successors.get(node, ())
                if index < len(nexts):
                    stack.append((node, index + 1))
                    target = nexts[index]
                    if state.get(target) == 1:
                        found.append((node, target))
                    elif target not in state:
                        state[target] = 1
                        stack.append((target, 0))
                else:
                    state[node] = 2
        return found

    def topological(self) -> list[str]:
        """Reachable steps in an order where every edge goes forward (ignores back edges)."""
        reach = self.reachable()
        back = set(self.back_edges())
        indegree = {n: 0 for n in reach}
        for node in reach:
            for target in self.successors.get(node, ()):
                if target in reach and (node, target) not in back:
                    indegree[target] += 1
        ready = [self.first] if self.first in reach else []
        order: list[str] = []
        while ready:
            node = ready.pop(0)
            order.append(node)
            for target in self.successors.get(node, ()):
                if target in reach and (node, target) not in back:
                    indegree[target] -= 1
                    if indegree[target] == 0:
                        ready.append(target)
        return order

    def dominators(self) -> dict[str, frozenset[str]]:
        """For each reachable step, the steps that run on every path to it (itself included)."""
        order = self.topological()
        back = set(self.back_edges())
        preds: dict[str, list[str]] = {n: [] for n in order}
        for node in order:
            for target in self.successors.get(node, ()):
                if target in preds and (node, target) not in back:
                    preds[target].append(node)
        dom: dict[str, frozenset[str]] = {}
        for node in order:
            before = [dom[p] for p in preds[node] if p in dom]
            common = frozenset.intersection(*before) if before else frozenset()
            dom[node] = common | {node}
        return dom


def build_graph(sop: Sop) -> Graph:
    """The step graph; edges to unknown steps are left out (the lint reports them)."""
    ids = {s.id for s in sop.steps if s.id}
    successors: dict[str, tuple[str, ...]] = {}
    for step in sop.steps:
        if not step.id or step.id in successors:
            continue
        targets = [t.next for _, t in step.transitions() if t.next in ids and t.next is not None]
        successors[step.id] = tuple(dict.fromkeys(targets))
    first = sop.steps[0].id if sop.steps and sop.steps[0].id else None
    return Graph(first, successors)
