"""What every check receives: the document (for positions) and a place to put findings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from compiler.diagnostics import Diagnostic, make
from compiler.document import Document, Position, pointer_tokens
from compiler.suggest import closest

__all__ = ["Findings", "closest", "position_in", "token_position", "value_at"]


@dataclass(slots=True)
class Findings:
    """Diagnostics collected for one document."""

    doc: Document
    items: list[Diagnostic] = field(default_factory=list)

    def add(self, pointer: str, code: str, message: str, hint: str = "", *, key: bool = False,
            position: Position | None = None) -> None:
        """Report a problem at the value (or, with key=True, the key) at pointer."""
        if position is None:
            position = self.doc.source.key(pointer) if key else self.doc.source.value(pointer)
        self.items.append(make(self.doc.path, position, code, message, pointer, hint))


def position_in(doc: Document, pointer: str, text: str, line: int, col: int) -> Position:
    """File position of (line, col) inside the string value at pointer.

    Block scalars (|) keep their lines, so the n-th line of the value is found
    in the file at or after the value's start and the column is added to its
    indentation. When the text cannot be found (folded scalars, escapes), the
    value's own position is returned.
    """
    start_line, start_col = doc.source.value(pointer)
    lines = text.splitlines() or [""]
    wanted = lines[min(max(line, 1), len(lines)) - 1]
    file_lines = doc.text.splitlines()
    if not wanted.strip():
        return (start_line, start_col)
    for number in range(start_line, min(start_line + len(lines) + 2, len(file_lines)) + 1):
        found = file_lines[number - 1].find(wanted.strip())
        if found >= 0:
            indent = len(wanted) - len(wanted.lstrip())
            return (number, found - indent + max(col, 1))
    return (start_line, start_col)


def token_position(doc: Document, pointer: str, token: str, lines: int = 60) -> Position:
    """File position of the first whole-word token in the value at pointer, in any scalar style.

    Folded (>-) and quoted values do not keep their lines, so the token is
    looked for in the file from the value's start on; the value's own
    position when it is not found.
    """
    start_line, start_col = doc.source.value(pointer)
    pattern = re.compile(rf"(?<![\w.]){re.escape(token)}(?!\w)")
    file_lines = doc.text.splitlines()
    for number in range(start_line, min(start_line + lines, len(file_lines)) + 1):
        offset = start_col - 1 if number == start_line else 0
        match = pattern.search(file_lines[number - 1], offset)
        if match:
            return (number, match.start() + 1)
    return (start_line, start_col)


def value_at(data: Any, pointer: str) -> Any:
    """The value at a JSON pointer, or None where the path does not exist."""
    for token in pointer_tokens(pointer):
        if isinstance(data, list):
            data = data[int(token)] if token.isdigit() and int(token) < len(data) else None
        else:
            data = data.get(token) if isinstance(data, dict) else None
    return data
