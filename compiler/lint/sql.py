"""Checks on query steps' SQL, located inside the SQL text."""

from __future__ import annotations

import bisect
import itertools
import re

import duckdb

from compiler.document import pointer_join
from compiler.lint.base import Findings, position_in
from compiler.model import Sop, Step
from compiler.runner.querycheck import check, refusal, used_parameters
from compiler.sqlbind import bind
from compiler.sqlcheck import SPLICED, SqlReport, analyze
from compiler.translate import spark_problems

_INPUT_TYPES = {"string": "VARCHAR", "timestamp": "TIMESTAMP", "integer": "INTEGER", "number": "DOUBLE",
                "boolean": "BOOLEAN", "duration": "VARCHAR", "enum": "VARCHAR", "list": "VARCHAR[]"}
_FIELD_TYPES = {**_INPUT_TYPES, "timestamp": "VARCHAR", "text": "VARCHAR", "url": "VARCHAR"}
_ROW = re.compile(r"(\w+)\.rows\[\d+\]\.(\w+)")
_MAP = re.compile(r"(\w+)\.rows(?:\.filter\([^()]*\))*\.map\(\s*(\w+)\s*,\s*\2\.(\w+)\s*\)")
_NAME = re.compile(r"(\w+)\.(\w+)")

Columns = dict[str, dict[str, str]]
"""Step id -> result column -> DuckDB type, for the queries that bound."""


def _term_type(sop: Sop, term: str, columns: Columns) -> str:
    """The DuckDB type of one CEL term as the runner will bind it ('' when it cannot be told)."""
    steps = {s.id: s for s in sop.steps}
    if term.startswith("[") and term.endswith("]"):
        inner = _term_type(sop, term[1:-1].split(",")[0].strip(), columns)
        return f"{inner}[]" if inner else ""
    if match := _MAP.fullmatch(term):
        column = columns.get(match.group(1), {}).get(match.group(3), "")
        return f"{column}[]" if column else ""
    if match := _ROW.fullmatch(term):
        return columns.get(match.group(1), {}).get(match.group(2), "")
    if match := _NAME.fullmatch(term):
        root, name = match.groups()
        if root == "inputs" and name in sop.inputs:
            return _INPUT_TYPES.get(sop.inputs[name].type, "")
        if root == "thresholds" and name in sop.thresholds:
            return "INTEGER" if isinstance(sop.thresholds[name].value, int) else "DOUBLE"
        step = steps.get(root)
        if step is not None and name == "row_count":
            return "BIGINT"
        fields = {f.name: f.type for f in (step.evidence + step.output)} if step else {}
        return _FIELD_TYPES.get(fields.get(name, ""), "")
    return ""


def param_type(sop: Sop, expression: str, columns: Columns) -> str:
    """The DuckDB type of a CEL-defined parameter: the first typed term of a list concatenation."""
    terms: list[str] = []
    depth = start = 0
    for index, char in enumerate(expression):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "+" and depth == 0:
            terms.append(expression[start:index].strip())
            start = index + 1
    terms.append(expression[start:].strip())
    return next((t for t in (_term_type(sop, term, columns) for term in terms) if t), "")


def _parameter_types(sop: Sop, step: Step, report: SqlReport, columns: Columns) -> dict[str, str]:
    types: dict[str, str] = {}
    for name in report.parameters:
        if name in step.params:
            types[name] = param_type(sop, step.params[name].strip(), columns)
        else:
            types[name] = _term_type(sop, f"{'inputs' if name in sop.inputs else 'thresholds'}.{name}", columns)
    return types


def _offset_position(sql: str, offset: int) -> tuple[int, int]:
    before = sql[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _bind(found: Findings, sop: Sop, step: Step, report: SqlReport, columns: Columns) -> bool:
    """DuckDB's binder: functions, argument types, GROUP BY, ambiguous names (SOP307). True when it binds."""
    bound = bind(step.sql, _parameter_types(sop, step, report, columns))
    if not bound.error:
        columns[step.id] = dict(bound.columns)
        return True
    pointer = pointer_join(step.pointer, "sql")
    hint = f"did you mean {bound.suggestion!r}?" if bound.suggestion else bound.detail \
        or ("qualify the column with its table's alias" if "mbiguous" in bound.error else "")
    line, col = _offset_position(step.sql, bound.offset) if bound.offset is not None else (1, 1)
    found.add(pointer, "SOP307", f"DuckDB rejects the query: {bound.error}", hint,
              position=position_in(found.doc, pointer, step.sql, line, col))
    return False


def _bound_cleanly(sop: Sop, step: Step, allowed: set[str], columns: Columns) -> SqlReport | None:
    """The report of a query DuckDB's parser and binder both accept, or None: then sqlglot says what is wrong.

    DuckDB resolves every name and type at a fraction of sqlglot's cost, so
    sqlglot (whose messages are located and worded for authors) only sees a
    query that fails here. A parameter inside a string literal is the one
    mistake DuckDB cannot see (it is text to it): such a query takes the long way.
    """
    sql = step.sql
    if refusal(sql) is not None or _spliced_in_text(sql):
        return None
    used = used_parameters(sql)
    if not used <= allowed:
        return None
    parameters = tuple(sorted(used))
    report = SqlReport((), parameters, exact=False)
    bound = bind(sql, _parameter_types(sop, step, report, columns))
    if bound.error:
        return None
    columns[step.id] = dict(bound.columns)
    return SqlReport((), parameters, tuple(name for name, _ in bound.columns), exact=False)


def _spliced_in_text(sql: str) -> bool:
    """Whether a parameter is written inside a string literal, where DuckDB reads it as text. The literals are
    DuckDB's own tokens: an apostrophe in a comment opens none, and a dollar-quoted string is one."""
    try:
        tokens = duckdb.tokenize(sql)
    except (duckdb.Error, UnicodeError):  # (a lone surrogate): the long way decides
        return True
    starts = [offset for offset, _ in tokens]
    if not sql.isascii():  # DuckDB counts the bytes of UTF-8: each start as a character offset
        byte_starts = [0, *itertools.accumulate(len(char.encode("utf-8", "surrogatepass")) for char in sql)]
        starts = [bisect.bisect_left(byte_starts, offset) for offset in starts]
    for spliced in SPLICED.finditer(sql):
        at = bisect.bisect_right(starts, spliced.start()) - 1  # the token it is in (or is)
        if at >= 0 and tokens[at][1] == duckdb.token_type.string_const:
            return True
    return False


def exact_report(sop: Sop, step: Step) -> SqlReport:
    """sqlglot's report of a query step (the one `check_sql` keeps for a query DuckDB accepts is DuckDB's)."""
    return analyze(step.sql, set(sop.inputs) | set(sop.thresholds) | set(step.params))


def check_sql(found: Findings, sop: Sop) -> dict[str, SqlReport]:
    """Analyse every query step; returns the reports by step id for the condition checks."""
    reports: dict[str, SqlReport] = {}
    columns: Columns = {}
    check(step.sql for step in sop.steps if step.kind == "query" and step.sql)  # DuckDB parses them in one call
    for step in sop.steps:
        if step.kind == "query" and step.sql and _verdict(found, sop, step, reports, columns):
            _translate(found, step)  # every query DuckDB binds must also mean the same on Spark
    return reports


def _verdict(found: Findings, sop: Sop, step: Step, reports: dict[str, SqlReport], columns: Columns) -> bool:
    """One query's report (kept in reports) and problems; True when DuckDB binds it."""
    allowed = set(sop.inputs) | set(sop.thresholds) | set(step.params)
    quick = _bound_cleanly(sop, step, allowed, columns)
    if quick is not None:
        reports.setdefault(step.id, quick)
        return True
    report = analyze(step.sql, allowed)
    reports.setdefault(step.id, report)
    pointer = pointer_join(step.pointer, "sql")
    if report.problems and _binder_decides(sop, step, report, columns):
        # sqlglot's qualifier misreads some columns (a name two joined tables share);
        # DuckDB's verdict on the same query is the one that holds.
        return _bind(found, sop, step, report, columns)
    for problem in report.problems:
        position = position_in(found.doc, pointer, step.sql, problem.line, problem.col)
        found.add(pointer, problem.code, problem.message, problem.hint, position=position)
    if report.problems:
        return False
    if (refused := refusal(step.sql)) is not None:
        # The runner checks again with DuckDB's own parser; what it would refuse is an error now.
        found.add(pointer, "SOP302", f"the runner refuses this query: {refused}",
                  "one SELECT over the canonical tables; a CTE name counts only inside the WITH that defines it")
        return False
    return _bind(found, sop, step, report, columns)


def _translate(found: Findings, step: Step) -> None:
    """A construct with no faithful Spark SQL is an error (SOP310)."""
    pointer = pointer_join(step.pointer, "sql")
    for problem in spark_problems(step.sql):
        position = position_in(found.doc, pointer, step.sql, problem.line, problem.col)
        found.add(pointer, problem.code, problem.message, problem.hint, position=position)


def _binder_decides(sop: Sop, step: Step, report: SqlReport, columns: Columns) -> bool:
    """Whether DuckDB overrules sqlglot's unknown-column verdict: it binds the query, or finds the name ambiguous."""
    if any(p.code != "SOP305" for p in report.problems) or refusal(step.sql) is not None:
        return False
    bound = bind(step.sql, _parameter_types(sop, step, report, columns))
    return not bound.error or "mbiguous" in bound.error
