"""CEL conditions written so that a person can read them, without changing their meaning.

Only the operators are respelled (`&&` -> and, `||` -> or, `!` -> not,
`>=` -> ≥ ...); names, literals, parentheses and the order of everything stay
as written, so the readable form says exactly what the expression says. The
top-level `and`/`or` are set between separate code spans so that a long
condition reads as clauses; the thresholds it uses are listed with their
values. The raw CEL is always shown beside it for the auditor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from compiler.i18n.labels import label
from compiler.model import Threshold
from compiler.sitegen.escape import code, number, text

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<str>[rRbB]{0,2}(?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))
  | (?P<num>0x[0-9a-fA-F]+u?|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?u?)
  | (?P<op>&&|\|\||==|!=|>=|<=|[-+*/%<>!?:.,()\[\]{}])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*|`[^`]*`)
  | (?P<other>.)
    """,
    re.VERBOSE,
)

_SPELLING = {"&&": "and", "||": "or", "==": "=", "!=": "≠", ">=": "≥", "<=": "≤"}
_INFIX = frozenset({"<", ">", "+", "-", "*", "/", "%", "?", ":"})
_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")


@dataclass(frozen=True, slots=True)
class Clause:
    """One top-level part of a condition and the connective before it ('' for the first)."""

    connective: str
    readable: str


def _tokens(expr: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(expr):
        kind = match.lastgroup or "other"
        if kind != "ws":
            found.append((kind, match.group()))
    return found


def _join(tokens: list[tuple[str, str]]) -> str:
    """Tokens back to text: spaces around binary operators, none inside calls and selections."""
    out = ""
    prev: tuple[str, str] | None = None
    for kind, tok in tokens:
        after_operand = prev is not None and (
            (prev[0] in ("name", "num", "str") and prev[1] != "in") or prev[1] in _CLOSE)
        if tok == "!":
            out += ("" if not out or out.endswith(("(", "[", " ")) else " ") + "not "
        elif tok in _SPELLING or (kind == "name" and tok == "in") or (tok in _INFIX and after_operand):
            out = out.rstrip() + f" {_SPELLING.get(tok, tok)} "
        elif tok == ",":
            out = out.rstrip() + ", "
        elif tok == "." or tok in _CLOSE:
            out = out.rstrip() + tok
        elif tok in _OPEN or tok == "-":
            out += tok
        else:
            out += (" " if after_operand else "") + tok
        prev = (kind, tok)
    return out.strip()


def clauses(expr: str) -> list[Clause]:
    """The condition split at its top-level && and ||, each part respelled."""
    parts: list[Clause] = []
    depth = 0
    current: list[tuple[str, str]] = []
    connective = ""
    ternary = False
    for kind, tok in _tokens(expr):
        if tok in _OPEN:
            depth += 1
        elif tok in _CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and tok == "?":
            ternary = True
        if depth == 0 and tok in ("&&", "||"):
            parts.append(Clause(connective, _join(current)))
            connective, current = _SPELLING[tok], []
            continue
        current.append((kind, tok))
    parts.append(Clause(connective, _join(current)))
    mixed = len({p.connective for p in parts[1:]}) > 1
    if mixed or ternary:
        # `a && b || c` and `a && b ? x : y` group differently from how they would read
        # as a list of clauses: keep such an expression whole.
        return [Clause("", _join(_tokens(expr)))]
    return [p for p in parts if p.readable or p.connective]


def readable(expr: str) -> str:
    """The whole condition respelled, as plain text."""
    return " ".join(f"{c.connective} {c.readable}".strip() for c in clauses(expr))


def thresholds_used(expr: str, thresholds: Mapping[str, Threshold]) -> list[Threshold]:
    """Thresholds the expression reads (thresholds.<name>), in order of first use."""
    names = re.findall(r"\bthresholds\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)", expr)
    return [thresholds[n] for n in dict.fromkeys(names) if n in thresholds]


def threshold_value(t: Threshold) -> str:
    """'0.2 ratio (20%)', '10,000 usd' — the value with its unit, as Markdown text."""
    shown = f"{number(t.value)} {text(t.unit)}".strip()
    if t.unit == "ratio":
        shown += f" ({number(round(t.value * 100, 6))}%)"
    return shown


def condition_markdown(expr: str, thresholds: Mapping[str, Threshold], lang: str = "en") -> str:
    """Inline Markdown: one clause per line (code), bold connectives (in the page's language), then the values of
    the thresholds used."""
    pieces = [(f"**{label(lang, c.connective)}** " if c.connective else "") + code(c.readable) for c in clauses(expr)]
    shown = "<br>".join(pieces) if pieces else code(expr)
    used = thresholds_used(expr, thresholds)
    if used:
        shown += f"<br>*{label(lang, 'where')}* " + label(lang, "; ").join(f"{text(t.name)} = {threshold_value(t)}"
                                                                           for t in used)
    return shown
