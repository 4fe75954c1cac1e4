"""Placeholders of the `sopc new` template may stay only in a draft."""

from __future__ import annotations

from typing import Any

from compiler.document import pointer_join
from compiler.lint.base import Findings
from compiler.scaffold import PLACEHOLDER


def _marked(value: Any, path: list[str | int], found: list[str]) -> None:
    """Append the pointer of every string holding a placeholder, in document order (path: the tokens down to
    value; a pointer is written only for a string that has one)."""
    if isinstance(value, str):
        if PLACEHOLDER.search(value):
            pointer = ""
            for token in path:
                pointer = pointer_join(pointer, token)
            found.append(pointer)
    elif isinstance(value, dict | list):
        for token, inner in value.items() if isinstance(value, dict) else enumerate(value):
            path.append(token)
            _marked(inner, path, found)
            path.pop()


def check_placeholders(found: Findings, status: str) -> None:
    """One SOP608 at the first placeholder of a non-draft SOP, naming the lines of the others."""
    if status == "draft":
        return
    text = found.doc.text
    if "TODO" not in text and "\\" not in text:
        return  # no value can hold one: only a double-quoted escape makes text the file does not have
    marked: list[str] = []
    _marked(found.doc.data, [], marked)
    if not marked:
        return
    others = sorted({found.doc.source.value(p)[0] for p in marked[1:]})
    more = f"; placeholders also at line{'s' * (len(others) > 1)} {', '.join(map(str, others))}" if others else ""
    found.add(marked[0], "SOP608", f"a placeholder of the template is still here, and the SOP is {status or 'not a draft'}",
              f"write the real text, or set status: draft until it is done{more}")
