"""The version lock: a content change must come with a big enough version bump.

skills/lock.json records, for each exported SOP, the version and digests of
its last build. A build compares against it and refuses to go on when the
content changed and the version did not, when a version goes backwards, or
when the bump is smaller than the change needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
            problems.append(VersionProblem(sop_id, path, f"version goes backwards: {old['version']} -> {version}"))
        elif need is not Bump.NONE and new_v == old_v:
            problems.append(VersionProblem(
                sop_id, path,
                f"content changed without a version bump (digest {old.get('digest', '?')[:19]}… -> "
                f"{new['digest'][:19]}…); {what}: bump version to {bumped(old_v, need)}"))
        elif need is not Bump.NONE and bump_of(old_v, new_v) < need:
            problems.append(VersionProblem(
                sop_id, path,
                f"{what} needs at least a {need.name.lower()} bump: {old['version']} -> {bumped(old_v, need)}, "
                f"not {version}"))
    return problems
