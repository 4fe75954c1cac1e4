"""Checking a run folder as an auditor would: is the record intact, and do the skill and reports belong to it?

The hash chain shows a record was not edited, reordered or cut in the
middle; it cannot show a record cut at its end. report.json names the
record it was written from (its event count and the hash of its last line),
so a record shorter than its report, or with another last line, was cut or
replaced after the report was written. The reports are a function of the
skill and the record, so they are rebuilt and compared byte for byte: an
edited report no longer matches.
"""

from __future__ import annotations

import errno
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.approvers import Registry
from compiler.files import UsageError, read_bounded
from compiler.runner.errors import RunError
from compiler.runner.events import read_record
from compiler.runner.run import MAX_SKILL_BYTES, REPORT_JSON, read_skill, report_files
from compiler.runner.signatures import reverify
from compiler.runner.state import data_source, replay

MAX_REPORT_BYTES = 64 << 20
"""report.json and report.md are rebuilt from the record; larger files are not read."""
_UNREADABLE = (OSError, ValueError, KeyError, TypeError, IndexError, OverflowError, RecursionError, AttributeError)
"""What a damaged or hand-made file can raise while it is read."""


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


def verify(folder: Path, registry: Registry | None = None) -> Verdict:
    """Check the record's chain, every signed approval, the skill copy against the record, and the reports."""
    facts: list[str] = []
    problems: list[str] = []
    if not (folder / "events.jsonl").is_file():
        return Verdict(folder, (), ("it holds no run record (events.jsonl)",))
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
    try:
        signed_facts, signed_problems = reverify(events, registry)
    except _UNREADABLE as err:
        signed_facts, signed_problems = [], [f"the approvals in the record cannot be read: {type(err).__name__}"]
    facts += signed_facts
    problems += signed_problems
    skill = _skill(folder, events[0], problems)
    if skill is not None:
        facts.append(f"skill: {skill.get('id')} {skill.get('version')}, the file the run started with")
        _check_reports(folder, skill, events, head, facts, problems)
    return Verdict(folder, tuple(facts), tuple(problems))


def _read(path: Path, limit: int) -> bytes:
    """A file of the run folder: regular, at most limit bytes (OSError otherwise)."""
    data = read_bounded(path, limit)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"over {limit:,} bytes", str(path))
    return data


def _skill(folder: Path, started: dict[str, Any], problems: list[str]) -> dict[str, Any] | None:
    try:
        raw = _read(folder / "skill.json", MAX_SKILL_BYTES)
    except OSError as err:
        problems.append(f"skill.json cannot be read: {err.strerror or err}")
        return None
    if "sha256:" + hashlib.sha256(raw).hexdigest() != started.get("skill_sha256"):
        problems.append("skill.json is not the file the run started with (its sha256 differs from run_started)")
        return None
    try:
        return read_skill(folder / "skill.json")[0]
    except UsageError as err:
        problems.append(f"skill.json is not a compiled skill: {str(err)[:300]}")
        return None


def _check_reports(folder: Path, skill: dict[str, Any], events: list[dict[str, Any]], head: str, facts: list[str],
                   problems: list[str]) -> None:
    try:
        report = json.loads(_read(folder / REPORT_JSON, MAX_REPORT_BYTES))
        named_count, named_head = int(report["record"]["events"]), str(report["record"]["head"])
    except FileNotFoundError:
        problems.append("report.json is missing (sopc run --resume writes it for a run that ended)")
        return
    except _UNREADABLE:
        problems.append("report.json cannot be read as a findings report")
        return
    count = len(events)
    if named_count > count:
        problems.append(f"the record was cut: report.json was written from {named_count} events, "
                        f"the record holds {count}")
        return
    if named_count < count:
        problems.append(f"report.json is older than the record ({named_count} of {count} events); "
                        "sopc run --resume rewrites it")
        return
    if named_head != head:
        problems.append("the record was replaced: its last line is not the one report.json was written from")
        return
    try:
        _, expected = report_files(skill, replay(events), {"events": count, "head": head}, data_source(events))
    except _UNREADABLE as err:
        problems.append(f"the reports cannot be rebuilt from the record: {type(err).__name__}")
        return
    for name, data in expected.items():
        try:
            found: bytes | None = _read(folder / name, MAX_REPORT_BYTES)
        except OSError:
            found = None
        if found != data:
            problems.append(f"{name} is not the report this record gives: it was edited or replaced")
    if not any(name in p for p in problems for name in expected):
        facts.append(f"{', '.join(expected)}: exactly what this record gives, status {report.get('status')}")
