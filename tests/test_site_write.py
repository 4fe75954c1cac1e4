"""write_site: the two generated folders are replaced whole, and an interrupted write leaves the old ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.sitegen.write import write_site


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_replaces_both_folders_and_keeps_hand_written_pages(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "stylesheets").mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n")
    (docs / "stylesheets" / "extra.css").write_text("a{}\n")
    write_site(docs, {"runbooks/a/x.md": b"x\n", "runbooks/gone.md": b"old\n", "reference/f.md": b"f\n"})
    write_site(docs, {"runbooks/a/y.md": b"y\n", "runbooks/a/y/skill.json": b"{}", "reference/f.md": b"g\n"})
    assert tree(docs) == {
        "index.md": b"# Home\n",
        "stylesheets/extra.css": b"a{}\n",
        "runbooks/a/y.md": b"y\n",
        "runbooks/a/y/skill.json": b"{}",
        "reference/f.md": b"g\n",
    }
    assert not list(docs.glob(".sitegen-*"))


def test_empty_output_still_leaves_both_folders(tmp_path: Path) -> None:
    write_site(tmp_path, {})
    assert (tmp_path / "runbooks").is_dir() and (tmp_path / "reference").is_dir()


@pytest.mark.parametrize("bad", ["index.md", "runbooks", "other/x.md", "runbooks/../index.md", "/runbooks/x.md",
                                 "runbooks//x.md", "runbooks\\x.md"])
def test_refuses_paths_outside_the_generated_folders(tmp_path: Path, bad: str) -> None:
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "keep.md").write_text("keep\n")
    with pytest.raises(ValueError):
        write_site(tmp_path, {bad: b"x"})
    assert tree(tmp_path) == {"runbooks/keep.md": b"keep\n"}


def test_interrupted_write_leaves_the_old_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_site(tmp_path, {"runbooks/a.md": b"old\n", "reference/r.md": b"old\n"})
    before = tree(tmp_path)
    calls = 0
    original = Path.write_bytes

    def failing(self: Path, data: bytes) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-build
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(KeyboardInterrupt):
        write_site(tmp_path, {f"runbooks/n{i}.md": b"new\n" for i in range(5)})
    assert tree(tmp_path) == before
    assert not list(tmp_path.glob(".sitegen-*"))


def test_leftover_temporary_folder_is_cleaned(tmp_path: Path) -> None:
    (tmp_path / ".sitegen-dead" / "new" / "runbooks").mkdir(parents=True)
    write_site(tmp_path, {"runbooks/a.md": b"a\n"})
    assert not (tmp_path / ".sitegen-dead").exists()


def test_update_in_place_writes_what_changed_and_removes_what_is_gone(tmp_path: Path) -> None:
    """The live preview's write: folders stay the same folders (a watcher following them by inode keeps them)."""
    from compiler.sitegen.write import update_site

    before = {"runbooks/a/x.md": b"x\n", "runbooks/a/x/skill.json": b"{}", "runbooks/b/y.md": b"y\n",
              "reference/f.md": b"f\n", "alerts/p.md": b"p\n"}
    write_site(tmp_path, before)
    folders = {f: (tmp_path / f).stat().st_ino for f in ("runbooks", "reference", "alerts")}
    kept = (tmp_path / "runbooks/b/y.md").stat()
    after = {"runbooks/a/x.md": b"x2\n", "runbooks/b/y.md": b"y\n", "runbooks/c/z.md": b"z\n", "reference/f.md": b"f\n",
             "alerts/q.md": b"q\n"}
    assert update_site(tmp_path, after, before) == ["alerts/p.md", "alerts/q.md", "runbooks/a/x.md",
                                                    "runbooks/a/x/skill.json", "runbooks/c/z.md"]
    assert tree(tmp_path) == after
    assert {f: (tmp_path / f).stat().st_ino for f in folders} == folders
    assert (tmp_path / "runbooks/b/y.md").stat().st_mtime_ns == kept.st_mtime_ns
    assert not (tmp_path / "runbooks/a/x").exists()  # emptied, removed
    assert (tmp_path / "alerts").is_dir()  # the generated folders stay, even empty
    with pytest.raises(ValueError):
        update_site(tmp_path, {"../escape.md": b"x"}, after)
