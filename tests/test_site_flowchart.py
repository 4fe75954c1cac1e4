"""The flowchart: a layered layout of the step graph drawn as inline SVG."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.files import is_sop_file
from compiler.model import Sop, build
from compiler.sitegen.flowchart import (
    LABEL_CHARS,
    curve_points,
    flowchart_svg,
    label_box,
    label_places,
    overlaps,
    short,
    wrap,
)
from compiler.sitegen.layout import layout
from compiler.sitegen.samples import PAYLOAD, hostile
from compiler.sitegen.steps import numbering

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for p in (ROOT / "sops").rglob("*.yaml") if is_sop_file(p))
SVG = "{http://www.w3.org/2000/svg}"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def transitions(sop: Sop) -> int:
    ids = {s.id for s in sop.steps}
    return sum(1 for s in sop.steps for _, t in s.transitions() if t.outcome or t.next in ids)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_layout_of_every_shipped_sop(path: Path) -> None:
    sop = build(str(path), load(path))
    plan = layout(sop)
    boxes = [n for n in plan.nodes if n.kind != "dummy"]
    used_outcomes = {t.outcome for s in sop.steps for _, t in s.transitions() if t.outcome}
    assert {n.ref for n in boxes if n.kind == "outcome"} == used_outcomes
    assert {n.ref for n in boxes if n.kind != "outcome"} == {s.id for s in sop.steps}
    assert len(plan.edges) == transitions(sop)
    for a, b in itertools.combinations(boxes, 2):  # no two boxes overlap
        assert a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y, (a.ref, b.ref)
    for edge in plan.edges:  # a valid SOP is a DAG: every edge runs downward
        assert not edge.back
        ys = [y for _, y in edge.points]
        assert ys == sorted(ys) and ys[0] < ys[-1]
    assert all(n.x >= 0 and n.x + n.w <= plan.width and n.y + n.h <= plan.height for n in boxes)


def test_svg_is_well_formed_and_links_every_step() -> None:
    sop = build("x.yaml", load(ROOT / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml"))
    root = ET.fromstring(flowchart_svg(sop, numbering(sop)))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    links = {a.get("href") for a in root.iter(f"{SVG}a")}
    assert links == {f"#step-{s.id}" for s in sop.steps}
    titled = [t.find(f"{SVG}title") for t in root.iter(f"{SVG}text")]
    edge_labels = {t.tail for t in titled if t is not None}
    assert edge_labels == {"pass", "fail", "wash pattern", "related but directional", "otherwise", "value transfer"}
    heads = {"".join(t.itertext()) for t in root.iter(f"{SVG}tspan")}
    assert "12 · action · approval" in heads and "end · escalated" in heads


def test_svg_text_is_escaped() -> None:
    data = hostile(load(ROOT / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml"))
    sop = build("x.yaml", data)
    svg = flowchart_svg(sop, numbering(sop))
    root = ET.fromstring(svg)  # parses: nothing from the SOP closed or opened a tag
    tags = {el.tag.removeprefix(SVG) for el in root.iter()}
    assert tags <= {"svg", "title", "defs", "marker", "path", "g", "a", "rect", "polygon", "text", "tspan"}
    assert not any(k.startswith("on") for el in root.iter() for k in el.attrib)
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert PAYLOAD not in svg


def test_a_cycle_is_drawn_as_a_back_edge() -> None:
    data = load(ROOT / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml")
    data["steps"][-1] = {**data["steps"][-1], "next": "subject_profile"}
    del data["steps"][-1]["outcome"]
    sop = build("x.yaml", data)
    plan = layout(sop)
    assert [(e.source, e.target) for e in plan.edges if e.back] == [("s:force_stp", "s:subject_profile")]
    ET.fromstring(flowchart_svg(sop, numbering(sop), plan))


def test_wrap() -> None:
    assert wrap("one two three four", 9, 3) == ["one two", "three", "four"]
    assert wrap("one two three four five six", 9, 2) == ["one two", "three…"]
    assert all(len(line) <= 9 for line in wrap("x" * 30, 9, 5))


@pytest.mark.parametrize(("value", "width", "lines", "expected"), [
    ("对整个关联账户组强制启用自成交保护", 16, 3, ["对整个关联账户组", "强制启用自成交保", "护"]),
    ("上报合规 STOR/SAR", 10, 2, ["上报合规", "STOR/SAR"]),
    ("一二三四五六七八九十", 4, 2, ["一二", "三…"]),
])
def test_wide_characters_count_two_columns_and_break_anywhere(value: str, width: int, lines: int,
                                                               expected: list[str]) -> None:
    from compiler.sitegen.flowchart import wrap_wide

    assert wrap_wide(value, width, lines) == expected


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_edge_labels_sit_beside_the_lines(path: Path) -> None:
    sop = build(str(path), yaml.safe_load(path.read_text(encoding="utf-8")))
    plan = layout(sop)
    places = label_places(plan)
    points = [p for e in plan.edges for p in curve_points(e)]
    boxes = [(n.x, n.y, n.x + n.w, n.y + n.h) for n in plan.nodes if n.kind != "dummy"]
    labelled = [(e, place) for e, place in zip(plan.edges, places, strict=True) if e.label]
    assert labelled and all(place is not None for _, place in labelled)
    for edge, place in labelled:
        assert place is not None
        assert not overlaps(label_box(place, short(edge.label, LABEL_CHARS)), points, boxes), (edge.label, place)
