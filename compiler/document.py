"""A loaded SOP file: its data plus a source map from JSON pointer to line:col."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Position = tuple[int, int]
"""1-based (line, column)."""


def pointer_join(parent: str, token: str | int) -> str:
    """Append one reference token to a JSON pointer (RFC 6901 escaping)."""
    text = str(token).replace("~", "~0").replace("/", "~1")
    return f"{parent}/{text}"


def pointer_tokens(pointer: str) -> list[str]:
    """Split a JSON pointer into unescaped tokens."""
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Where each value (and each mapping key) of a document starts in the file."""

    values: dict[str, Position] = field(default_factory=dict)
    """Pointer of a value -> position of the value."""
    keys: dict[str, Position] = field(default_factory=dict)
    """Pointer of a mapping entry -> position of its key."""
    coerced: dict[str, str] = field(default_factory=dict)
    """Pointer of an unquoted scalar that YAML read as a non-string -> its raw text."""
    non_finite: list[Position] = field(default_factory=list)
    """Where YAML read a .nan or .inf (which JSON does not have), so the schema check need not look for them."""

    def value(self, pointer: str) -> Position:
        """Position of the value at pointer, or of its nearest located ancestor."""
        while True:
            if pointer in self.values:
                return self.values[pointer]
            if not pointer:
                return (1, 1)
            pointer = pointer.rsplit("/", 1)[0]

    def key(self, pointer: str) -> Position:
        """Position of the key of the entry at pointer (its value's if none)."""
        return self.keys.get(pointer) or self.value(pointer)


@dataclass(frozen=True, slots=True)
class Document:
    """One SOP file after safe loading."""

    path: str
    """Path as given by the user; used in diagnostics."""
    text: str
    """The decoded file text."""
    data: Any
    """Plain JSON-like data: dict, list, str, int, float, bool, None."""
    source: SourceMap
    """Source positions of every value."""

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, for excerpts."""
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""
