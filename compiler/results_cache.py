"""The results cache (`.sopc-cache/`): what checking one file found, kept until anything it depends on changes.

An entry is named by a hash of everything a file's own checks depend on:
its path and bytes, sopc's version and source, the schemas and the
canonical catalog (schema/exchange.sql). It holds the file's diagnostics
and the summary the library checks need (`LibraryEntry`); the review date is
kept as written and compared with today on every run, and the library checks
always run. Nothing here trusts the folder: an entry that does not parse,
has the wrong shape or was written for another key is a miss, and the file is
checked again. Deleting the folder costs one slower run. Light to import: no
parser or validator is loaded when every file hits.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from compiler.diagnostics import Diagnostic, Severity
from compiler.document import Position
from compiler.lint.library import IncludeStep, LibraryEntry, Read
from compiler.resources import schema_folder

FOLDER = ".sopc-cache"
ENVIRONMENT = "SOPC_CACHE"
"""Names another folder for the cache (tests give each run its own)."""
FORMAT = 1
"""Layout of an entry; part of every key."""


@dataclass(frozen=True, slots=True)
class FileResult:
    """What checking one SOP file on its own found."""

    diagnostics: tuple[Diagnostic, ...]
    """Every problem but the review date and the library rules, not yet folded under their causes."""
    entry: LibraryEntry | None = None
    """What the library checks need; None when the file did not load."""
    review: tuple[str, Position] | None = None
    """review_by as written and where, compared with today on every run."""


class Corrupt(Exception):
    """An entry that is not what this version writes."""


def folder(project: Path) -> Path:
    """The cache of a project: project/.sopc-cache, or the folder $SOPC_CACHE names."""
    return Path(os.environ.get(ENVIRONMENT) or project / FOLDER)


@cache
def fingerprint() -> str:
    """sopc's source and the shipped schemas and catalog: a new one makes every entry a miss. (Its version number
    is left out: what a check finds follows from the source, and reading the version costs importlib.metadata.)"""
    digest = hashlib.sha256(f"sopc-cache {FORMAT}".encode())
    package = Path(__file__).resolve().parent
    schemas = Path(str(schema_folder()))
    for path in sorted([*package.rglob("*.py"), *schemas.glob("*.json"), *schemas.glob("*.sql")]):
        digest.update(str(path.relative_to(path.parents[1])).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key(path: str, raw: bytes) -> str:
    """The name of one file's entry."""
    digest = hashlib.sha256(fingerprint().encode())
    digest.update(path.encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(raw)
    return digest.hexdigest()


def combined_key(keys: list[str]) -> str:
    """The name of an entry that depends on several files (the translations on every file given)."""
    return hashlib.sha256(" ".join(["combined", *keys]).encode()).hexdigest()


def _entry_path(folder: Path, name: str) -> Path:
    return folder / name[:2] / f"{name}.json"


def read(folder: Path, name: str, path: str) -> FileResult | None:
    """The entry for this key, or None when there is none or it cannot be trusted."""
    try:
        return decode(load(folder, name), path)
    except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError, Corrupt):
        return None


def read_diagnostics(folder: Path, name: str) -> tuple[Diagnostic, ...] | None:
    """Diagnostics of several files kept under one key (see `combined_key`), or None."""
    try:
        payload = load(folder, name)
        return tuple(_diagnostic(_str(d[0]), d[1:]) for d in _list(payload["located"]))
    except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError, Corrupt):
        return None


def write(folder: Path, name: str, result: FileResult) -> None:
    """Store one file's entry."""
    store(folder, name, encode(result))


def write_diagnostics(folder: Path, name: str, diagnostics: list[Diagnostic]) -> None:
    """Store the diagnostics of several files under one key."""
    store(folder, name, {"located": [[d.path, *_row(d)] for d in diagnostics]})


def load(folder: Path, name: str) -> dict[str, Any]:
    """The JSON data of the entry for this key; Corrupt, OSError or ValueError when there is none or it was
    written for another key."""
    payload = json.loads(_entry_path(folder, name).read_bytes())
    if not isinstance(payload, dict) or payload.get("key") != name:
        raise Corrupt
    return payload


def store(folder: Path, name: str, payload: dict[str, Any]) -> None:
    """Write an entry atomically (a reader sees the old file, the new one or none); a cache that cannot be
    written is no error."""
    target = _entry_path(folder, name)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{name}.", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(json.dumps({"key": name, **payload}, ensure_ascii=False).encode("utf-8"))
        os.replace(temp, target)
    except OSError:
        return


def _row(d: Diagnostic) -> list[Any]:
    return [d.line, d.col, d.code, d.message, d.pointer, d.hint, d.severity.value, d.note]


# -- (de)serialisation: every field checked, nothing taken on trust ------------------------------------------------

def encode(result: FileResult) -> dict[str, Any]:
    """A FileResult as JSON data (paths left out: the key holds the path)."""
    entry = result.entry
    return {
        "diagnostics": [_row(d) for d in result.diagnostics],
        "review": None if result.review is None else [result.review[0], *result.review[1]],
        "entry": None if entry is None else {
            "id": entry.id, "domain": entry.domain, "status": entry.status, "superseded_by": entry.superseded_by,
            "inputs": [list(i) for i in entry.inputs], "outcomes": list(entry.outcomes), "steps": list(entry.steps),
            "includes": [[i.pointer, i.id, i.sop, list(i.bindings), [list(o) for o in i.on_outcome], i.approval]
                         for i in entry.includes],
            "reads": [[r.pointer, r.root, r.name] for r in entry.reads],
            "values": {p: list(v) for p, v in entry.values.items()},
            "keys": {p: list(v) for p, v in entry.keys.items()},
        },
    }


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise Corrupt
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Corrupt
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Corrupt
    return value


def _list(value: Any, length: int | None = None) -> list[Any]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise Corrupt
    return value


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(_str(v) for v in _list(value))


def _position(value: Any) -> Position:
    line, col = _list(value, 2)
    return _int(line), _int(col)


def _positions(value: Any) -> dict[str, Position]:
    if not isinstance(value, dict):
        raise Corrupt
    return {_str(p): _position(v) for p, v in value.items()}


def _diagnostic(path: str, value: Any) -> Diagnostic:
    line, col, code, message, pointer, hint, severity, note = _list(value, 8)
    return Diagnostic(path, _int(line), _int(col), _str(code), _str(message), _str(pointer), _str(hint),
                      Severity(_str(severity)), _str(note))  # an unknown code or severity raises ValueError


def _entry(path: str, value: Any) -> LibraryEntry | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Corrupt
    inputs = tuple((_str(n), _bool(r)) for n, r in (_list(i, 2) for i in _list(value["inputs"])))
    includes = tuple(IncludeStep(_str(p), _str(i), _str(s), _strs(b), tuple((_str(n), _str(t)) for n, t in
                                                                           (_list(o, 2) for o in _list(outs))),
                                 _bool(gated))
                     for p, i, s, b, outs, gated in (_list(x, 6) for x in _list(value["includes"])))
    reads = tuple(Read(_str(p), _str(r), _str(n)) for p, r, n in (_list(x, 3) for x in _list(value["reads"])))
    return LibraryEntry(path, _str(value["id"]), _str(value["domain"]), _str(value["status"]),
                        _str(value["superseded_by"]), inputs, _strs(value["outcomes"]), _strs(value["steps"]),
                        includes, reads, _positions(value["values"]), _positions(value["keys"]))


def decode(payload: dict[str, Any], path: str) -> FileResult:
    """The FileResult of one entry's JSON data, for the file at path; Corrupt (or ValueError) when it is not one."""
    review = payload["review"]
    if review is not None:
        text, line, col = _list(review, 3)
        review = (_str(text), (_int(line), _int(col)))
    return FileResult(tuple(_diagnostic(path, d) for d in _list(payload["diagnostics"])),
                      _entry(path, payload["entry"]), review)
