"""Writing the generated pages: replace site/docs/runbooks/, reference/ and alerts/ as whole folders.

The new folders are built in a temporary folder beside them (same file
system), then swapped in with renames. An interrupted build leaves the old
folders untouched; a leftover temporary folder is removed by the next write.
Between the two renames of one folder there is an instant without it; the
MkDocs live-reload watcher may see that and rebuild once more, which is
harmless.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from compiler.sitegen import FOLDERS

TEMP_PREFIX = ".sitegen-"


def _target(root: Path, rel: str) -> Path:
    parts = rel.split("/")
    if len(parts) < 2 or parts[0] not in FOLDERS or any(p in ("", ".", "..") for p in parts) or "\\" in rel:
        raise ValueError(f"generated file {rel!r} is not under {' or '.join(f + '/' for f in FOLDERS)}")
    return root.joinpath(*parts)


def _clean_leftovers(docs_dir: Path) -> None:
    for leftover in docs_dir.glob(f"{TEMP_PREFIX}*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


def write_site(docs_dir: Path, files: Mapping[str, bytes]) -> None:
    """Replace the generated folders of docs_dir (FOLDERS) with exactly `files` (paths relative to docs_dir)."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(docs_dir)
    staging = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=docs_dir))
    try:
        new = staging / "new"
        for folder in FOLDERS:
            (new / folder).mkdir(parents=True)
        for rel, data in sorted(files.items()):
            path = _target(new, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        old = staging / "old"
        old.mkdir()
        for folder in FOLDERS:
            current = docs_dir / folder
            if current.exists():
                os.rename(current, old / folder)
            os.rename(new / folder, current)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
