"""Checking a run folder as an auditor would: is the record intact, and do the skill and reports belong to it?

The hash chain shows a record was not edited, reordered or cut in the
middle; it cannot show a record cut at its end. report.json names the
record it was written from (its event count and the hash of its last line),
so a record shorter than its report, or with another last line, was cut or
replaced after the report was written.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from compiler.runner.errors import RunError
from compiler.runner.events import read_record


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a run folder shows: the facts found and every problem, in words."""

    folder: Path
    facts: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        """No problems."""
        return not self.problems


def verify(folder: Path) -> Verdict:
    """Check the record's chain, the skill copy against the record, and report.json against both."""
    facts: list[str] = []
    problems: list[str] = []
    try:
        events, torn, head = read_record(folder / "events.jsonl")
    except RunError as err:
        return Verdict(folder, (), (str(err),))
    if not events or events[0].get("type") != "run_started":
        return Verdict(folder, (), ("the record does not begin with run_started",))
    facts.append(f"record: {len(events)} events, chain intact, last line {head}")
    if torn:
        problems.append(f"the record ends in a torn line of {torn} bytes (the run was killed while writing; "
                        "sopc run --resume drops it)")
    skill = _skill(folder, events[0], problems)
    if skill is not None:
        facts.append(f"skill: {skill['id']} {skill['version']}, the file the run started with")
    report_path = folder / "report.json"
    if not report_path.is_file():
        problems.append("report.json is missing (sopc run --resume writes it for a run that ended)")
    else:
        _check_report(report_path, skill, len(events), head, facts, problems)
    return Verdict(folder, tuple(facts), tuple(problems))


def _skill(folder: Path, started: dict[str, Any], problems: list[str]) -> dict[str, Any] | None:
    try:
        raw = (folder / "skill.json").read_bytes()
    except OSError as err:
        problems.append(f"skill.json cannot be read: {err.strerror}")
        return None
    if "sha256:" + hashlib.sha256(raw).hexdigest() != started.get("skill_sha256"):
        problems.append("skill.json is not the file the run started with (its sha256 differs from run_started)")
        return None
    skill: dict[str, Any] = json.loads(raw)
    return skill


def _check_report(path: Path, skill: dict[str, Any] | None, count: int, head: str, facts: list[str],
                  problems: list[str]) -> None:
    try:
        report = json.loads(path.read_bytes())
        record = report["record"]
        named_count, named_head = int(record["events"]), str(record["head"])
    except (OSError, ValueError, KeyError, TypeError):
        problems.append("report.json cannot be read as a findings report")
        return
    if named_count > count:
        problems.append(f"the record was cut: report.json was written from {named_count} events, "
                        f"the record holds {count}")
    elif named_count == count and named_head != head:
        problems.append("the record was replaced: its last line is not the one report.json was written from")
    elif named_count < count:
        problems.append(f"report.json is older than the record ({named_count} of {count} events); "
                        "sopc run --resume rewrites it")
    else:
        facts.append(f"report.json: written from this record ({count} events), status {report.get('status')}")
    if skill is not None:
        errors = list(jsonschema.Draft202012Validator(skill["findings_schema"]).iter_errors(report))
        if errors:
            problems.append(f"report.json does not fit the skill's findings schema: {errors[0].message}")
