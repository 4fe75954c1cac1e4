"""Writing the generated pages: replace site/docs/runbooks/, reference/ and alerts/, each as a whole folder.

Each folder is swapped in whole (`files.replace_tree`: a staging folder
beside it, one atomic exchange), so an interrupted build leaves the old
folder untouched. A page whose bytes did not change is linked into the new
folder rather than written again, so it keeps its modification time and
`mkdocs serve --dirty` rebuilds only the pages that changed. Temporary
folders left by an older sopc (`.sitegen-*`) are removed.

A live preview updates the folders in place instead (`update_site`): a
watcher that follows folders by inode (inotify, as Zensical's does) would
lose sight of a folder swapped in; each page is still replaced whole.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from compiler.files import replace_tree, write_atomic
from compiler.sitegen import FOLDERS

TEMP_PREFIX = ".sitegen-"


def _check(rel: str) -> str:
    """The generated folder a path is in; ValueError for a path outside them."""
    parts = rel.split("/")
    if len(parts) < 2 or parts[0] not in FOLDERS or any(p in ("", ".", "..") for p in parts) or "\\" in rel:
        raise ValueError(f"generated file {rel!r} is not under {' or '.join(f + '/' for f in FOLDERS)}")
    return parts[0]


def write_site(docs_dir: Path, files: Mapping[str, bytes]) -> list[str]:
    """Replace the generated folders of docs_dir (FOLDERS) with exactly `files` (paths relative to docs_dir);
    returns the folders replaced (one already holding exactly its files is not written)."""
    by_folder: dict[str, dict[str, bytes]] = {folder: {} for folder in FOLDERS}
    for rel, data in files.items():
        by_folder[_check(rel)][rel.split("/", 1)[1]] = data
    docs_dir.mkdir(parents=True, exist_ok=True)
    for leftover in docs_dir.glob(f"{TEMP_PREFIX}*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
    return [folder for folder in FOLDERS if replace_tree(docs_dir / folder, by_folder[folder])]


def update_site(docs_dir: Path, files: Mapping[str, bytes], before: Mapping[str, bytes]) -> list[str]:
    """Bring the generated folders from `before` (what was written there last) to `files`, in place.

    Each changed file is replaced atomically (`write_atomic`) and each file no longer generated is removed,
    with the folders it leaves empty; the rest is not touched. Returns the paths written or removed, sorted.
    """
    for rel in files:
        _check(rel)
    changed = [rel for rel, data in sorted(files.items()) if before.get(rel) != data]
    for rel in changed:
        write_atomic(docs_dir / rel, files[rel])
    gone = sorted(set(before) - set(files))
    for rel in gone:
        path = docs_dir / _check(rel) / rel.split("/", 1)[1]
        path.unlink(missing_ok=True)
        for folder in path.parents:
            if folder == docs_dir or folder.parent == docs_dir or any(folder.iterdir()):
                break
            folder.rmdir()
    return sorted(changed + gone)
