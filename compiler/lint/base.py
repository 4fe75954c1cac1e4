"""What every check receives: the document (for positions) and a place to put findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from compiler.diagnostics import Diagnostic, make
from compiler.document import Document, Position
from compiler.suggest import closest

__all__ = ["Findings", "closest", "position_in"]


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
