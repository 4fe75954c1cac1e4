"""Values computed from earlier steps (a query's params, an action's target) said in words, not CEL.

An analyst at 3am needs "every account_id returned by step 2, plus the input
account_id", not `linked_accounts.rows.map(r, r.account_id) + [inputs.account_id]`.
The shapes the SOP format uses for such values are recognised (a column of
a step's rows, filtered or not, the first row's field, a recorded field, an
input, a list of those joined with +, a count of conditions that hold); any
other expression is named by the steps it reads. The CEL stays on the page
for the auditor, in the step's "Expressions as written" block.

Output is Markdown (every name through `code`/`text`), its words in the
page's language (`label`); `kind` says what to paste for the value: a list,
a number or a single value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from compiler.i18n.labels import label
from compiler.model import Sop
from compiler.sitegen.conditions import readable
from compiler.sitegen.escape import anchor, code

NAME = r"[A-Za-z_]\w*"
STEP = rf"{NAME}(?:\.{NAME})?"
"""A step, or a step of an included SOP (`group.members`)."""
_MAP = re.compile(rf"^({STEP})\.rows\.map\(\s*({NAME})\s*,\s*\2\.({NAME})\s*\)$")
_MAP_EXCEPT = re.compile(rf"^({STEP})\.rows\.map\(\s*({NAME})\s*,\s*\2\.({NAME})\s*\)"
                         rf"\.filter\(\s*({NAME})\s*,\s*\4\s*!=\s*inputs\.({NAME})\s*\)$")
_FILTER_MAP = re.compile(rf"^({STEP})\.rows\.filter\(\s*({NAME})\s*,(.*)\)\.map\(\s*({NAME})\s*,\s*\4\.({NAME})\s*\)$",
                         re.S)
_FIRST = re.compile(rf"^({STEP})\.rows\[0\]\.({NAME})$")
_FIELD = re.compile(rf"^({NAME})\.({NAME})$")
_ROW_COUNT = re.compile(rf"^({STEP})\.row_count$")
_COUNT_TRUE = re.compile(rf"^\[(.*)\]\.filter\(\s*({NAME})\s*,\s*\2\s*\)\.size\(\)$", re.S)
_HAS_ROWS = re.compile(rf"^({STEP})\.row_count\s*>\s*0$")


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
    """Says an SOP's computed values in words, in a language; step references become 'step N' links."""

    def __init__(self, sop: Sop, numbers: Mapping[str, int], lang: str = "en") -> None:
        self.sop = sop
        self.numbers = numbers
        self.lang = lang

    def _say(self, english: str, **values: object) -> str:
        return label(self.lang, english, **values)

    def step(self, step_id: str) -> str:
        include, _, inner = step_id.partition(".")
        if inner:
            return self._say("step {inner} of the SOP included at {step}", inner=code(inner), step=self.step(include))
        number = self.numbers.get(step_id)
        if number:
            return f"[{self._say('step {number}', number=number)}](#step-{anchor(step_id)})"
        return self._say("step {number}", number=code(step_id))

    def _is_step(self, name: str) -> bool:
        include, _, inner = name.partition(".")
        step = self.sop.step(include)
        return step is not None and (not inner or step.kind == "include")

    def _condition(self, row: str, cond: str) -> str:
        plain = readable(" ".join(cond.split()))
        plain = re.sub(rf"\b{re.escape(row)}\.", "", plain)
        plain = re.sub(rf"\bthresholds\.({NAME})", lambda m: self._say("the threshold {name}", name=m[1]), plain)
        return code(plain)

    def describe(self, expr: str) -> Described:
        """The expression in words."""
        expr = " ".join(expr.split())
        parts = _split_top(expr, "+")
        if len(parts) > 1:
            said = [self.describe(p) for p in parts]
            if all(s.kind == "list" for s in said):
                return Described(self._say(", plus ").join(s.words for s in said), "list")
            if all(s.kind == "number" for s in said):
                return Described(self._say(" plus ").join(s.words for s in said), "number")
            return self._fallback(expr)
        return self._one(expr)

    def _one(self, expr: str) -> Described:
        if _bracketed(expr):
            items = [self.describe(p) for p in _split_top(expr[1:-1], ",") if p]
            if all(i.kind != "list" for i in items):
                return Described(self._say(" and ").join(i.words for i in items) or self._say("no values"), "list")
        if (m := _MAP_EXCEPT.match(expr)) and self._is_step(m[1]):
            return Described(self._say("every {column} returned by {step}, except the input {name}", column=code(m[3]),
                                       step=self.step(m[1]), name=code(m[5])), "list")
        if (m := _MAP.match(expr)) and self._is_step(m[1]):
            return Described(self._say("every {column} returned by {step}", column=code(m[3]), step=self.step(m[1])),
                             "list")
        if (m := _FILTER_MAP.match(expr)) and self._is_step(m[1]):
            return Described(self._say("every {column} returned by {step} in the rows where {condition}",
                                       column=code(m[5]), step=self.step(m[1]),
                                       condition=self._condition(m[2], m[3])), "list")
        if (m := _FIRST.match(expr)) and self._is_step(m[1]):
            return Described(self._say("{column} of the first row returned by {step}", column=code(m[2]),
                                       step=self.step(m[1])), "value")
        if (m := _COUNT_TRUE.match(expr)):
            facts = self._say("; ").join(self._fact(f) for f in _split_top(m[1], ","))
            return Described(self._say("how many of these hold: {facts}", facts=facts), "number")
        if (m := _HAS_ROWS.match(expr)) and self._is_step(m[1]):
            return Described(self._say("whether {step} returned any row", step=self.step(m[1])), "value")
        if (m := _ROW_COUNT.match(expr)) and self._is_step(m[1]):
            return Described(self._say("the number of rows returned by {step}", step=self.step(m[1])), "number")
        if (m := _FIELD.match(expr)):
            if m[1] == "inputs":
                return Described(self._say("the input {name}", name=code(m[2])), "value")
            if m[1] == "thresholds":
                return Described(self._say("the threshold {name}", name=code(m[2])), "number")
            if self._is_step(m[1]):
                if m[2] == "row_count":
                    return Described(self._say("the number of rows returned by {step}", step=self.step(m[1])),
                                     "number")
                step = self.sop.step(m[1])
                said = "{field} returned by the agent at {step}" if step is not None and step.kind == "agent" \
                    else "{field} recorded at {step}"
                return Described(self._say(said, field=code(m[2]), step=self.step(m[1])), "value")
        return self._fallback(expr)

    def _fact(self, item: str) -> str:
        if (m := _HAS_ROWS.match(item.strip())) and self._is_step(m[1]):
            return self._say("{step} returned rows", step=self.step(m[1]))
        return code(readable(item))

    def _fallback(self, expr: str) -> Described:
        steps = [name for name in dict.fromkeys(re.findall(rf"\b({NAME})\s*\.", expr)) if self._is_step(name)]
        inputs = sorted(set(re.findall(rf"\binputs\.({NAME})", expr)))
        sources = [self.step(s) for s in sorted(steps, key=lambda s: self.numbers.get(s, 0))]
        sources += [self._say("the input {name}", name=code(i)) for i in inputs]
        kind = "list" if ".map(" in expr or ".filter(" in expr or expr.startswith("[") else "value"
        said = self._say(" and ").join(sources) if sources else self._say("the values above")
        return Described(self._say("computed from {sources} (the exact expression is under “Expressions as written”)",
                                   sources=said), kind)

