"""The compiled-skill cache (`.sopc-cache/skills/`): what compiling one SOP produced, kept until an input changes.

An entry is named by a hash of everything the SOP's compiled files depend on:
sopc's code fingerprint (`results_cache.fingerprint`), the versions of
Python and of the parsers whose output lands in a skill (sqlglot for the
Spark text and the query analysis, PyYAML for the data), the SOP file's
path and bytes, and the path and bytes (or absence) of every SOP it
includes, transitively, with the translation files of each of them. It holds the SOP's files in skills/<id>/,
the digests the version lock compares and its row of skills/index.json. The
lock check runs on every build. As in the results cache, an entry that does
not parse, has the wrong shape or was written for another key is a miss, and
the SOP is compiled again; deleting the folder costs one slower build.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePath
from typing import Any

from compiler import results_cache
from compiler.i18n.prose import translation_file

FOLDER = "skills"
"""The entries' folder inside the results cache's folder."""
FORMAT = 1
"""Layout of an entry; part of every key."""
LIBRARIES = (("sqlglot", "_version.py"), ("yaml", "__init__.py"))
"""Third-party packages whose output a skill holds, and the file of each that names its version."""
_ROW: dict[str, type | tuple[type, ...]] = {"id": str, "version": str, "status": str, "digest": str, "title": str, "severity": str, "domain": str,
        "triggers": list, "superseded_by": (str, type(None)), "path": str, "skill": str, "skill_md": str}
"""The fields of an index row and their types (an entry with others is not trusted)."""


@dataclass(frozen=True, slots=True)
class Source:
    """One SOP file as the keys see it."""

    path: str
    raw: bytes
    id: str
    status: str
    includes: tuple[str, ...]
    """The ids its include steps name."""


@dataclass(frozen=True, slots=True)
class Skill:
    """What a build keeps of one compiled SOP."""

    own: dict[str, bytes]
    """Its files in skills/<id>/ by name."""
    sums: dict[str, str]
    """The digests the version lock records (compiler.skill.digest)."""
    row: dict[str, Any]
    """Its entry in skills/index.json."""


def folder(cache_folder: Path) -> Path:
    """The skill entries' folder of a results cache folder."""
    return cache_folder / FOLDER


@cache
def _libraries() -> str:
    """The version files of LIBRARIES (found without importing them: a build whose skills all hit loads neither)."""
    digest = hashlib.sha256()
    for package, name in LIBRARIES:
        spec = importlib.util.find_spec(package)
        origin = spec.origin if spec is not None else None
        digest.update(package.encode() + b"\0")
        try:
            digest.update(Path(origin).with_name(name).read_bytes() if origin else b"absent")
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


def keys(sources: Sequence[Source], side: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    """The key of every SOP file by path (side: the translation files and the glossary, as read)."""
    library = {source.id: source for source in sources}  # the last file of an id wins, as compile_library's does
    translations: dict[str, list[tuple[str, bytes]]] = {}
    for path, raw in side:
        if (named := translation_file(PurePath(path).name)) is not None:
            translations.setdefault(named[0], []).append((path, raw))
    base = hashlib.sha256(f"sopc-skill {FORMAT} {results_cache.fingerprint()} {_libraries()} {sys.version}".encode())
    found: dict[str, str] = {}
    for source in sources:
        digest = base.copy()
        _file(digest, "sop", source.path, source.raw)
        for sop_id in closure(source, library):
            target = library.get(sop_id)
            digest.update(b"include\0" + sop_id.encode("utf-8", "surrogateescape") + b"\0")
            if target is None:
                digest.update(b"absent\0")
            else:
                _file(digest, "file", target.path, target.raw)
            for path, raw in translations.get(sop_id, []):
                _file(digest, "translation", path, raw)
        found[source.path] = digest.hexdigest()
    return found


def _file(digest: Any, what: str, path: str, raw: bytes) -> None:
    digest.update(f"{what}\0".encode())
    digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(len(raw).to_bytes(8, "big") + raw)


def closure(source: Source, library: Mapping[str, Source]) -> list[str]:
    """The SOP's id and every id its includes reach, sorted."""
    seen = {source.id}
    todo = [source]
    while todo:
        for sop_id in todo.pop().includes:
            if sop_id not in seen:
                seen.add(sop_id)
                if (target := library.get(sop_id)) is not None:
                    todo.append(target)
    return sorted(seen)


def read(cache_folder: Path, name: str, sop_id: str) -> Skill | None:
    """The entry for this key (of the SOP sop_id), or None when there is none or it cannot be trusted."""
    try:
        return _decode(results_cache.load(folder(cache_folder), name), sop_id)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError, results_cache.Corrupt):
        return None


def write(cache_folder: Path, name: str, skill: Skill) -> None:
    """Store one SOP's entry (a cache that cannot be written is no error, nor a file that is not UTF-8 text,
    which no skill has: that SOP is then compiled on every build)."""
    try:
        own = {file: data.decode("utf-8") for file, data in skill.own.items()}
    except UnicodeDecodeError:
        return
    results_cache.store(folder(cache_folder), name, {"own": own, "sums": skill.sums, "row": skill.row})


def _file_name(name: str) -> bool:
    """A name a skill's file can have: SKILL.md and the like, or queries/<step>.sql."""
    parts = name.split("/")
    return (len(parts) == 1 or (len(parts) == 2 and parts[0] == "queries")) and "\\" not in name \
        and all(part not in ("", ".", "..") for part in parts)


def _texts(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise results_cache.Corrupt
    return value


def _decode(payload: dict[str, Any], sop_id: str) -> Skill:
    own = {file: text.encode("utf-8") for file, text in _texts(payload["own"]).items()}
    row = payload["row"]
    if not isinstance(row, dict) or list(row) != list(_ROW) \
            or not all(isinstance(row[field], kind) for field, kind in _ROW.items()) \
            or not all(isinstance(t, str) for t in row["triggers"]) or row["id"] != sop_id:
        raise results_cache.Corrupt
    if not {"skill.json", "SKILL.md", "tools.json"} <= set(own) or not all(map(_file_name, own)):
        raise results_cache.Corrupt
    return Skill(own, _texts(payload["sums"]), row)
