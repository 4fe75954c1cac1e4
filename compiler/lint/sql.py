"""Checks on query steps' SQL, located inside the SQL text."""

from __future__ import annotations

from compiler.document import pointer_join
from compiler.lint.base import Findings, position_in
from compiler.model import Sop
from compiler.runner.querycheck import refusal
from compiler.sqlcheck import SqlReport, analyze


def check_sql(found: Findings, sop: Sop) -> dict[str, SqlReport]:
    """Analyse every query step; returns the reports by step id for the condition checks."""
    reports: dict[str, SqlReport] = {}
    declared = set(sop.inputs) | set(sop.thresholds)
    for step in sop.steps:
        if step.kind != "query" or not step.sql:
            continue
        report = analyze(step.sql, declared | set(step.params))
        reports.setdefault(step.id, report)
        pointer = pointer_join(step.pointer, "sql")
        for problem in report.problems:
            position = position_in(found.doc, pointer, step.sql, problem.line, problem.col)
            found.add(pointer, problem.code, problem.message, problem.hint, position=position)
        if not report.problems and (refused := refusal(step.sql)) is not None:
            # The runner checks again with DuckDB's own parser; what it would refuse is an error now.
            found.add(pointer, "SOP302", f"the runner refuses this query: {refused}",
                      "one SELECT over the canonical tables; a CTE name counts only inside the WITH that defines it")
    return reports
