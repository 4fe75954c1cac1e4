"""Files that ship inside the package: the JSON Schemas, the exchange DDL and the site's own files.

`schema/` at the top of the repository is mapped to the package
`compiler.schema` (see pyproject.toml), so an installed sopc finds them
wherever it runs. Run from a source checkout (the repository on sys.path
before the installed copy), the same files are read from `schema/` beside
the package.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any


@cache
def _schema_dir() -> Traversable:
    try:
        return resources.files("compiler.schema")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "schema"


def schema_folder() -> Traversable:
    """Where the shipped schema files are read from."""
    return _schema_dir()


def schema_text(name: str) -> str:
    """Text of one shipped schema file, e.g. 'sop.schema.json'."""
    return _schema_dir().joinpath(name).read_text(encoding="utf-8")


@cache
def schema_json(name: str) -> dict[str, Any]:
    """A shipped JSON Schema, parsed once."""
    data: dict[str, Any] = json.loads(schema_text(name))
    return data


@cache
def site_template() -> Traversable:
    """The runbook site's configuration and hand-written pages that `sopc init` copies (`compiler.project`):
    the package `compiler.site` when installed, else `site/` beside the package in a source checkout."""
    try:
        return resources.files("compiler.site")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "site"
