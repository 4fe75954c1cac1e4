"""Checks on versions, the changelog, review dates, inputs and names."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostic, make
from compiler.document import Position, pointer_join
from compiler.lint.base import Findings

if TYPE_CHECKING:  # the cached path of validate reads review dates without loading the model
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


def review_passed(path: str, review_by: str, position: Position, today: datetime.date) -> list[Diagnostic]:
    """SOP601 when the review date has passed: asked on every run, also of a file whose other checks are cached."""
    review = _date(review_by)
    if review is None or review >= today:
        return []
    return [make(path, position, "SOP601", f"review date {review_by} has passed ({(today - review).days} days ago)",
                 "/review_by", "review the SOP with its owner and set a new review_by date")]


def check_lifecycle(found: Findings, sop: Sop) -> None:
    """Changelog matches the version and is ordered (the review date: `review_passed`)."""
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


_BOUNDS = re.compile(r"\{(\d*)(,(\d*))?\}")


@dataclass(slots=True)
class _Element:
    """One atom or group of a regex alternative, as far as backtracking cares."""

    optional: bool = False
    """Can match nothing (x?, x*, x{0,n}, anchors, lookarounds)."""
    repeats: bool = False
    """Can match a run of any length in several ways (x+, x*, x{n,}, or a loose group)."""


@dataclass(slots=True)
class _Group:
    start: int
    alternatives: list[list[_Element]] = field(default_factory=lambda: [[]])
    zero_width: bool = False

    def loose(self) -> bool:
        """Some alternative is only repeated or optional parts: (a+), (\\w+\\s?), (a*)."""
        return any(alt and all(e.repeats or e.optional for e in alt) and any(e.repeats for e in alt)
                   for alt in self.alternatives)


def _quantifier(pattern: str, at: int) -> tuple[int, bool, bool] | None:
    """(length, min is 0, unbounded) of a quantifier at pattern[at], lazy/possessive suffix included."""
    char = pattern[at]
    if char in "*+?":
        length, optional, unbounded = 1, char != "+", char != "?"
    elif char == "{" and (bounds := _BOUNDS.match(pattern, at)) and (bounds.group(1) or bounds.group(2)):
        low = int(bounds.group(1) or 0)
        length, optional, unbounded = len(bounds.group(0)), low == 0, bool(bounds.group(2)) and not bounds.group(3)
    else:
        return None
    if at + length < len(pattern) and pattern[at + length] in "?+":
        length += 1
    return length, optional, unbounded


def _group_prefix(pattern: str, at: int) -> tuple[int, bool]:
    """Length of '(', '(?:', '(?P<name>', '(?=' ... at pattern[at] and whether the group is zero-width."""
    if pattern[at + 1:at + 2] != "?":
        return 1, False
    if pattern.startswith(("(?=", "(?!"), at):
        return 3, True
    if pattern.startswith(("(?<=", "(?<!"), at):
        return 4, True
    if pattern.startswith("(?P<", at):
        end = pattern.find(">", at)
        return (end - at + 1 if end > 0 else 4), False
    return 3, False


def nested_quantifier(pattern: str) -> str:
    """The first repeated group whose body can itself match a run in several ways, e.g. '(a+)+', or ''.

    Python's re backtracks: '^(a+)+$' takes 2^n steps on 'aaaa...!', so a
    default (or, at run time, an input) of thirty characters hangs the process.
    A group repeated without bound is flagged when one of its alternatives
    consists of repeated and optional parts only ((a+)+, (\\w+\\s?)*, (a*)*); a
    mandatory part such as the '-' in (-[a-z]+)* makes the split unique, so
    slugs and the like pass. Overlapping alternatives ((a|aa)+) are not detected.
    Iterative, so that a hostile pattern cannot exhaust the stack.
    """
    stack = [_Group(0)]
    at = 0
    while at < len(pattern):
        char = pattern[at]
        if char == "(":
            length, zero_width = _group_prefix(pattern, at)
            stack.append(_Group(at, zero_width=zero_width))
            at += length
            continue
        if char == "|":
            stack[-1].alternatives.append([])
            at += 1
            continue
        if char == ")" and len(stack) > 1:
            group = stack.pop()
            end = at + 1
            quantifier = _quantifier(pattern, end) if end < len(pattern) else None
            element = _Element(optional=group.zero_width, repeats=group.loose() and not group.zero_width)
            if quantifier is not None:
                length, optional, unbounded = quantifier
                if unbounded and element.repeats:
                    return pattern[group.start:end + length]
                element.optional = element.optional or optional
                element.repeats = element.repeats or (unbounded and not group.zero_width)
                end += length
            stack[-1].alternatives[-1].append(element)
            at = end
            continue
        # An atom: escape, class, dot, anchor or literal.
        if char == "\\":
            end = at + 2
        elif char == "[":
            end = at + 1 + (pattern[at + 1:at + 2] == "^")
            end += pattern[end:end + 1] == "]"
            while end < len(pattern) and pattern[end] != "]":
                end += 2 if pattern[end] == "\\" else 1
            end += 1
        else:
            end = at + 1
        element = _Element(optional=char in "^$" or pattern[at:at + 2] in ("\\b", "\\B", "\\A", "\\Z"))
        quantifier = _quantifier(pattern, end) if end < len(pattern) else None
        if quantifier is not None:
            length, optional, unbounded = quantifier
            element.optional, element.repeats = element.optional or optional, unbounded
            end += length
        stack[-1].alternatives[-1].append(element)
        at = end
    return ""


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
    if spec.pattern and isinstance(value, str) and not nested_quantifier(spec.pattern):
        try:
            if not re.fullmatch(spec.pattern, value):
                return f"default {value!r} does not match the pattern {spec.pattern!r}"
        except re.error:
            return ""
    return ""


def check_triggers(found: Findings, sop: Sop) -> None:
    """A trigger's input mapping names declared inputs and, once it maps any, every required input without a default.

    Optional inputs and inputs with a default may stay unmapped: a run from
    the alert starts without them, as one started by hand would.
    """
    for number, trigger in enumerate(sop.triggers):
        if not trigger.inputs:
            continue
        pointer = f"/triggers/{number}/inputs"
        for name in trigger.inputs:
            if name not in sop.inputs:
                found.add(pointer_join(pointer, name), "SOP606", f"trigger {trigger.alert!r} maps {name!r}, which is "
                          "not a declared input", f"declared inputs: {', '.join(sorted(sop.inputs)) or 'none'}",
                          key=True)
        missing = [name for name, spec in sop.inputs.items()
                   if spec.required and spec.default is None and name not in trigger.inputs]
        if missing:
            found.add(pointer, "SOP607", f"trigger {trigger.alert!r} maps no value for the required "
                      f"input{'s' if len(missing) > 1 else ''} {', '.join(missing)}: a run from this alert would be "
                      "refused", "map each to a JSON pointer into the alert payload, or give the input a default",
                      key=True)


def check_inputs(found: Findings, sop: Sop) -> None:
    """Input defaults fit their type; names are not declared twice."""
    for name, spec in sop.inputs.items():
        pointer = pointer_join("/inputs", name)
        if spec.default is not None:
            problem = _default_problem(spec)
            if problem:
                article = "an" if spec.type[:1] in ("a", "e", "i", "o", "u") else "a"  # "an integer"
                found.add(pointer_join(pointer, "default"), "SOP604", problem,
                          f"give {article} {spec.type} default or remove it")
        if spec.pattern and spec.type != "string":
            found.add(pointer_join(pointer, "pattern"), "SOP604", f"pattern applies to string inputs, not {spec.type}")
        nested = nested_quantifier(spec.pattern) if spec.pattern else ""
        if nested:
            found.add(pointer_join(pointer, "pattern"), "SOP605",
                      f"pattern repeats a repeated group {nested!r}: matching can take exponential time",
                      "repeat once: write (ab)+ or a+, not (a+)+ or (a*)*")
        if spec.values and spec.type != "enum":
            found.add(pointer_join(pointer, "values"), "SOP604", f"values applies to enum inputs, not {spec.type}",
                      "set type: enum or remove values")
        if name in sop.thresholds:
            found.add(pointer_join("/thresholds", name), "SOP508", f"{name!r} is both an input and a threshold",
                      "rename one: $name in SQL must mean one thing", key=True)
