"""Writing the generated pages: replace site/docs/runbooks/, reference/ and alerts/, each as a whole folder.

Each folder is swapped in whole (`files.replace_tree`: a staging folder
beside it, one atomic exchange), so an interrupted build leaves the old
folder untouched. A page whose bytes did not change is linked into the new
folder rather than written again, so it keeps its modification time and
`mkdocs serve --dirty` rebuilds only the pages that changed. Temporary
folders left by an older sopc (`.sitegen-*`) are removed.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from compiler.files import replace_tree
from compiler.sitegen import FOLDERS

TEMP_PREFIX = ".sitegen-"


def _check(rel: str) -> str:
    """The generated folder a path is in; ValueError for a path outside them."""
    parts = rel.split("/")
    if len(parts) < 2 or parts[0] not in FOLDERS or any(p in ("", ".", "..") for p in parts) or "\\" in rel:
        raise ValueError(f"generated file {rel!r} is not under {' or '.join(f + '/' for f in FOLDERS)}")
    return parts[0]


def write_site(docs_dir: Path, files: Mapping[str, bytes]) -> None:
    """Replace the generated folders of docs_dir (FOLDERS) with exactly `files` (paths relative to docs_dir)."""
    by_folder: dict[str, dict[str, bytes]] = {folder: {} for folder in FOLDERS}
    for rel, data in files.items():
        by_folder[_check(rel)][rel.split("/", 1)[1]] = data
    docs_dir.mkdir(parents=True, exist_ok=True)
    for leftover in docs_dir.glob(f"{TEMP_PREFIX}*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
    for folder in FOLDERS:
        replace_tree(docs_dir / folder, by_folder[folder])
