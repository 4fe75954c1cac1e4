"""Run inputs: typed from the command line, checked against the skill's input schema before anything runs."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema

from compiler.files import UsageError
from compiler.runner import conditions
from compiler.runner.errors import RunError
from compiler.runner.values import fixed_activation, iso, parse_timestamp, recordable, typed

RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})")
"""A timestamp as RFC 3339 writes it: date, T, time, and Z or an offset; no week dates, no space, no NUL."""


def timestamp(text: str) -> datetime.datetime:
    """An aware UTC datetime from RFC 3339 text; ValueError for anything else."""
    if not RFC3339.fullmatch(text):
        raise ValueError(f"{text!r} is not an RFC 3339 timestamp")
    return parse_timestamp(text)


def parse_pairs(pairs: Iterable[str], schema: Mapping[str, Any]) -> dict[str, Any]:
    """name=value strings as typed values (numbers, booleans, lists as JSON or comma-separated).

    A value that does not read as its type is kept as text: `checked_inputs` reports it with the others.
    """
    properties = schema.get("properties", {})
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--input {pair!r}: write name=value")
        if not pair.isprintable():
            raise UsageError(f"--input {name[:64]!r}: control characters (terminal escapes, NUL, line breaks) "
                             "are not allowed in a value")
        if name not in properties:
            known = ", ".join(sorted(properties)) or "none"
            raise UsageError(f"--input {name}: the skill has no such input (inputs: {known})")
        values[name] = typed(text, properties[name])
    return values


def checked_inputs(given: Mapping[str, Any], skill: Mapping[str, Any]) -> dict[str, Any]:
    """The run's inputs with defaults filled in, fitting the skill's input schema and passing its input checks.

    Every problem at once, as a UsageError.
    """
    schema = skill["inputs_schema"]
    values = {name: spec["default"] for name, spec in schema.get("properties", {}).items()
              if "default" in spec and name not in given}
    values.update(given)
    problems = [f"{'.'.join(str(p) for p in e.absolute_path) or 'inputs'}: {e.message}"
                for e in jsonschema.Draft202012Validator(schema).iter_errors(values)]
    problems += recordable(dict(values), "inputs")
    for name, spec in schema.get("properties", {}).items():
        if spec.get("format") == "date-time" and isinstance(values.get(name), str):
            try:
                values[name] = iso(timestamp(values[name]))  # one form in the record: ...Z
            except ValueError:
                problems.append(f"{name}: {values[name]!r} is not an RFC 3339 timestamp (2026-01-05T00:00:00Z)")
    if not problems:  # the checks read typed values: only once the values fit their types
        problems += _failed_checks(values, skill)
    if problems:
        raise UsageError("inputs do not fit the skill: " + "; ".join(sorted(problems)))
    return values


def _failed_checks(values: Mapping[str, Any], skill: Mapping[str, Any]) -> list[str]:
    """The messages of the skill's input checks these values fail."""
    activation = fixed_activation(values, skill)
    failed = []
    for check in skill.get("input_checks", []):
        try:
            held = conditions.condition(check["require"], activation)
        except RunError as err:
            failed.append(f"{check['message']} ({err})")
            continue
        if not held:
            failed.append(f"{check['message']} ({check['require']} does not hold)")
    return failed
