"""A layered (Sugiyama-style) layout of an SOP's step graph, for the flowchart.

Steps and the outcomes they lead to are the nodes; every transition is an
edge. The layout is computed, not drawn here (see flowchart.py):

1. layers: longest path from the roots over the edges that are not back
   edges (`Graph.back_edges` from compiler/graph.py), outcomes one layer
   below their last predecessor;
2. edges that skip layers get a dummy node in each layer they cross, so that
   they are routed around boxes instead of through them;
3. order inside each layer: barycenter sweeps, keeping the order with the
   fewest crossings;
4. x positions: each node pulled toward the mean of its neighbours, with a
   minimum gap (a least-squares fit solved by pool-adjacent-violators).

Everything is deterministic: ties are broken by the order of the steps in the file.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from compiler.graph import build_graph
from compiler.model import Sop

NODE_W = 232.0
NODE_H = 62.0
DUMMY_W = 14.0
H_GAP = 26.0
V_GAP = 44.0
MARGIN = 12.0


@dataclass(frozen=True, slots=True)
class Node:
    """A box of the flowchart, or a dummy point an edge passes through."""

    key: str
    """'s:<step id>', 'o:<outcome id>' or 'd:<n>' for a dummy."""
    kind: str
    """Step kind, 'outcome' or 'dummy'."""
    ref: str
    """Step or outcome id ('' for a dummy)."""
    layer: int
    x: float
    """Left edge."""
    y: float
    """Top edge."""
    w: float
    h: float


@dataclass(frozen=True, slots=True)
class Edge:
    """A transition, routed through its dummy nodes."""

    source: str
    target: str
    label: str
    points: tuple[tuple[float, float], ...]
    """From the bottom of the source to the top of the target, through dummies."""
    back: bool
    """True for an edge that closes a cycle (only in invalid SOPs)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """Positioned nodes and edges, and the size of the drawing."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    width: float
    height: float


def _raw_edges(sop: Sop) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Node keys in file order and (source, target, label) edges."""
    keys: list[str] = []
    edges: list[tuple[str, str, str]] = []
    step_ids = {s.id for s in sop.steps if s.id}
    for step in sop.steps:
        if step.id and f"s:{step.id}" not in keys:
            keys.append(f"s:{step.id}")
    seen_steps: set[str] = set()
    for step in sop.steps:
        if not step.id or step.id in seen_steps:
            continue
        seen_steps.add(step.id)
        for label, transition in step.transitions():
            if transition.next is not None:
                if transition.next in step_ids:
                    edges.append((f"s:{step.id}", f"s:{transition.next}", label))
            elif transition.outcome is not None:
                target = f"o:{transition.outcome}"
                if target not in keys:
                    keys.append(target)
                edges.append((f"s:{step.id}", target, label))
    return keys, edges


def _layers(keys: list[str], forward: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layering over the forward edges (Kahn's order, file order on ties)."""
    preds: dict[str, list[str]] = {k: [] for k in keys}
    succs: dict[str, list[str]] = {k: [] for k in keys}
    for a, b in forward:
        preds[b].append(a)
        succs[a].append(b)
    indegree = {k: len(preds[k]) for k in keys}
    ready = [k for k in keys if indegree[k] == 0]
    layer: dict[str, int] = {}
    while ready:
        node = ready.pop(0)
        layer[node] = max((layer[p] + 1 for p in preds[node] if p in layer), default=0)
        for nxt in succs[node]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    for k in keys:  # only reachable with a cycle among forward edges, which back_edges rules out
        layer.setdefault(k, 0)
    return layer


def _crossings(order: list[list[str]], links: list[tuple[str, str]], layer: dict[str, int]) -> int:
    pos = {k: i for row in order for i, k in enumerate(row)}
    by_layer: dict[int, list[tuple[int, int]]] = {}
    for a, b in links:
        by_layer.setdefault(layer[a], []).append((pos[a], pos[b]))
    total = 0
    for pairs in by_layer.values():
        for i, (a1, b1) in enumerate(pairs):
            for a2, b2 in pairs[i + 1:]:
                if (a1 - a2) * (b1 - b2) < 0:
                    total += 1
    return total


def _order(rows: list[list[str]], links: list[tuple[str, str]], layer: dict[str, int]) -> list[list[str]]:
    """Barycenter sweeps down and up; the order with the fewest crossings wins."""
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    for a, b in links:
        succs.setdefault(a, []).append(b)
        preds.setdefault(b, []).append(a)
    best = [list(r) for r in rows]
    best_score = _crossings(best, links, layer)
    current = [list(r) for r in best]
    for sweep in range(8):
        down = sweep % 2 == 0
        indices = range(1, len(current)) if down else range(len(current) - 2, -1, -1)
        for i in indices:
            ref_row = current[i - 1] if down else current[i + 1]
            ref_pos = {k: p for p, k in enumerate(ref_row)}
            neighbours = preds if down else succs
            old_pos = {k: p for p, k in enumerate(current[i])}

            def centre(key: str, ref_pos: dict[str, int] = ref_pos, neighbours: dict[str, list[str]] = neighbours,
                       old_pos: dict[str, int] = old_pos) -> tuple[float, int]:
                linked = [ref_pos[n] for n in neighbours.get(key, []) if n in ref_pos]
                return (sum(linked) / len(linked) if linked else float(old_pos[key]), old_pos[key])

            current[i] = sorted(current[i], key=centre)
        score = _crossings(current, links, layer)
        if score < best_score:
            best, best_score = [list(r) for r in current], score
    return best


def _fit(desired: list[float], widths: list[float]) -> list[float]:
    """Centres closest (least squares) to desired, in order, with gaps of H_GAP between boxes."""
    offsets = [0.0]
    for i in range(1, len(widths)):
        offsets.append(offsets[-1] + (widths[i - 1] + widths[i]) / 2 + H_GAP)
    targets = [d - o for d, o in zip(desired, offsets, strict=True)]
    blocks: list[list[float]] = []  # [mean, count]
    for t in targets:
        blocks.append([t, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, c2 = blocks.pop()
            m1, c1 = blocks.pop()
            blocks.append([(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2])
    fitted: list[float] = []
    for mean, count in blocks:
        fitted.extend([mean] * int(count))
    return [f + o for f, o in zip(fitted, offsets, strict=True)]


def _positions(order: list[list[str]], links: list[tuple[str, str]], width: dict[str, float]) -> dict[str, float]:
    """Centre x of every node after a few pull-toward-neighbours passes."""
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    for a, b in links:
        succs.setdefault(a, []).append(b)
        preds.setdefault(b, []).append(a)
    x: dict[str, float] = {}
    for row in order:
        widths = [width[k] for k in row]
        for k, cx in zip(row, _fit([0.0] * len(row), widths), strict=True):
            x[k] = cx
    for sweep in range(6):
        down = sweep % 2 == 0
        rows = order[1:] if down else list(reversed(order[:-1]))
        for row in rows:
            desired = []
            for k in row:
                linked = [x[n] for n in (preds if down else succs).get(k, [])]
                desired.append(sum(linked) / len(linked) if linked else x[k])
            for k, cx in zip(row, _fit(desired, [width[k] for k in row]), strict=True):
                x[k] = cx
    return x


def layout(sop: Sop) -> Layout:
    """The positioned flowchart of one SOP."""
    keys, raw = _raw_edges(sop)
    back_pairs = {(f"s:{a}", f"s:{b}") for a, b in build_graph(sop).back_edges()}
    forward = [(a, b) for a, b, _ in raw if (a, b) not in back_pairs and a != b]
    layer = _layers(keys, forward)
    kinds = {f"s:{s.id}": s.kind for s in sop.steps if s.id}
    width = {k: NODE_W for k in keys}

    # Split long edges with dummies; `links` are the unit-length edges between consecutive layers.
    links: list[tuple[str, str]] = []
    chains: list[tuple[str, str, str, list[str], bool]] = []
    dummy_layer: dict[str, int] = {}
    for index, (a, b, label) in enumerate(raw):
        back = (a, b) in back_pairs or a == b
        chain = [a]
        if not back:
            for level in range(layer[a] + 1, layer[b]):
                key = f"d:{index}:{level}"
                dummy_layer[key] = level
                width[key] = DUMMY_W
                chain.append(key)
            chain.append(b)
            links.extend(itertools.pairwise(chain))
        else:
            chain.append(b)
        chains.append((a, b, label, chain, back))
    layer = layer | dummy_layer
    depth = max(layer.values(), default=0) + 1
    rows: list[list[str]] = [[] for _ in range(depth)]
    for k in list(keys) + list(dummy_layer):
        rows[layer[k]].append(k)
    order = _order(rows, links, layer)
    centre = _positions(order, links, width)
    left = min((centre[k] - width[k] / 2 for k in centre), default=0.0)
    shift = MARGIN - left
    nodes: dict[str, Node] = {}
    for row in order:
        for k in row:
            kind = "dummy" if k.startswith("d:") else "outcome" if k.startswith("o:") else kinds.get(k, "")
            h = NODE_H if kind != "dummy" else 0.0
            y = MARGIN + layer[k] * (NODE_H + V_GAP) + (NODE_H / 2 if kind == "dummy" else 0.0)
            nodes[k] = Node(k, kind, "" if kind == "dummy" else k[2:], layer[k],
                            round(centre[k] + shift - width[k] / 2, 1), round(y, 1), width[k], h)
    edges = _spread(tuple(_route(nodes, a, b, label, chain, back) for a, b, label, chain, back in chains), nodes)
    real = [n for n in nodes.values() if n.kind != "dummy"]
    total_w = max((n.x + n.w for n in nodes.values()), default=0.0) + MARGIN
    total_h = max((n.y + n.h for n in real), default=0.0) + MARGIN
    ordered = tuple(nodes[k] for row in order for k in row)
    return Layout(ordered, edges, round(total_w, 1), round(total_h, 1))


def _route(nodes: dict[str, Node], a: str, b: str, label: str, chain: list[str], back: bool) -> Edge:
    src, dst = nodes[a], nodes[b]
    if back:
        # Leave from the right side and come back into the right side of the target.
        points = ((src.x + src.w, src.y + src.h / 2), (dst.x + dst.w, dst.y + dst.h / 2))
        return Edge(a, b, label, points, True)
    pts: list[tuple[float, float]] = [(src.x + src.w / 2, src.y + src.h)]
    for key in chain[1:-1]:
        d = nodes[key]
        pts.append((d.x + d.w / 2, d.y))
    pts.append((dst.x + dst.w / 2, dst.y))
    return Edge(a, b, label, tuple((round(x, 1), round(y, 1)) for x, y in pts), False)


def _spread(edges: tuple[Edge, ...], nodes: dict[str, Node]) -> tuple[Edge, ...]:
    """Fan out the edges leaving one box along its bottom side, left to right by where they go."""
    leaving: dict[str, list[int]] = {}
    for i, e in enumerate(edges):
        if not e.back:
            leaving.setdefault(e.source, []).append(i)
    moved = list(edges)
    for source, indices in leaving.items():
        if len(indices) < 2:
            continue
        box = nodes[source]
        indices.sort(key=lambda i: (edges[i].points[1][0], i))
        step = min(36.0, box.w / (len(indices) + 1))
        for rank, i in enumerate(indices):
            e = edges[i]
            dx = (rank - (len(indices) - 1) / 2) * step
            first = (round(e.points[0][0] + dx, 1), e.points[0][1])
            moved[i] = Edge(e.source, e.target, e.label, (first, *e.points[1:]), e.back)
    return tuple(moved)
