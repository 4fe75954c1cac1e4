"""Diagnostics are data: every check returns them, reporters format them.

Nothing in the core prints or raises for a problem in an SOP; it returns a
`Diagnostic` that points at the offending value, so that every mistake in a
library is reported at once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from compiler.codes import CODES


class Severity(enum.Enum):
    """How bad a diagnostic is; warnings become errors under --strict."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One problem in one file, located at the value it is about."""

    path: str
    """File the problem is in, as given on the command line."""
    line: int
    """1-based line of the offending value."""
    col: int
    """1-based column of the offending value."""
    code: str
    """Stable code such as SOP101; documented in the diagnostics reference."""
    message: str
    """One sentence saying what is wrong."""
    pointer: str = ""
    """JSON pointer of the offending value inside the SOP ('' for the whole file)."""
    hint: str = ""
    """How to fix it, when a fix can be suggested."""
    severity: Severity = field(default=Severity.ERROR, compare=False)
    """Error or warning."""
    note: str = field(default="", compare=False)
    """What else went wrong because of this mistake (the follow-on problems folded under it)."""

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"undocumented diagnostic code {self.code}")

    def escalated(self) -> Diagnostic:
        """The same diagnostic as an error (for --strict)."""
        return replace(self, severity=Severity.ERROR)


def make(
    path: str,
    position: tuple[int, int],
    code: str,
    message: str,
    pointer: str = "",
    hint: str = "",
) -> Diagnostic:
    """Build a diagnostic with the severity its code is documented with."""
    line, col = position
    return Diagnostic(
        path=path,
        line=line,
        col=col,
        code=code,
        message=message,
        pointer=pointer,
        hint=hint,
        severity=Severity(CODES[code].severity),
    )


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    """True when any diagnostic is an error."""
    return any(d.severity is Severity.ERROR for d in diagnostics)
