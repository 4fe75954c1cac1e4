"""Builds at the same time: skills/ and the site pages are always a whole old or a whole new tree.

A build swaps its new tree in from a staging folder named after its owner
(pid and start time); it clears only staging folders whose owner is dead,
and never falls back to a non-atomic path when its own staging folder is
gone. `sopc build` also holds a lock on the project for its whole length.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler import files
from compiler.cli import cli
from compiler.files import Busy, owner_tag, replace_tree

REPO = Path(__file__).resolve().parent.parent
OLD = {f"s{n:02d}/skill.json": b"old %d\n" % n for n in range(30)} | {"lock.json": b"old\n"}
NEW = {f"s{n:02d}/skill.json": b"new %d\n" % n for n in range(40)} | {"lock.json": b"new\n"}
WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from compiler.files import replace_tree
    which = sys.argv[2]
    count = 30 if which == "old" else 40
    files = {f"s{n:02d}/skill.json": f"{which} {n}\\n".encode() for n in range(count)} | {"lock.json": f"{which}\\n".encode()}
    replace_tree(Path(sys.argv[1]), files)
""")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_forty_concurrent_pairs_never_lose_the_tree(tmp_path: Path) -> None:
    """40 pairs of writers swapping different trees into one folder at the same moment, without the build lock."""
    target = tmp_path / "skills"
    replace_tree(target, OLD)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for pair in range(40):
        writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(target), which], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for which in ("old", "new")]
        for writer in writers:
            _, err = writer.communicate(timeout=60)
            assert writer.returncode == 0, (pair, err)
        assert tree(target) in (OLD, NEW), f"pair {pair} left a partial or missing tree"
    assert not [p.name for p in tmp_path.iterdir() if p.name != "skills"], "a staging folder was left behind"


def test_a_staging_folder_deleted_before_the_swap_changes_nothing(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The interleaving that lost skills/: another process removes this build's staging folder between
    its writes and its swap. The build stops with one line and the old tree stays, whole."""
    target = tmp_path / "skills"
    replace_tree(target, OLD)
    swap = files._swap

    def swap_after_theft(staging: Path, into: Path) -> None:
        shutil.rmtree(staging)  # what a second build's cleanup did
        swap(staging, into)

    monkeypatch.setattr(files, "_swap", swap_after_theft)
    with pytest.raises(Busy, match="disappeared before the swap"):
        replace_tree(target, NEW)
    assert tree(target) == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["skills"]


def test_only_a_dead_owners_staging_folders_are_cleared(tmp_path: Path) -> None:
    """A living build's staging folder is left alone; a dead one's is removed, and an old tree it had set
    aside (killed between the two renames of the non-atomic path) is put back."""
    target = tmp_path / "skills"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = tmp_path / f".skills.new-{sleeper.pid}.{files._start_time(sleeper.pid)}.abc"
        dead_pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                                  text=True, check=True).stdout.strip()
        dead = tmp_path / f".skills.new-{dead_pid}.1.xyz"
        reused = tmp_path / f".skills.new-{os.getpid()}.1.pid-reused"  # our pid, another start time
        aside = tmp_path / f".skills.old-{dead_pid}.1.qqq"
        for folder in (alive, dead, reused):
            (folder / "x").mkdir(parents=True)
        (aside / "skills").mkdir(parents=True)
        (aside / "skills" / "lock.json").write_bytes(b"old\n")
        files._clear_leftovers(target)
        assert alive.is_dir()
        assert not dead.exists() and not reused.exists() and not aside.exists()
        assert tree(target) == {"lock.json": b"old\n"}
    finally:
        sleeper.kill()
        sleeper.wait()


def test_staging_folders_name_their_owner() -> None:
    pid, started = owner_tag().split(".")
    assert int(pid) == os.getpid() and started.isdigit()


def test_two_sopc_builds_at_once_both_finish_with_whole_trees(tmp_path: Path) -> None:
    """Two real builds, skills and site, started together: the project lock makes the second wait."""
    shutil.copytree(REPO / "sops", tmp_path / "sops")
    shutil.copytree(REPO / "skills", tmp_path / "skills")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "compiler", "build", "--root", str(tmp_path), "--today", "2026-11-22"]
    builds = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    for build in builds:
        _, err = build.communicate(timeout=300)
        assert build.returncode == 0, err
    assert tree(tmp_path / "skills") == tree(REPO / "skills")
    check = CliRunner().invoke(cli, ["build", "--check", "--root", str(tmp_path), "--today", "2026-11-22"])
    assert check.exit_code == 0, check.output
    for folder in ("runbooks", "reference"):
        assert (tmp_path / "site" / "docs" / folder).is_dir()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".skills.")]
    assert not [p.name for p in (tmp_path / "site" / "docs").iterdir() if p.name.startswith(".")]
