"""What `sopc init` puts in a new project folder, so that its first `sopc build` and `sopc serve` work.

A project is a folder holding sops/ (the library), skills/ (what a build
compiles) and site/ (the runbook site). The site's configuration and its
hand-written pages ship inside the package (`compiler.site`, mapped to this
repository's site/), as do the schemas that the editor line of every SOP
file points to (`# yaml-language-server: $schema=../../schema/sop.schema.json`).
"""

from __future__ import annotations

from pathlib import Path

from compiler.files import write_atomic
from compiler.resources import schema_text, site_template

SITE_FILES = (
    "mkdocs.yml",
    "mkdocs.zh.yml",
    "docs/index.md",
    "docs/writing-an-sop.md",
    "docs/connecting-an-agent.md",
    "docs/javascripts/runbook.js",
    "docs/stylesheets/extra.css",
    "docs/stylesheets/print.css",
    "docs-zh/index.md",
    "docs-zh/javascripts/runbook.js",
    "docs-zh/stylesheets/extra.css",
    "docs-zh/stylesheets/print.css",
)
"""The site's own files (under site/); `sopc build` writes the rest. pyproject.toml ships the same list."""

EDITOR_SCHEMAS = ("sop.schema.json", "translation.schema.json", "glossary.schema.json")
"""The schemas SOP, translation and glossary files name on their first line, for editor completion."""


def _gitignore() -> str:
    """What a project's .gitignore names: what a build, a preview or a run writes again, from the names those use."""
    from compiler.build import DOCS, SEARCH_DICT
    from compiler.results_cache import FOLDER as CACHE
    from compiler.sitegen import FOLDERS
    from compiler.sitegen.project import SITE_DIR

    generated = [f"site/{docs}/{folder}/" for docs in DOCS.values() for folder in FOLDERS]
    lines = [f"{CACHE}/", ".sopc-build.lock", f"site/{SITE_DIR}/", *generated, f"site/{SEARCH_DICT.format(lang='*')}",
             "runs/", "*.key"]
    return "# Written by sopc: what a build, a preview or a run makes again.\n" + "".join(f"{line}\n" for line in lines)


class BrokenInstall(Exception):
    """A file sopc ships cannot be read: the package is damaged or was built without it."""


def skeleton() -> list[tuple[str, bytes]]:
    """Each file of a new project: its path under the project folder and its bytes."""
    try:
        files = [(f"site/{name}", _site_file(name)) for name in SITE_FILES]
    except OSError as err:
        raise BrokenInstall(f"sopc's own copy of site/{err.filename or ''} cannot be read "
                            f"({err.strerror or err}): reinstall sopc") from err
    files += [(f"schema/{name}", schema_text(name).encode("utf-8")) for name in EDITOR_SCHEMAS]
    files.append((".gitignore", _gitignore().encode("utf-8")))
    return files


def _site_file(name: str) -> bytes:
    node = site_template()
    for part in name.split("/"):  # one part at a time: an installed namespace package joins only one
        node = node.joinpath(part)
    return node.read_bytes()


def init(root: Path) -> tuple[list[str], list[str]]:
    """Write the skeleton into root and make sops/; a file already there is kept as it is, never overwritten.
    Returns the paths written and the paths kept; an OSError (a file where a folder goes) before any is written."""
    written: list[str] = []
    kept: list[str] = []
    files = skeleton()
    for folder in sorted({root / "sops", *((root / name).parent for name, _ in files)}):
        folder.mkdir(parents=True, exist_ok=True)  # first: a file in the way stops init before it writes one
    for name, data in files:
        try:
            write_atomic(root / name, data, exclusive=True)
        except FileExistsError:  # there already (a file, a folder or a link, even a dangling one): it stays
            kept.append(name)
            continue
        written.append(name)
    return written, kept
