"""Checks on CEL conditions: they parse and read only what exists when they run."""

from __future__ import annotations

import re

from compiler.cel import Parsed, Reference, parse, render
from compiler.lint.base import Findings, closest, position_in, token_position
from compiler.lint.sql import exact_report
from compiler.model import Sop, Step
from compiler.sqlcheck import SqlReport


def result_fields(step: Step, sql: SqlReport | None) -> set[str] | None:
    """Fields a step's result exposes to later conditions."""
    fields: set[str] = {"approved"} if step.approval else set()
    kinds: dict[str, set[str]] = {
        "query": {"rows", "row_count"},
        "check": {"passed"},
        "decision": {"branch"},
        "manual": {f.name for f in step.evidence},
        "agent": {f.name for f in step.output},
        "action": {"approved"},
        "escalate": set(),
    }
    if step.kind not in kinds:
        return None  # an include's fields are its outcome and the included steps: checked across the library
    return fields | kinds[step.kind]


def _check_declared(found: Findings, sop: Sop, pointer: str, ref: Reference) -> bool:
    """Whether inputs.<name> or thresholds.<name> is declared; SOP402 if not."""
    declared = sop.inputs if ref.root == "inputs" else sop.thresholds
    first = ref.fields[0] if ref.fields else None
    if first is not None and first in declared:
        return True
    found.add(pointer, "SOP402", f"{render(ref)} is not a declared {ref.root[:-1]}",
              closest(first or "", declared) or f"declared: {', '.join(sorted(declared)) or 'none'}",
              position=token_position(found.doc, pointer, f"{ref.root}.{first}" if first else ref.root))
    return False


def _check_reference(found: Findings, sop: Sop, pointer: str, expression: str, ref: Reference,
                     available: frozenset[str], owner: Step, sql: dict[str, SqlReport]) -> None:
    steps = {s.id: s for s in sop.steps if s.id}
    first = ref.fields[0] if ref.fields else None
    if ref.root in ("inputs", "thresholds"):
        _check_declared(found, sop, pointer, ref)
        return
    step = steps.get(ref.root)
    if step is None:
        names = [f"inputs.{n}" for n in sop.inputs] + [f"thresholds.{n}" for n in sop.thresholds] + list(available)
        hint = closest(ref.root, names) or closest(f"inputs.{ref.root}", names) \
            or closest(f"thresholds.{ref.root}", names) or "read inputs.<name>, thresholds.<name> or <step_id>.<field>"
        found.add(pointer, "SOP402", f"unknown name {ref.root!r} in condition", hint,
                  position=token_position(found.doc, pointer, ref.root))
        return
    if ref.root not in available:
        where = "the step itself" if ref.root == owner.id else "a step that has not run on every path to here"
        found.add(pointer, "SOP403", f"{ref.root!r} is {where}",
                  "a condition can read only steps that always run before it",
                  position=token_position(found.doc, pointer, ref.root))
        return
    fields = result_fields(step, sql.get(step.id))
    if first is None or fields is None:
        return
    if first not in fields:
        found.add(pointer, "SOP404", f"step {step.id!r} ({step.kind}) has no result field {first!r}",
                  closest(first, fields) or f"it provides: {', '.join(sorted(fields)) or 'nothing'}",
                  position=token_position(found.doc, pointer, f"{ref.root}.{first}"))
        return
    report = sql.get(step.id)
    column = ref.fields[2] if step.kind == "query" and first == "rows" and len(ref.fields) >= 3 \
        and ref.fields[1] is None and isinstance(ref.fields[2], str) else None
    if column is None or report is None or report.columns is None or column in report.columns:
        return
    if not report.exact:
        report = exact_report(sop, step)  # DuckDB's names: sqlglot's reading of the select list decides
    if report.columns is not None and column not in report.columns:
        found.add(pointer, "SOP404", f"the query {step.id!r} selects no column {column!r}",
                  closest(column, report.columns) or f"it selects: {', '.join(report.columns)}")


def _shorten(text: str, limit: int = 120) -> str:
    """The expression for a message; a pasted megabyte must not become one."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_SLIPS = (
    (re.compile(r"(?<![\w.])and(?!\w)"), "and", "CEL writes 'and' as &&"),
    (re.compile(r"(?<![\w.])or(?!\w)"), "or", "CEL writes 'or' as ||"),
    (re.compile(r"(?<![\w.])not(?!\w)"), "not", "CEL writes 'not' as !"),
    (re.compile(r"=>"), "=>", "write >= (greater than or equal)"),
    (re.compile(r"=<"), "=<", "write <= (less than or equal)"),
    (re.compile(r"(?<![=!<>])=(?![=<>])"), "=", "compare with ==; a single = is not an operator in CEL"),
)
_SYNTAX_HINT = "CEL uses &&, ||, !, ==, size(x), x.exists(r, ...); strings in 'single' or \"double\" quotes"


def _slip(expression: str) -> tuple[str, str, int, int] | None:
    """A habit from SQL or Python that CEL does not share: (token, hint, line, col), outside string literals."""
    bare = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", lambda m: " " * len(m.group(0)), expression)
    for pattern, token, hint in _SLIPS:
        match = pattern.search(bare)
        if match:
            before = expression[: match.start()]
            return token, hint, before.count("\n") + 1, match.start() - (before.rfind("\n") + 1) + 1
    return None


def _parsed(found: Findings, pointer: str, expression: str) -> Parsed | None:
    """The parsed condition, or None after reporting why it does not parse."""
    parsed = parse(expression)
    if not parsed.error:
        return parsed
    position = position_in(found.doc, pointer, expression, parsed.line, parsed.col)
    if parsed.error == "syntax error":
        slip = _slip(expression)
        if slip is not None:
            token, hint, line, col = slip
            found.add(pointer, "SOP401", f"condition does not parse: {token!r} at column {col}: "
                      f"{_shorten(expression.strip())!r}", hint,
                      position=position_in(found.doc, pointer, expression, line, col))
            return None
        found.add(pointer, "SOP401", f"condition does not parse at column {parsed.col}: "
                  f"{_shorten(expression.strip())!r}", _SYNTAX_HINT, position=position)
    else:
        found.add(pointer, "SOP401", f"condition cannot be checked: {parsed.error}",
                  "split it into simpler conditions or steps", position=position)
    return None


def check_conditions(found: Findings, sop: Sop, dominators: dict[str, frozenset[str]],
                     sql: dict[str, SqlReport]) -> None:
    """Every condition parses and names only declared inputs, thresholds and earlier steps."""
    for step in sop.steps:
        available = dominators.get(step.id, frozenset({step.id})) - {step.id}
        for pointer, expression in step.conditions():
            parsed = _parsed(found, pointer, expression)
            for ref in parsed.references if parsed else ():
                _check_reference(found, sop, pointer, expression, ref, available, step, sql)


def _guarded(expression: str, name: str) -> bool:
    """Whether the check holds when the optional input is absent: `!has(inputs.x) || …` or `has(inputs.x) ? … : …`."""
    compact = "".join(expression.split())
    return f"!has(inputs.{name})||" in compact or compact.startswith(f"has(inputs.{name})?") \
        or f"(has(inputs.{name})?" in compact


def check_input_checks(found: Findings, sop: Sop) -> None:
    """Input checks parse and read only declared inputs and thresholds: they run before any step."""
    for check in sop.input_checks:
        pointer = f"{check.pointer}/require"
        parsed = _parsed(found, pointer, check.require)
        for ref in parsed.references if parsed else ():
            if ref.root not in ("inputs", "thresholds"):
                found.add(pointer, "SOP402", f"an input check reads {render(ref)}, which does not exist before "
                          "the first step", "read only inputs.<name> and thresholds.<name>")
                continue
            if not _check_declared(found, sop, pointer, ref) or ref.root != "inputs":
                continue
            name = str(ref.fields[0])
            spec = sop.inputs[name]
            if not spec.required and spec.default is None and not _guarded(check.require, name):
                found.add(pointer, "SOP405", f"the check reads inputs.{name}, which is optional and has no default: "
                          "every run without it is refused", f"give it a default, or guard: !has(inputs.{name}) || …")
