"""The step graph drawn as inline SVG: no JavaScript, nothing to fetch, works offline and in print.

Steps are boxes (decisions and checks as hexagons), outcomes are rounded
terminals, every transition is an arrow labelled with its branch. Each step
box links to the step in the checklist below it. Colours come from classes
styled in stylesheets/extra.css, so the chart follows the light/dark palette.
Every SOP string is escaped for SVG text; the ids in links are reduced to
[a-z0-9_-].
"""

from __future__ import annotations

import itertools
import re

from compiler.i18n.labels import label
from compiler.model import Sop
from compiler.sitegen.common import DISPOSITIONS, KINDS, known
from compiler.sitegen.escape import anchor, attr, svg_text
from compiler.sitegen.layout import Edge, Layout, Node, layout

CHARS_PER_LINE = 34
LABEL_CHARS = 26
FONT = 12.0
LABEL_GAP = 6.0
LABEL_CHAR_W = 6.4
"""A generous width of one character of an edge label (11 px italic), for keeping labels off the lines."""
LINE = 14.0


def wrap(value: str, width: int, lines: int) -> list[str]:
    """Word-wrap to at most `lines` lines of `width` characters, ending with … when cut."""
    words = value.split()
    out: list[str] = []
    current = ""
    for word in words:
        while len(word) > width:  # a very long word: break it
            if current:
                out.append(current)
                current = ""
            out.append(word[: width - 1] + "-")
            word = word[width - 1:]
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out


_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")


def _columns(value: str) -> int:
    return sum(2 if _WIDE.match(c) else 1 for c in value)


def wrap_wide(value: str, width: int, lines: int) -> list[str]:
    """Wrap text with CJK characters: each counts two columns and a line may break after any of them.

    A Latin word is not split: it moves to the next line whole (unless it is longer than a line).
    """
    out: list[str] = []
    current = ""
    for char in " ".join(value.split()):
        if _columns(current + char) <= width:
            current += char
            continue
        head, tail = current, ""
        cut = current.rfind(" ")
        if not _WIDE.match(char) and char != " " and cut > 0 and not _WIDE.search(current[cut:]):
            head, tail = current[:cut], current[cut + 1:]
        out.append(head.rstrip())
        current = tail + ("" if char == " " else char)
    if current.strip():
        out.append(current.rstrip())
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][:-1] + "…"
    return out


def short(value: str, width: int) -> str:
    """One line of at most `width` characters."""
    value = " ".join(value.split())
    return value if len(value) <= width else value[: width - 1].rstrip() + "…"


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _path(edge: Edge) -> str:
    if edge.back:
        (x1, y1), (x2, y2) = edge.points
        bulge = 48.0
        return f"M{_f(x1)} {_f(y1)} C{_f(x1 + bulge)} {_f(y1)} {_f(x2 + bulge)} {_f(y2)} {_f(x2)} {_f(y2)}"
    parts = [f"M{_f(edge.points[0][0])} {_f(edge.points[0][1])}"]
    for (x1, y1), (x2, y2) in itertools.pairwise(edge.points):
        mid = (y2 - y1) / 2
        parts.append(f"C{_f(x1)} {_f(y1 + mid)} {_f(x2)} {_f(y2 - mid)} {_f(x2)} {_f(y2)}")
    return " ".join(parts)


def curve_points(edge: Edge, steps: int = 24) -> list[tuple[float, float]]:
    """Points along the drawn path of an edge (the same cubic curves as `_path`)."""
    if edge.back:
        (x1, y1), (x2, y2) = edge.points
        controls = [((x1, y1), (x1 + 48.0, y1), (x2 + 48.0, y2), (x2, y2))]
    else:
        controls = [((x1, y1), (x1, y1 + (y2 - y1) / 2), (x2, y2 - (y2 - y1) / 2), (x2, y2))
                    for (x1, y1), (x2, y2) in itertools.pairwise(edge.points)]
    points = []
    for p0, p1, p2, p3 in controls:
        for i in range(steps + 1):
            t = i / steps
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3
            points.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return points


Box = tuple[float, float, float, float]
"""left, top, right, bottom"""


def label_box(place: tuple[float, float, str], label: str) -> Box:
    x, y, anchor_at = place
    width = len(label) * LABEL_CHAR_W
    left = x if anchor_at == "start" else x - width
    return (left - 1, y - 10, left + width + 1, y + 3)


def _candidates(edge: Edge) -> list[tuple[float, float, str]]:
    """Places beside an edge, best first: beside its first segment (its flat middle on the side it heads to,
    then either side of its vertical start and of its end), then the same beside each later segment, then
    all of those a little further out, for a crowded gap between two rows of boxes."""
    near: list[tuple[float, float, str]] = []
    for (x1, y1), (x2, y2) in zip(edge.points, edge.points[1:], strict=False):
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        toward = "start" if x2 >= x1 else "end"
        sign = 1 if toward == "start" else -1
        away = "end" if toward == "start" else "start"
        near += [(mx + sign * LABEL_GAP, my - 4, toward), (mx - sign * LABEL_GAP, my + 12, away),
                 (x1 + LABEL_GAP, y1 + 13, "start"), (x1 - LABEL_GAP, y1 + 13, "end"),
                 (x2 + LABEL_GAP, y2 - 4, "start"), (x2 - LABEL_GAP, y2 - 4, "end"),
                 (mx - sign * LABEL_GAP, my - 4, away), (mx + sign * LABEL_GAP, my + 12, toward)]
    further = [(x + (shift if a == "start" else -shift), y, a) for shift in (16.0, 32.0, 48.0) for x, y, a in near]
    return near + further


def overlaps(box: Box, points: list[tuple[float, float]], blocks: list[Box]) -> bool:
    """Whether the box holds a point of a line or meets another box."""
    left, top, right, bottom = box
    return any(left < x < right and top < y < bottom for x, y in points) or \
        any(left < b[2] and b[0] < right and top < b[3] and b[1] < bottom for b in blocks)


def label_places(plan: Layout) -> list[tuple[float, float, str] | None]:
    """Where each edge's label goes: the first candidate place clear of every line, box and label placed
    before it (the first candidate when none is clear; the tests check that the shipped library has none)."""
    points = [p for e in plan.edges for p in curve_points(e)]
    blocks: list[Box] = [(n.x, n.y, n.x + n.w, n.y + n.h) for n in plan.nodes if n.kind != "dummy"]
    places: list[tuple[float, float, str] | None] = []
    for edge in plan.edges:
        if not edge.label:
            places.append(None)
            continue
        shown = short(edge.label, LABEL_CHARS)
        if edge.back:
            (x1, y1), (x2, y2) = edge.points
            options: list[tuple[float, float, str]] = [(max(x1, x2) + 52, (y1 + y2) / 2, "start")]
        else:
            options = _candidates(edge)
        best = next((o for o in options if not overlaps(label_box(o, shown), points, blocks)), options[0])
        blocks.append(label_box(best, shown))
        places.append(best)
    return places


def _edge_svg(edge: Edge, place: tuple[float, float, str] | None) -> str:
    cls = "sop-flow__edge sop-flow__edge--back" if edge.back else "sop-flow__edge"
    out = [f'<g class="{cls}"><path d="{_path(edge)}" marker-end="url(#sop-flow-arrow)"/>']
    if edge.label and place is not None:
        lx, ly, anchor_at = place
        out.append(f'<text x="{_f(lx)}" y="{_f(ly)}" text-anchor="{anchor_at}"><title>{svg_text(edge.label)}</title>'
                   f"{svg_text(short(edge.label, LABEL_CHARS))}</text>")
    out.append("</g>")
    return "".join(out)


def _shape(node: Node) -> str:
    x, y, w, h = node.x, node.y, node.w, node.h
    if node.kind in ("decision", "check"):
        c = 14.0
        points = [(x + c, y), (x + w - c, y), (x + w, y + h / 2), (x + w - c, y + h), (x + c, y + h), (x, y + h / 2)]
        return '<polygon points="' + " ".join(f"{_f(px)},{_f(py)}" for px, py in points) + '"/>'
    radius = h / 2 if node.kind == "outcome" else 6.0
    return f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" rx="{_f(radius)}"/>'


def _label(node: Node, head: str, body: str) -> str:
    lines = (wrap_wide if _WIDE.search(body) else wrap)(body, CHARS_PER_LINE, 3)
    cx = node.x + node.w / 2
    # Baselines: the head, then the lines, the whole block centred in the box.
    top = node.y + (node.h - (len(lines) + 1) * LINE) / 2 + 10
    spans = [f'<tspan class="sop-flow__head" x="{_f(cx)}" y="{_f(top)}">{svg_text(head)}</tspan>']
    for i, line in enumerate(lines):
        spans.append(f'<tspan x="{_f(cx)}" y="{_f(top + LINE * (i + 1))}">{svg_text(line)}</tspan>')
    return f'<text text-anchor="middle">{"".join(spans)}</text>'


def _node_svg(sop: Sop, node: Node, numbers: dict[str, int], lang: str) -> str:
    if node.kind == "outcome":
        outcome = sop.outcomes.get(node.ref)
        title = outcome.title if outcome and outcome.title else node.ref
        disposition = outcome.disposition if outcome else ""
        cls = f"sop-flow__node sop-flow__node--outcome sop-flow__node--{known(disposition, DISPOSITIONS)}"
        head = f"{label(lang, 'end')} · {label(lang, disposition)}" if disposition else label(lang, "end")
        return (f'<g class="{cls}"><title>{svg_text(label(lang, "Outcome {ref}: {title}", ref=node.ref, title=title))}'
                f"</title>{_shape(node)}{_label(node, head, title)}</g>")
    step = sop.step(node.ref)
    title = step.title if step and step.title else node.ref
    number = numbers.get(node.ref)
    kind = label(lang, node.kind)
    head = f"{number} · {kind}" if number else kind
    if step is not None and step.approval is not None:
        head += f" · {label(lang, 'approval')}"
    cls = f"sop-flow__node sop-flow__node--{known(node.kind, KINDS)}"
    step_title = label(lang, "Step {ref}: {title}", ref=node.ref, title=title)
    return (f'<a class="{cls}" href="#step-{attr(anchor(node.ref))}"><title>{svg_text(step_title)}'
            f"</title>{_shape(node)}{_label(node, head, title)}</a>")


def flowchart_svg(sop: Sop, numbers: dict[str, int], plan: Layout | None = None, lang: str = "en") -> str:
    """The SVG of one SOP's flowchart, on lines without blank lines (a raw HTML block for Markdown)."""
    plan = plan or layout(sop)
    width = plan.width + (60 if any(e.back for e in plan.edges) else 0)
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sop-flow__svg" viewBox="0 0 {_f(width)} {_f(plan.height)}" '
        f'width="{_f(width)}" height="{_f(plan.height)}" role="img" aria-labelledby="sop-flow-title" '
        f'font-size="{_f(FONT)}">',
        f'<title id="sop-flow-title">{svg_text(label(lang, "Flowchart of {title}", title=sop.title))}</title>',
        '<defs><marker id="sop-flow-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0 0L10 5L0 10z"/></marker></defs>',
    ]
    lines.extend(_edge_svg(e, place) for e, place in zip(plan.edges, label_places(plan), strict=True))
    lines.extend(_node_svg(sop, n, numbers, lang) for n in plan.nodes if n.kind != "dummy")
    lines.append("</svg>")
    return "\n".join(lines)
