"""Placeholders of the `sopc new` template may stay only in a draft."""

from __future__ import annotations

from typing import Any

from compiler.document import pointer_join
from compiler.lint.base import Findings
from compiler.scaffold import PLACEHOLDER


def _texts(value: Any, pointer: str = "") -> list[tuple[str, str]]:
    """Every string in the document with its pointer, in document order."""
    if isinstance(value, str):
        return [(pointer, value)]
    if isinstance(value, dict):
        return [item for key, inner in value.items() for item in _texts(inner, pointer_join(pointer, key))]
    if isinstance(value, list):
        return [item for index, inner in enumerate(value) for item in _texts(inner, pointer_join(pointer, index))]
    return []


def check_placeholders(found: Findings, status: str) -> None:
    """One SOP608 at the first placeholder of a non-draft SOP, naming the lines of the others."""
    if status == "draft":
        return
    marked = [pointer for pointer, text in _texts(found.doc.data) if PLACEHOLDER.search(text)]
    if not marked:
        return
    others = sorted({found.doc.source.value(p)[0] for p in marked[1:]})
    more = f"; placeholders also at line{'s' * (len(others) > 1)} {', '.join(map(str, others))}" if others else ""
    found.add(marked[0], "SOP608", f"a placeholder of the template is still here, and the SOP is {status or 'not a draft'}",
              f"write the real text, or set status: draft until it is done{more}")
