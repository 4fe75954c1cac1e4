"""The version lock: a content change must come with a big enough version bump.

skills/lock.json records, for each exported SOP, the version and digests of
its last build. A build compares against it and refuses to go on when the
content changed and the version did not, when a version goes backwards, or
when the bump is smaller than the change needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import Diagnostic, make
from compiler.document import Document
from compiler.lint.lifecycle import semver
from compiler.skill.digest import Bump, bump_of, bumped, needed_bump

_CHANGE_WORDS = {Bump.MAJOR: "an interface change (inputs or outcomes)", Bump.MINOR: "a logic or threshold change",
                 Bump.PATCH: "a wording change"}


@dataclass(frozen=True, slots=True)
class VersionProblem:
    """One SOP whose version does not fit its change."""

    sop: str
    path: str
    message: str
    hint: str = ""
    """The version to set, and the changelog entry it needs."""


def lock_entry(version: str, digests: Mapping[str, str]) -> dict[str, str]:
    """What the lock records for one SOP."""
    return {"version": version, **digests}


def check_versions(lock: Mapping[str, Any], current: Mapping[str, tuple[str, str, Mapping[str, str]]]
                   ) -> list[VersionProblem]:
    """Compare each SOP (id -> (path, version, digests)) with its locked entry."""
    problems: list[VersionProblem] = []
    for sop_id, (path, version, new) in sorted(current.items()):
        old = lock.get(sop_id)
        if not isinstance(old, dict):
            continue
        old_v, new_v = semver(str(old.get("version", ""))), semver(version)
        if old_v is None or new_v is None:
            continue
        need = needed_bump(old, new)
        what = _CHANGE_WORDS.get(need, "")
        if new_v < old_v:
            problems.append(VersionProblem(
                sop_id, path, f"version goes backwards: skills/lock.json has {old['version']}, the file {version}",
                f'set version: "{bumped(old_v, max(need, Bump.PATCH))}" or later, with a changelog entry for it'))
        elif need is not Bump.NONE and new_v == old_v:
            problems.append(VersionProblem(
                sop_id, path,
                f"content changed without a version bump: {what} (digest {old.get('digest', '?')[:19]}… -> "
                f"{new['digest'][:19]}…)",
                f'bump it: version: "{bumped(old_v, need)}", with a changelog entry for it'))
        elif need is not Bump.NONE and bump_of(old_v, new_v) < need:
            problems.append(VersionProblem(
                sop_id, path, f"{what} needs at least a {need.name.lower()} bump from {old['version']}, not {version}",
                f'bump it: version: "{bumped(old_v, need)}", with a changelog entry for it'))
    return problems


def version_diagnostics(problems: Sequence[VersionProblem], documents: Sequence[Document]) -> list[Diagnostic]:
    """The problems as diagnostics (SOP609) located at each file's version."""
    where = {doc.path: doc for doc in documents}
    return [make(p.path, where[p.path].source.value("/version") if p.path in where else (1, 1), "SOP609",
                 f"{p.sop}: {p.message}", "/version", p.hint) for p in problems]
