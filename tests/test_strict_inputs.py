"""Strict inputs: answers files by the SOP loader's rules, RFC 3339 timestamps, no control characters.

Each bad input is refused before anything runs, with one line and exit 2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runner_fixtures import probe_skill

from compiler.files import UsageError
from compiler.runner.answers import load_answers
from compiler.runner.inputs import checked_inputs, parse_pairs, timestamp

REPO = Path(__file__).resolve().parent.parent
SOPC = [sys.executable, "-m", "compiler"]
ENV = {**os.environ, "PYTHONPATH": str(REPO), "SOPC_USER": "sam"}


def alias_bomb(levels: int = 8, width: int = 9) -> bytes:
    """Each anchor a list of `width` aliases of the one before: width ** levels leaves once expanded."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return ("\n".join(lines) + "\nreview: {note: *a8}\n").encode()


@pytest.mark.parametrize(("name", "data", "message"), [
    ("a 9^8 alias expansion", alias_bomb(), "anchor '&a0' is not allowed"),
    ("a Python tag", b"review: !!python/object/apply:os.system [echo hi]\n", "tag"),
    ("a merge key", b"review:\n  <<: {note: x}\n", "merge key"),
    ("a duplicate key", b"review: {note: a}\nreview: {note: b}\n", "duplicate"),
    ("nesting 100 deep", b"review: " + b"[" * 100 + b"]" * 100 + b"\n", "nesting deeper than 64"),
    ("over 1 MiB", b"review: {note: '" + b"x" * (1 << 20) + b"'}\n", "over 1,048,576 bytes"),
    ("a list at the top", b"- review\n", "mapping of step id"),
    ("not UTF-8", b"review: {note: \xff}\n", "UTF-8"),
])
def test_a_bad_answers_file_is_one_line_and_costs_nothing(tmp_path: Path, name: str, data: bytes,
                                                          message: str) -> None:
    path = tmp_path / "answers.yaml"
    path.write_bytes(data)
    started = time.perf_counter()
    with pytest.raises(UsageError) as refused:
        load_answers(path)
    assert message in str(refused.value) and "\n" not in str(refused.value), str(refused.value)
    assert str(refused.value).startswith(str(path)), str(refused.value)
    assert time.perf_counter() - started < 2.0


def test_answers_in_yaml_or_json_load_as_before(tmp_path: Path) -> None:
    given = {"review": {"note": "Mirrored orders.", "mirrored": True},
             "escalate": {"approved": True, "by": ["dana", "lee"], "role": "risk-manager"}}
    for name, text in (("a.json", json.dumps(given)),
                       ("a.yaml", "review: {note: Mirrored orders., mirrored: true}\n"
                                  "escalate: {approved: true, by: [dana, lee], role: risk-manager}\n")):
        (tmp_path / name).write_text(text)
        assert load_answers(tmp_path / name) == given
    (tmp_path / "empty.yaml").write_text("\n")
    assert load_answers(tmp_path / "empty.yaml") == {}


def test_the_alias_bomb_through_sopc_run_is_exit_2(tmp_path: Path) -> None:
    skills = tmp_path / "skills" / "probe-self-trading"
    skills.mkdir(parents=True)
    (skills / "skill.json").write_text(json.dumps(probe_skill()))
    (tmp_path / "bomb.yaml").write_bytes(alias_bomb())
    started = time.perf_counter()
    done = subprocess.run([*SOPC, "run", "probe-self-trading", "--db", str(tmp_path / "none.duckdb"), "--skills",
                           str(tmp_path / "skills"), "-i", "account_id=A1", "--answers", str(tmp_path / "bomb.yaml"),
                           "--no-prompt"], capture_output=True, text=True, env=ENV, timeout=60)
    assert done.returncode == 2 and "is not allowed" in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize("text", [
    "2026-01-05T00:00:00\x00Z", "2026-W02-1T00:00:00Z", "2026-01-05 00:00:00Z", "2026-01-05T00:00:00",
    "2026-01-05", "2026-01-05T00:00:00+0200", "20260105T000000Z", "2026-01-05T00:00:00Z ", "2026-01-05T24:00:00Z",
])
def test_only_rfc_3339_timestamps_are_accepted(text: str) -> None:
    with pytest.raises(ValueError):
        timestamp(text)


@pytest.mark.parametrize("text", ["2026-01-05T00:00:00Z", "2026-01-05t00:00:00z", "2026-01-05T00:00:00.123+02:00"])
def test_rfc_3339_timestamps_are_read(text: str) -> None:
    assert timestamp(text).tzinfo is not None


def test_a_timestamp_input_with_a_nul_is_refused() -> None:
    skill = probe_skill()
    skill["inputs_schema"]["properties"]["at"] = {"type": "string", "format": "date-time", "description": "x"}
    with pytest.raises(UsageError, match="not an RFC 3339 timestamp"):
        checked_inputs({"account_id": "A1", "at": "2026-01-05T00:00:00\x00Z"}, skill)


@pytest.mark.parametrize("value", ["A1\x1b[2J", "A1\x00", "A1\nA2", "A1\x9b31m"])
def test_control_characters_in_a_command_line_input_are_refused(value: str) -> None:
    with pytest.raises(UsageError, match="control characters"):
        parse_pairs([f"account_id={value}"], probe_skill()["inputs_schema"])


@pytest.mark.parametrize("title", ["Wash \x1b]0;owned\x07trading", "Wash\ttrading", "Wash\x7ftrading"])
def test_sopc_new_refuses_a_title_with_control_characters(tmp_path: Path, title: str) -> None:
    done = subprocess.run([*SOPC, "new", "wash-x", "--domain", "market-abuse", "--title", title, "--root",
                           str(tmp_path)], capture_output=True, text=True, env=ENV, timeout=60)
    assert done.returncode == 2 and "printable" in done.stderr and not any(tmp_path.rglob("*.yaml")), done.stderr
