"""What both query checks refuse before any parser sees the text: size, nesting and the kind of statement.

Validate (sqlglot) and the runner (DuckDB's parser) ask this first, so a
query too large or too deep to check costs a scan of its text, not the
seconds and gigabytes a parser spends on thousands of CTEs or UNIONs, and
both give the same verdict. Pure: text in, a problem (or None) out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64 * 1024
"""Bytes of one query; the library's longest is a few kilobytes."""
MAX_CTES = 64
MAX_SET_OPERATIONS = 64
MAX_NESTING = 32
"""Parentheses deep. sqlglot parses recursively (about twenty frames a level); real queries nest a few."""
STARTS = ("SELECT", "WITH", "FROM")
"""How a read-only query begins (FROM-first is DuckDB's own SELECT)."""

_MASKED = re.compile(r"'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|--[^\n]*|/\*.*?(?:\*/|\Z)", re.S)
_COUNTED = (
    (re.compile(r"\bAS\s+(?:NOT\s+)?(?:MATERIALIZED\s+)?\(", re.I), MAX_CTES, "CTEs (name AS (...))"),
    (re.compile(r"\b(?:UNION|INTERSECT|EXCEPT)\b", re.I), MAX_SET_OPERATIONS, "set operations (UNION, INTERSECT, EXCEPT)"),
)
_FIRST_WORD = re.compile(r"[\s(;]*(\w*)")
_PARENS = re.compile(r"[()]")


@dataclass(frozen=True, slots=True)
class ShapeProblem:
    """Why a query is refused unparsed, and where (0-based offset into the text)."""

    message: str
    offset: int = 0
    too_large: bool = True
    """True for size and nesting (it cannot be checked); False for a statement that is not a query."""


def shape_problem(sql: str) -> ShapeProblem | None:
    """The first reason to refuse this query without parsing it, or None."""
    size = len(sql.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        return ShapeProblem(f"it is {size:,} bytes; the limit is {MAX_BYTES:,}")
    masked = _MASKED.sub(lambda m: " " * len(m.group()), sql)  # same offsets, no quoted text or comments
    for pattern, limit, what in _COUNTED:
        for number, match in enumerate(pattern.finditer(masked), start=1):
            if number > limit:
                return ShapeProblem(f"it has more than {limit} {what}", match.start())
    depth = 0
    for paren in _PARENS.finditer(masked):  # only the parentheses: a query is mostly other characters
        if paren.group() == "(":
            depth += 1
            if depth > MAX_NESTING:
                return ShapeProblem(f"parentheses nest more than {MAX_NESTING} deep", paren.start())
        else:
            depth -= 1
    first = _FIRST_WORD.match(masked)
    word = first.group(1) if first else ""
    if word.upper() not in STARTS:
        shown = word.upper() or "text that is not SQL"
        return ShapeProblem(f"{shown} is not a read-only SELECT query", first.start(1) if first else 0, False)
    return None


def line_col(sql: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset."""
    before = sql[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1
