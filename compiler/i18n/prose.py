"""Which fields of an SOP are prose (translated) and which are not: defined here and nowhere else.

Prose is what a person reads: titles, summaries, instructions, messages,
descriptions, rationales, edge cases. Everything a machine or a search reads
stays as written in every language: ids, SQL, CEL (conditions, branch
`when`, action targets, params, input `require`), alert names, thresholds'
values and units, enum values, team names, durations and branch labels (a
run records the label of the branch it took and scenarios compare it).
Reference titles are cited as published and the changelog is the history of
the English text; tests are for developers. None of these are translated.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from compiler.document import pointer_join

LANGUAGES: dict[str, str] = {"zh": "简体中文"}
"""Languages a translation may be in: code (the file suffix, `<id>.<code>.yaml`) -> name in that language."""

PROSE: tuple[str, ...] = (
    "/title",
    "/summary",
    "/triggers/*/when",
    "/inputs/*/description",
    "/input_checks/*/message",
    "/thresholds/*/rationale",
    "/steps/*/title",
    "/steps/*/instruction",
    "/steps/*/message",
    "/steps/*/evidence/*/description",
    "/steps/*/output/*/description",
    "/outcomes/*/title",
    "/outcomes/*/description",
    "/edge_cases/*",
)
"""Pointer patterns of the prose fields; `*` is any one key or index."""

_ROOTS = frozenset(p.split("/")[1] for p in PROSE)
"""Top-level keys that hold prose: the walk skips the rest (tests, SQL-heavy parts never hold any)."""
_PATTERNS = tuple(re.compile("^" + re.escape(p).replace(r"\*", "[^/]+") + "$") for p in PROSE)
_TRANSLATION_FILE = re.compile(r"^(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)\.(?P<lang>[a-z]{2})\.ya?ml$")


def is_prose(pointer: str) -> bool:
    """Whether the value at this pointer is translated."""
    return any(p.match(pointer) for p in _PATTERNS)


def _strings(value: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield pointer, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _strings(child, pointer_join(pointer, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _strings(child, pointer_join(pointer, index))


def prose_fields(data: Any) -> dict[str, str]:
    """Every prose string of an SOP's data by pointer, in the order of the file."""
    if not isinstance(data, dict):
        return {}
    found: dict[str, str] = {}
    for key in data:
        if key in _ROOTS:
            found.update((p, t) for p, t in _strings(data[key], pointer_join("", key)) if is_prose(p) and t.strip())
    return found


def source_hash(text: str) -> str:
    """The sha256 (hex) of an English text: what a translation entry records it was made from."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def translation_file(name: str) -> tuple[str, str] | None:
    """(SOP id, language) when a file name is a translation's (`<id>.<lang>.yaml`), else None."""
    match = _TRANSLATION_FILE.match(name)
    return (match["id"], match["lang"]) if match else None
