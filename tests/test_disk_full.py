"""A full disk: one line saying so, exit 2, and a run folder that is complete or absent.

Runs `sopc run` on a real 1 MiB tmpfs filled to a few pages (mounting
needs root: the test is skipped elsewhere). With too little room for the
skill copy and the first event there is no run folder at all and the run
id can be used again; with room for those but not for the whole run, the
folder verifies as far as it got and a resume finishes it once there is room.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from runner_fixtures import ANSWERS, make_db, probe_skill, trade

REPO = Path(__file__).resolve().parent.parent
SOPC = [sys.executable, "-m", "compiler"]
ENV = {**os.environ, "PYTHONPATH": str(REPO), "SOPC_USER": "sam"}
PAGE = 4096


@pytest.fixture()
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "skills" / "probe-self-trading").mkdir(parents=True)
    (tmp_path / "skills" / "probe-self-trading" / "skill.json").write_text(json.dumps(probe_skill()))
    make_db(tmp_path / "ring.duckdb", {"trades": [trade(1, "A1", "A1", 30000.0)]})
    (tmp_path / "answers.json").write_text(json.dumps(ANSWERS))
    return tmp_path


def fill(disk: Path, leave_pages: int) -> Path:
    """Fill the disk but for so many pages; the filler file, to delete to make room."""
    stat = os.statvfs(disk)
    filler = disk / "filler"
    filler.write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - leave_pages * PAGE))
    return filler


def sopc(project: Path, disk: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SOPC, "run", "probe-self-trading", "--db", str(project / "ring.duckdb"), "--skills",
                           str(project / "skills"), "-i", "account_id=A1", "--answers", str(project / "answers.json"),
                           "--out", str(disk / "runs"), "--run-id", "r1", "--no-prompt", *extra],
                          capture_output=True, text=True, env=ENV, timeout=120)


@pytest.mark.parametrize("pages", [0, 2, 3])
def test_no_room_for_the_run_folder_leaves_nothing(disk: Path, project: Path, pages: int) -> None:
    filler = fill(disk, pages)
    done = sopc(project, disk)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "No space left on device" in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (disk / "runs").exists() or list((disk / "runs").iterdir()) == []
    filler.unlink()
    again = sopc(project, disk)  # the run id was not taken
    assert again.returncode == 0 and "completed" in again.stdout, again.stdout + again.stderr


@pytest.mark.parametrize("pages", [4, 6])
def test_a_disk_that_fills_during_the_run_stops_it_in_one_line_and_a_resume_finishes_it(
        disk: Path, project: Path, pages: int) -> None:
    filler = fill(disk, pages)
    done = sopc(project, disk)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "No space left on device" in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    folder = disk / "runs" / "r1"
    assert (folder / "skill.json").is_file() and (folder / "events.jsonl").stat().st_size > 0
    verified = subprocess.run([*SOPC, "verify", str(folder)], capture_output=True, text=True, env=ENV, timeout=60)
    assert verified.returncode == 1 and "Traceback" not in verified.stderr and "record:" in verified.stdout
    filler.unlink()
    resumed = subprocess.run([*SOPC, "run", "--resume", str(folder), "--answers", str(project / "answers.json"),
                              "--db", str(project / "ring.duckdb"), "--no-prompt"],
                             capture_output=True, text=True, env=ENV, timeout=120)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    verified = subprocess.run([*SOPC, "verify", str(folder)], capture_output=True, text=True, env=ENV, timeout=60)
    assert verified.returncode == 0, verified.stdout
