"""The MkDocs project around the generated pages: copying the hand-written part, building the HTML.

Used by the tests, the benchmark and anyone who wants a site outside the
repository: `copy_skeleton` copies site/mkdocs.yml and the hand-written pages
(everything but the generated folders and the HTML), `build_html` runs the
venv's MkDocs on it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from compiler.sitegen import FOLDERS

SITE_DIR = "site"
"""The HTML output folder inside the MkDocs project (site_dir in mkdocs.yml)."""


def repo_site() -> Path:
    """site/ of the source checkout the package runs from."""
    return Path(__file__).resolve().parent.parent.parent / "site"


def copy_skeleton(source: Path, target: Path) -> Path:
    """Copy the MkDocs project without generated pages, search dictionaries or HTML; returns target/mkdocs.yml.

    The Chinese site's configuration (mkdocs.zh.yml, docs-zh/) comes along; its stylesheets are copied
    as files (they are links to the English ones in the repository).
    """
    generated = {*FOLDERS}

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder)
        skip = {n for n in names if n.startswith(".")}
        if here == source:
            skip |= {SITE_DIR} & set(names)
            skip |= {n for n in names if n.startswith("search-dict.")}
        if here in (source / "docs", source / "docs-zh"):
            skip |= generated & set(names)
        return skip

    shutil.copytree(source, target, ignore=ignore, dirs_exist_ok=True)
    return target / "mkdocs.yml"


def build_html(config: Path, *, strict: bool = True, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """Run `mkdocs build` on a project (output in <project>/site/); the result carries the log."""
    # Not --quiet: it silences warnings before --strict can count them, and the build passes with them.
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(config)]
    command.append("--strict" if strict else "--no-strict")
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, cwd=config.parent)
