"""Checks on versions, the changelog, review dates, inputs and names."""

from __future__ import annotations

import datetime
import re

from compiler.document import pointer_join
from compiler.lint.base import Findings
from compiler.model import Input, Sop

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_DURATION = re.compile(r"^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def semver(text: str) -> tuple[int, int, int] | None:
    """(major, minor, patch), or None when text is not a version."""
    match = _SEMVER.match(text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def check_lifecycle(found: Findings, sop: Sop, today: datetime.date) -> None:
    """Changelog matches the version and is ordered; the review date has not passed."""
    review = _date(sop.review_by)
    if review is not None and review < today:
        found.add("/review_by", "SOP601", f"review date {sop.review_by} has passed ({(today - review).days} days ago)",
                  "review the SOP with its owner and set a new review_by date")
    if sop.changelog and sop.version and sop.changelog[0].version != sop.version:
        found.add("/changelog/0/version", "SOP602",
                  f"newest changelog entry is {sop.changelog[0].version}, but version is {sop.version}",
                  f"add an entry for {sop.version} at the top of the changelog")
    for index in range(1, len(sop.changelog)):
        newer, older = sop.changelog[index - 1], sop.changelog[index]
        nv, ov = semver(newer.version), semver(older.version)
        nd, od = _date(newer.date), _date(older.date)
        if (nv and ov and nv <= ov) or (nd and od and nd < od):
            found.add(f"/changelog/{index}", "SOP603",
                      f"entry {older.version} ({older.date}) is not older than the one above it "
                      f"({newer.version}, {newer.date})", "list versions newest first")


def _default_problem(spec: Input) -> str:
    value = spec.default
    checks = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "timestamp": isinstance(value, str) and bool(_TIMESTAMP.match(value)),
        "duration": isinstance(value, str) and len(value) > 1 and bool(_DURATION.match(value)),
        "enum": isinstance(value, str) and value in spec.values,
    }
    if not checks.get(spec.type, True):
        return f"default {value!r} is not a valid {spec.type}"
    if spec.pattern and isinstance(value, str):
        try:
            if not re.fullmatch(spec.pattern, value):
                return f"default {value!r} does not match the pattern {spec.pattern!r}"
        except re.error:
            return ""
    return ""


def check_inputs(found: Findings, sop: Sop) -> None:
    """Input defaults fit their type; names are not declared twice."""
    for name, spec in sop.inputs.items():
        pointer = pointer_join("/inputs", name)
        if spec.default is not None:
            problem = _default_problem(spec)
            if problem:
                found.add(pointer_join(pointer, "default"), "SOP604", problem,
                          f"give a {spec.type} default or remove it")
        if spec.pattern and spec.type != "string":
            found.add(pointer_join(pointer, "pattern"), "SOP604", f"pattern applies to string inputs, not {spec.type}")
        if spec.values and spec.type != "enum":
            found.add(pointer_join(pointer, "values"), "SOP604", f"values applies to enum inputs, not {spec.type}",
                      "set type: enum or remove values")
        if name in sop.thresholds:
            found.add(pointer_join("/thresholds", name), "SOP508", f"{name!r} is both an input and a threshold",
                      "rename one: $name in SQL must mean one thing", key=True)
