"""Checks on test scenarios: they name real inputs, steps, tables and a possible path."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
import jsonschema_rs

from compiler.cel import parse
from compiler.document import pointer_join
from compiler.graph import Graph
from compiler.lint.base import Findings, closest, value_at
from compiler.model import Scenario, Sop, Step
from compiler.sqlcheck import catalog
from compiler.suggest import article

_ANSWERED = frozenset({"manual", "agent", "action", "escalate"})
_STRING_INPUTS = frozenset({"string", "timestamp", "duration", "enum"})


def _goes_to(sop: Sop, step_id: str) -> str:
    """Where a step leads, as written (a next with a typo is shown, not hidden)."""
    step = sop.step(step_id)
    targets = [t.next if t.next else f"outcome {t.outcome}" for _, t in step.transitions() if t.target] \
        if step else []
    return ", ".join(dict.fromkeys(targets)) or "nowhere (no next or outcome)"


def _check_path(found: Findings, sop: Sop, graph: Graph, test: Scenario) -> None:
    steps = {s.id: s for s in sop.steps}
    pointer = pointer_join(pointer_join(test.pointer, "expect"), "path")
    path = test.path or ()
    for index, step_id in enumerate(path):
        if step_id not in steps:
            found.add(pointer_join(pointer, index), "SOP202", f"test path names unknown step {step_id!r}",
                      closest(step_id, steps))
            return
    if not path:
        return
    if path[0] != graph.first:
        found.add(pointer_join(pointer, 0), "SOP704", f"the path starts at {path[0]!r}, but runs start at {graph.first!r}")
        return
    for index in range(1, len(path)):
        if path[index] not in graph.successors.get(path[index - 1], ()):
            found.add(pointer_join(pointer, index), "SOP704",
                      f"no transition leads from {path[index - 1]!r} to {path[index]!r}",
                      f"{path[index - 1]!r} goes to: {_goes_to(sop, path[index - 1])}")
            return
    last = steps[path[-1]]
    # An undeclared expected outcome is already reported (SOP203); saying the path
    # cannot end in it too would only repeat the typo.
    if test.outcome and test.outcome in sop.outcomes \
            and test.outcome not in {t.outcome for _, t in last.transitions()}:
        found.add(pointer, "SOP704", f"the path ends at {path[-1]!r}, which cannot end in {test.outcome!r}")


def _check_unquoted(found: Findings, pointer: str, what: str, value: Any) -> None:
    """A text value YAML read as another type (country: NO is false, id: 0123 is 83).

    The schema cannot see it (test data rows and inputs are free-form), and
    the runner would silently use the wrong value.
    """
    raw = found.doc.source.coerced.get(pointer)
    if raw is not None:
        kind = "a boolean" if isinstance(value, bool) else "an integer" if isinstance(value, int) else "a number"
        found.add(pointer, "SOP104", f"{what} is text, but YAML read {raw} as {kind}", f'quote it: "{raw}"')


_GATE_KEYS = ("approved", "by", "role", "note")
_WORDS = {"boolean": "true or false", "number": "a number", "integer": "an integer", "string": "text",
          "array": "a list of text"}


def _check_answer(found: Findings, step: Step, answer: dict[str, Any], at: str) -> None:
    """A test's answer against the step's evidence or output fields and its approval gate (SOP708)."""
    from compiler.skill.compile import fields_schema

    if step.approval is not None and "approved" in answer and not isinstance(answer["approved"], bool):
        found.add(pointer_join(at, "approved"), "SOP708", f"approved must be true or false, not {answer['approved']!r}",
                  "approved: true lets the run go on; approved: false stops it")
    if step.kind not in ("manual", "agent"):
        return
    fields = step.evidence if step.kind == "manual" else step.output
    declared_at = pointer_join(step.pointer, "evidence" if step.kind == "manual" else "output")
    declared = value_at(found.doc.data, declared_at)
    if not isinstance(declared, dict) or len(declared) != len(fields):
        return  # the fields themselves are wrong: that is the mistake to fix first
    given = {k: v for k, v in answer.items() if k not in _GATE_KEYS} if step.approval else answer
    schema = fields_schema(fields)
    if _accepts(json.dumps(schema, sort_keys=True), given):
        return
    for error in sorted(jsonschema.Draft202012Validator(schema).iter_errors(given), key=lambda e: list(e.path)):
        name = str(error.path[0]) if error.path else ""
        if error.validator == "additionalProperties":
            for extra in sorted(set(given) - set(schema["properties"])):
                found.add(pointer_join(at, extra), "SOP708", f"{step.id!r} has no {'evidence' if step.kind == 'manual' else 'output'} field {extra!r}",
                          closest(extra, schema["properties"]) or f"its fields: {', '.join(schema['properties'])}", key=True)
        elif error.validator == "required":
            found.add(at, "SOP708", f"the answer to {step.id!r} leaves out {error.message.split(' is ')[0]}",
                      "sopc test would wait at this step for a complete answer")
        else:
            spec = schema["properties"].get(name, {})
            wanted = f"one of {', '.join(spec['enum'])}" if "enum" in spec else _WORDS.get(spec.get("type", ""), "")
            found.add(pointer_join(at, name) if name else at, "SOP708",
                      f"{step.id}.{name} must be {wanted}, not {error.instance!r}" if name else error.message,
                      "unquoted: true or false" if spec.get("type") == "boolean" else closest(str(error.instance), spec.get("enum", [])))


@cache
def _compiled(schema: str) -> Any:
    """The compiled validator of one fields schema (formats are not asserted, as in the detailed check below)."""
    return jsonschema_rs.validator_for(json.loads(schema), validate_formats=False)


def _accepts(schema: str, answer: dict[str, Any]) -> bool:
    """Whether the compiled validator finds the answer valid (most are): only the others get the detailed check.
    False when it cannot judge the answer (a value that is no JSON): the detailed check decides."""
    try:
        return bool(_compiled(schema).is_valid(answer))
    except (ValueError, TypeError, OverflowError):
        return False


def _check_demo(found: Findings, test: Scenario) -> None:
    from compiler.demo.catalog import cases

    known = cases()
    if test.demo not in known:
        found.add(pointer_join(test.pointer, "data"), "SOP705", f"there is no demo-data case {test.demo!r}",
                  closest(test.demo, known) or "sopc demo-data --list shows the cases")


def _check_values(found: Findings, sop: Sop, test: Scenario) -> None:
    names = {"inputs", "thresholds", *(s.id for s in sop.steps)}
    values_at = pointer_join(pointer_join(test.pointer, "expect"), "values")
    for expression in test.values:
        at = pointer_join(values_at, expression)
        parsed = parse(expression)
        if parsed.error:
            found.add(at, "SOP706", f"expected value {expression!r} is not a CEL expression: {parsed.error}",
                      "write a path such as step_id.rows[0].column", key=True)
            continue
        for reference in parsed.references:
            if reference.root not in names:
                found.add(at, "SOP706", f"expected value {expression!r} reads {reference.root!r}, which the SOP "
                          "does not define", closest(reference.root, names) or "use inputs, thresholds or a step id",
                          key=True)
                break


def _check_expectation(found: Findings, test: Scenario) -> bool:
    """Whether the test expects exactly one thing: an outcome, or a refusal (SOP707 otherwise)."""
    expect = pointer_join(test.pointer, "expect")
    if test.refused and (test.outcome or test.path is not None or test.values):
        found.add(expect, "SOP707", f"test {test.name!r} expects a refusal and a run's result",
                  "a refused run has no outcome, path or values: keep refused, or drop it")
        return False
    if not test.refused and not test.outcome:
        found.add(expect, "SOP707", f"test {test.name!r} expects neither an outcome nor a refusal",
                  "add outcome: <outcome id>, or refused: <text of the refusal>")
        return False
    return True


def check_scenarios(found: Findings, sop: Sop, graph: Graph) -> None:
    """Inputs, answers, data tables and expected paths of every test scenario."""
    steps = {s.id: s for s in sop.steps}
    tables = catalog()
    for test in sop.tests:
        _check_expectation(found, test)
        inputs_pointer = pointer_join(test.pointer, "inputs")
        for name in test.inputs:
            if name not in sop.inputs:
                found.add(pointer_join(inputs_pointer, name), "SOP701", f"test sets undeclared input {name!r}",
                          closest(name, sop.inputs), key=True)
            elif sop.inputs[name].type in _STRING_INPUTS:
                _check_unquoted(found, pointer_join(inputs_pointer, name), f"input {name!r}", test.inputs[name])
        # Point at the test's inputs when it has them: that is where the line goes.
        missing_at = inputs_pointer if inputs_pointer in found.doc.source.values else test.pointer
        for name, spec in sop.inputs.items():
            if spec.required and spec.default is None and name not in test.inputs:
                found.add(missing_at, "SOP701", f"test {test.name!r} does not set required input {name!r}",
                          f"add {name}: <value> under inputs")
        for step_id in test.answers:
            step = steps.get(step_id)
            answers_at = pointer_join(pointer_join(test.pointer, "answers"), step_id)
            if step is None:
                found.add(answers_at, "SOP702", f"test answers unknown step {step_id!r}", closest(step_id, steps),
                          key=True)
            elif step.kind not in _ANSWERED and step.approval is None:
                found.add(answers_at, "SOP702", f"step {step_id!r} is {article(step.kind)} step and takes no answers",
                          "answer manual, agent, action and escalate steps and approval gates", key=True)
            else:
                _check_answer(found, step, test.answers[step_id], answers_at)
        for table, rows in test.data.items():
            table_at = pointer_join(pointer_join(test.pointer, "data"), table)
            if table not in tables:
                found.add(table_at, "SOP703", f"{table!r} is not a canonical table", closest(table, tables), key=True)
                continue
            for index, row in enumerate(rows):
                row_at = pointer_join(table_at, index)
                for column in row:
                    if column not in tables[table]:
                        found.add(pointer_join(row_at, column), "SOP703", f"table {table!r} has no column {column!r}",
                                  closest(column, tables[table]), key=True)
                    elif tables[table][column] == "TEXT":
                        _check_unquoted(found, pointer_join(row_at, column), f"column {table}.{column}", row[column])
        if test.demo:
            _check_demo(found, test)
        _check_values(found, sop, test)
        if test.outcome and test.outcome not in sop.outcomes:
            found.add(pointer_join(pointer_join(test.pointer, "expect"), "outcome"), "SOP203",
                      f"expected outcome {test.outcome!r} is not declared", closest(test.outcome, sop.outcomes))
        _check_path(found, sop, graph, test)
