"""Compile a checked library into the files of skills/ (values in, bytes out; each SOP's from the compiled-skill
cache when it is there)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.skill import SKILL_FORMAT
from compiler.skill import cache as skill_cache
from compiler.skill.cache import Skill
from compiler.skill.versions import VersionProblem, check_versions, lock_entry

if TYPE_CHECKING:
    from compiler.check import Checked
    from compiler.document import Document
    from compiler.i18n.translation import Translation
    from compiler.model import Sop

INDEX = "index.json"
LOCK = "lock.json"


def dump_json(data: Any) -> bytes:
    """Deterministic JSON: two-space indent, UTF-8, LF, trailing newline.

    The text of json.dumps(data, indent=2, ensure_ascii=False), written without its indenting encoder (pure
    Python, a generator per container); a value of another type than JSON's own is left to json.dumps.
    """
    out: list[str] = []
    try:
        _indented(data, "\n", out)
    except _Unusual:
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    out.append("\n")
    return "".join(out).encode("utf-8")


class _Unusual(Exception):
    """A value dump_json leaves to json.dumps (a key that is no string, a type that is no JSON type)."""


_quoted = encode_basestring  # json's own string encoder for ensure_ascii=False (the C one where there is one)


def _indented(value: Any, newline: str, out: list[str]) -> None:
    """Append value's JSON, indented two spaces a level; newline: a line break and the current indent."""
    kind = type(value)
    if kind is str:
        out.append(_quoted(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            out.append(separator + _quoted(key) + ": ")
            separator = "," + inner
            _indented(item, inner, out)
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            separator = "," + inner
            _indented(item, inner, out)
        out.append(newline + "]")
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float and math.isfinite(value):
        out.append(float.__repr__(value))
    else:
        raise _Unusual  # NaN, infinities and other types: json.dumps says what it does with them


@dataclass(frozen=True, slots=True)
class Compiled:
    """The skills/ tree a build would write, and why it may not."""

    files: dict[str, bytes]
    """Path relative to skills/ -> content."""
    per_skill: dict[str, dict[str, bytes]]
    """SOP id -> its files by name (for the site to link and copy)."""
    problems: tuple[VersionProblem, ...]
    """Version bumps missing or wrong; nothing is written when there are any."""


def compile_library(checked: Checked, lock: Mapping[str, Any], *, cache: Path | None = None,
                    keys: Mapping[str, str] | None = None) -> Compiled:
    """Every non-draft SOP as a skill folder, plus the index and the lock.

    With cache (a results cache folder) and keys (each SOP file's key, `compiler.skill.cache.keys`), an SOP
    whose entry is there is not compiled again, and the SOPs compiled are stored.
    """
    library = {s.id: s for s in checked.sops}
    documents = {s.id: d for s, d in zip(checked.sops, checked.documents, strict=True)}
    by_sop: dict[str, list[Translation]] = {}
    for translation in checked.translations:
        by_sop.setdefault(translation.sop_id, []).append(translation)
    published = sorted((s for s in checked.sops if s.status != "draft"), key=lambda s: s.id)
    wanted = [(sop.id, keys.get(sop.path) if keys is not None else None) for sop in published]
    skills = cached_or_compiled(wanted, cache, lambda ids: compile_many(ids, (library, documents, by_sop)))
    assert skills is not None  # compile_many compiles every SOP it is given
    return assemble([(sop.path, sop.version, skill) for sop, skill in zip(published, skills, strict=True)], lock)


def cached_or_compiled(wanted: Sequence[tuple[str, str | None]], cache: Path | None,
                       compile: Callable[[list[str]], list[Skill] | None]) -> list[Skill] | None:
    """The skill of each wanted SOP (its id and its key in the compiled-skill cache, if it has one): from the
    cache where the entry is there, the others compiled together by compile and stored. None when compile
    gives None (an SOP it needs does not load)."""
    found = [skill_cache.read(cache, name, sop_id) if cache is not None and name is not None else None
             for sop_id, name in wanted]
    missed = [index for index, skill in enumerate(found) if skill is None]
    made = compile([wanted[index][0] for index in missed]) if missed else []
    if made is None:
        return None
    for index, skill in zip(missed, made, strict=True):
        found[index] = skill
        if cache is not None and (name := wanted[index][1]) is not None:
            skill_cache.write(cache, name, skill)
    return [skill for skill in found if skill is not None]


POOL_SKILLS = 24
"""Skills to compile before forked workers pay for themselves."""
Library = tuple[Mapping[str, "Sop"], Mapping[str, "Document"], Mapping[str, Sequence["Translation"]]]
"""SOPs and their documents by id, and each SOP's translations: what compile_one reads besides the SOP."""
_shared: Library | None = None
"""The library the forked workers compile from: set before they fork, so each inherits it, never pickled."""


def compile_many(ids: list[str], shared: Library) -> list[Skill]:
    """The skills of these SOPs, compiled by forked workers on every core when there are enough of them (and
    this process may fork: see compiler.workers), else here."""
    from compiler.workers import cores, forkable, pool

    global _shared
    workers = min(cores(), len(ids) // (POOL_SKILLS // 2) or 1)
    _shared = shared
    try:
        if workers < 2 or len(ids) < POOL_SKILLS or not forkable():
            return [_compile_shared(sop_id) for sop_id in ids]
        import compiler.skill.compile  # noqa: F401  (loaded before the fork: every worker inherits it)

        with pool(workers) as running:
            return list(running.map(_compile_shared, ids, chunksize=max(1, min(4, len(ids) // (workers * 8)))))
    finally:
        _shared = None


def _compile_shared(sop_id: str) -> Skill:
    """One SOP of the shared library compiled (in a worker, or here)."""
    assert _shared is not None
    library, documents, by_sop = _shared
    return compile_one(library[sop_id], documents[sop_id], library, documents, by_sop)


def compile_one(sop: Sop, doc: Document, library: Mapping[str, Sop], documents: Mapping[str, Document],
                by_sop: Mapping[str, Sequence[Translation]]) -> Skill:
    """One SOP's files in skills/<id>/, its digests and its index row."""
    from compiler.skill.compile import compile_skill  # the compilers (and sqlglot) load only when one is needed
    from compiler.skill.digest import digests, engine_digests
    from compiler.skill.markdown import render_skill_md
    from compiler.skill.tools import tools
    from compiler.skill.translated import add_translations

    skill = compile_skill(sop, doc, library, documents, by_sop)
    tool_defs = tools(sop)
    names = [t["name"] for t in tool_defs]
    translated = add_translations(skill, doc, library, by_sop.get(sop.id, []), names, documents, by_sop)
    own: dict[str, bytes] = {
        "skill.json": dump_json(skill),
        "SKILL.md": render_skill_md(skill, names).encode("utf-8"),
        "tools.json": dump_json(tool_defs),
        **translated,
    }
    for step in skill["steps"]:
        for sql in (step["sql"], step["sql"].get("spark")) if "sql" in step else ():
            if sql is not None:
                own[sql["file"]] = (sql["text"].rstrip("\n") + "\n").encode("utf-8")
    sums = {**digests(doc.data), **engine_digests(skill)}
    row = {
        "id": sop.id, "version": sop.version, "status": sop.status, "digest": skill["digest"],
        "title": sop.title, "severity": sop.severity, "domain": sop.domain,
        "triggers": [t.alert for t in sop.triggers], "superseded_by": sop.superseded_by or None,
        "path": f"{sop.id}/", "skill": f"{sop.id}/skill.json", "skill_md": f"{sop.id}/SKILL.md",
    }
    return Skill(own, sums, row)


def assemble(skills: Sequence[tuple[str, str, Skill]], lock: Mapping[str, Any]) -> Compiled:
    """The skills/ tree of the compiled SOPs, given as (path, version, skill) in the order of their ids, with the
    index and the new lock; the versions checked against the old lock."""
    files: dict[str, bytes] = {}
    per_skill: dict[str, dict[str, bytes]] = {}
    index: list[dict[str, Any]] = []
    current: dict[str, tuple[str, str, Mapping[str, str]]] = {}
    new_lock: dict[str, Any] = {}
    for path, version, skill in skills:
        sop_id = skill.row["id"]
        per_skill[sop_id] = skill.own
        files.update({f"{sop_id}/{name}": data for name, data in skill.own.items()})
        current[sop_id] = (path, version, skill.sums)
        new_lock[sop_id] = lock_entry(version, skill.sums)
        index.append(skill.row)
    files[INDEX] = dump_json({"skill_format": SKILL_FORMAT, "skills": index})
    files[LOCK] = dump_json({"comment": "Version lock written by sopc build; do not edit.", "sops": new_lock})
    return Compiled(files, per_skill, tuple(check_versions(lock, current)))


def read_lock(text: str | None) -> dict[str, Any]:
    """The 'sops' table of an existing lock file ({} when absent or unreadable)."""
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    sops = data.get("sops") if isinstance(data, dict) else None
    return sops if isinstance(sops, dict) else {}
