"""Run folders are untrusted input: `sopc verify` and `sopc run --resume` on crafted folders.

Each crafted folder ends in one line: verify exits 1 naming the problem,
resume exits 2; neither prints a traceback, reads without bound, or opens a
data source the user did not name.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from runner_fixtures import ANSWERS, make_db, probe_skill, trade

from compiler.runner.answers import GivenAnswers
from compiler.runner.database import Database
from compiler.runner.events import encode, line_hash
from compiler.runner.run import start

REPO = Path(__file__).resolve().parent.parent
SOPC = [sys.executable, "-m", "compiler"]
ENV = {**os.environ, "PYTHONPATH": str(REPO), "SOPC_USER": "sam"}
RING = {"trades": [trade(1, "A1", "A1", 30000.0), trade(2, "A1", "A1", 20000.0), trade(3, "B1", "A1", 5000.0)]}


@pytest.fixture(scope="module")
def paused_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run paused for an approval: both verify and resume read it."""
    root = tmp_path_factory.mktemp("paused")
    database = Database.open(make_db(root / "ring.duckdb", RING))
    try:
        finished = start(probe_skill(), database, {"account_id": "A1"}, GivenAnswers({"review": ANSWERS["review"]}),
                         root / "runs", started_by="alex", run_id="run")
    finally:
        database.close()
    assert finished.state.status == "awaiting_approval"
    return finished.folder


def rechain(events: list[dict[str, Any]]) -> bytes:
    """A record whose hash chain verifies, whatever its events say: anyone can make one."""
    lines, previous = [], "sha256:" + "0" * 64
    for number, event in enumerate(events, start=1):
        line = encode({**event, "seq": number, "prev": previous})
        lines.append(line)
        previous = line_hash(line)
    return b"\n".join(lines) + b"\n"


def events_of(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]


def crafted(folder: Path, change: Callable[[Path], None], target: Path) -> Path:
    shutil.copytree(folder, target)
    change(target)
    return target


def _link_to_dev_zero(name: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).symlink_to("/dev/zero")
    return change


def _deep_line(folder: Path) -> None:
    with (folder / "events.jsonl").open("ab") as handle:
        handle.write(b"[" * 100_000 + b"]" * 100_000 + b"\n")


def _edit_first(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        events = events_of(folder)
        change(events[0])
        (folder / "events.jsonl").write_bytes(rechain(events))
    return edit


def _odd_step(folder: Path) -> None:
    events = events_of(folder)
    started = next(e for e in events if e["type"] == "step_started")
    del started["step"]
    (folder / "events.jsonl").write_bytes(rechain(events))


CASES = [
    ("skill.json is /dev/zero", _link_to_dev_zero("skill.json"), "not a regular file", "not a regular file"),
    ("report.json is /dev/zero", _link_to_dev_zero("report.json"), "report.json cannot be read", None),
    ("events.jsonl is /dev/zero", _link_to_dev_zero("events.jsonl"), "no run record", "no run record"),
    ("a line nested 100,000 deep", _deep_line, "nested too deeply", "nested too deeply"),
    ("limits of the wrong type", _edit_first(lambda e: e.update(limits={"timeout_s": "soon", "max_rows": []})),
     "not a run event", "not a run event"),
    ("an unknown limit", _edit_first(lambda e: e["limits"].update(cpu="all")), "not a run event", "not a run event"),
    ("inputs that are not a mapping", _edit_first(lambda e: e.update(inputs=[1, 2])), "not a run event",
     "not a run event"),
    ("a step event without its step", _odd_step, "not a run event", "not a run event"),
]


@pytest.mark.parametrize(("name", "change", "verify_says", "resume_says"), CASES, ids=[c[0] for c in CASES])
def test_a_crafted_run_folder_ends_in_one_line(tmp_path: Path, paused_run: Path, name: str,
                                              change: Callable[[Path], None], verify_says: str,
                                              resume_says: str | None) -> None:
    folder = crafted(paused_run, change, tmp_path / "run")
    started = time.perf_counter()
    verified = subprocess.run([*SOPC, "verify", str(folder)], capture_output=True, text=True, env=ENV, timeout=60)
    assert verified.returncode == 1 and verify_says in verified.stdout, verified.stdout + verified.stderr
    assert "Traceback" not in verified.stderr and verified.stderr == ""
    if resume_says is not None:
        resumed = subprocess.run([*SOPC, "run", "--resume", str(folder), "--no-prompt"], capture_output=True,
                                 text=True, env=ENV, timeout=60)
        assert resumed.returncode == 2 and resume_says in resumed.stderr, resumed.stdout + resumed.stderr
        assert len(resumed.stderr.strip().splitlines()) == 1 and "Traceback" not in resumed.stderr
    assert time.perf_counter() - started < 20


def test_resume_opens_only_data_the_user_names_or_that_looks_like_exchange_data(tmp_path: Path,
                                                                                 paused_run: Path) -> None:
    """A crafted record naming /etc as its data: resume refuses it and asks for --db; with --db it goes on."""
    folder = crafted(paused_run, _edit_first(lambda e: e.update(source="/etc")), tmp_path / "run")
    refused = subprocess.run([*SOPC, "run", "--resume", str(folder), "--no-prompt"], capture_output=True,
                             text=True, env=ENV, timeout=60)
    assert refused.returncode == 2 and "give the data with --db" in refused.stderr, refused.stderr
    db = make_db(tmp_path / "ring.duckdb", RING)
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"escalate": ANSWERS["escalate"]}))
    given = subprocess.run([*SOPC, "run", "--resume", str(folder), "--db", str(db), "--answers", str(answers),
                            "--no-prompt"], capture_output=True, text=True, env=ENV, timeout=120)
    assert given.returncode in (0, 4), given.stdout + given.stderr
    assert "Traceback" not in given.stderr
