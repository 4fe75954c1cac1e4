"""Values computed from earlier steps (a query's params, an action's target) said in words, not CEL.

An analyst at 3am needs "every account_id returned by step 2, plus the input
account_id", not `linked_accounts.rows.map(r, r.account_id) + [inputs.account_id]`.
The shapes the SOP format uses for such values are recognised (a column of
a step's rows, filtered or not, the first row's field, a recorded field, an
input, a list of those joined with +, a count of conditions that hold); any
other expression is named by the steps it reads. The CEL stays on the page
for the auditor, in the step's "Expressions as written" block.

Output is Markdown (every name through `code`/`text`); `kind` says what to
paste for the value: a list, a number or a single value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from compiler.model import Sop
from compiler.sitegen.conditions import readable
from compiler.sitegen.escape import anchor, code

NAME = r"[A-Za-z_]\w*"
_MAP = re.compile(rf"^({NAME})\.rows\.map\(\s*({NAME})\s*,\s*\2\.({NAME})\s*\)$")
_FILTER_MAP = re.compile(rf"^({NAME})\.rows\.filter\(\s*({NAME})\s*,(.*)\)\.map\(\s*({NAME})\s*,\s*\4\.({NAME})\s*\)$",
                         re.S)
_FIRST = re.compile(rf"^({NAME})\.rows\[0\]\.({NAME})$")
_FIELD = re.compile(rf"^({NAME})\.({NAME})$")
_COUNT_TRUE = re.compile(rf"^\[(.*)\]\.filter\(\s*({NAME})\s*,\s*\2\s*\)\.size\(\)$", re.S)
_HAS_ROWS = re.compile(rf"^({NAME})\.row_count\s*>\s*0$")


@dataclass(frozen=True, slots=True)
class Described:
    """A computed value in words, and what kind of value it is."""

    words: str
    kind: str
    """'list', 'number' or 'value'."""


def _split_top(expr: str, sep: str) -> list[str]:
    """Split at `sep` outside brackets and quotes."""
    parts: list[str] = []
    depth, start, quote = 0, 0, ""
    for i, ch in enumerate(expr):
        if quote:
            if ch == quote and expr[i - 1] != "\\":
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(expr[start:i].strip())
            start = i + 1
    parts.append(expr[start:].strip())
    return parts


def _bracketed(expr: str) -> bool:
    """True for a list literal: '[' at the start closed by the ']' at the end."""
    if not (expr.startswith("[") and expr.endswith("]")):
        return False
    depth = 0
    for i, ch in enumerate(expr):
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if depth == 0:
            return i == len(expr) - 1
    return False


class Speaker:
    """Says an SOP's computed values in words; step references become 'step N (title)'."""

    def __init__(self, sop: Sop, numbers: Mapping[str, int]) -> None:
        self.sop = sop
        self.numbers = numbers

    def step(self, step_id: str) -> str:
        number = self.numbers.get(step_id)
        return f"[step {number}](#step-{anchor(step_id)})" if number else f"step {code(step_id)}"

    def _is_step(self, name: str) -> bool:
        return self.sop.step(name) is not None

    def _condition(self, row: str, cond: str) -> str:
        plain = readable(" ".join(cond.split()))
        plain = re.sub(rf"\b{re.escape(row)}\.", "", plain)
        plain = re.sub(rf"\bthresholds\.({NAME})", r"the threshold \1", plain)
        return code(plain)

    def describe(self, expr: str) -> Described:
        """The expression in words."""
        expr = " ".join(expr.split())
        parts = _split_top(expr, "+")
        if len(parts) > 1:
            said = [self.describe(p) for p in parts]
            if all(s.kind == "list" for s in said):
                return Described(", plus ".join(s.words for s in said), "list")
            if all(s.kind == "number" for s in said):
                return Described(" plus ".join(s.words for s in said), "number")
            return self._fallback(expr)
        return self._one(expr)

    def _one(self, expr: str) -> Described:
        if _bracketed(expr):
            items = [self.describe(p) for p in _split_top(expr[1:-1], ",") if p]
            if all(i.kind != "list" for i in items):
                return Described(" and ".join(i.words for i in items) or "no values", "list")
        if (m := _MAP.match(expr)) and self._is_step(m[1]):
            return Described(f"every {code(m[3])} returned by {self.step(m[1])}", "list")
        if (m := _FILTER_MAP.match(expr)) and self._is_step(m[1]):
            return Described(f"every {code(m[5])} returned by {self.step(m[1])} in the rows where "
                             f"{self._condition(m[2], m[3])}", "list")
        if (m := _FIRST.match(expr)) and self._is_step(m[1]):
            return Described(f"{code(m[2])} of the first row returned by {self.step(m[1])}", "value")
        if (m := _COUNT_TRUE.match(expr)):
            facts = _split_top(m[1], ",")
            return Described("how many of these hold: " + "; ".join(self._fact(f) for f in facts), "number")
        if (m := _HAS_ROWS.match(expr)) and self._is_step(m[1]):
            return Described(f"whether {self.step(m[1])} returned any row", "value")
        if (m := _FIELD.match(expr)):
            if m[1] == "inputs":
                return Described(f"the input {code(m[2])}", "value")
            if m[1] == "thresholds":
                return Described(f"the threshold {code(m[2])}", "number")
            if self._is_step(m[1]):
                if m[2] == "row_count":
                    return Described(f"the number of rows returned by {self.step(m[1])}", "number")
                step = self.sop.step(m[1])
                verb = "returned by the agent at" if step is not None and step.kind == "agent" else "recorded at"
                return Described(f"{code(m[2])} {verb} {self.step(m[1])}", "value")
        return self._fallback(expr)

    def _fact(self, item: str) -> str:
        if (m := _HAS_ROWS.match(item.strip())) and self._is_step(m[1]):
            return f"{self.step(m[1])} returned rows"
        return code(readable(item))

    def _fallback(self, expr: str) -> Described:
        steps = [name for name in dict.fromkeys(re.findall(rf"\b({NAME})\s*\.", expr)) if self._is_step(name)]
        inputs = sorted(set(re.findall(rf"\binputs\.({NAME})", expr)))
        sources = [self.step(s) for s in sorted(steps, key=lambda s: self.numbers.get(s, 0))]
        sources += [f"the input {code(i)}" for i in inputs]
        kind = "list" if ".map(" in expr or ".filter(" in expr or expr.startswith("[") else "value"
        said = " and ".join(sources) if sources else "the values above"
        return Described(f"computed from {said} (the exact expression is under “Expressions as written”)", kind)

