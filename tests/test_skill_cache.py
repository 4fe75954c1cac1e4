"""The compiled-skill cache: a build compiles only the SOPs whose inputs changed, and writes the same bytes."""

from __future__ import annotations

import datetime
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from compiler import check_one, results_cache
from compiler.build import build
from compiler.skill import cache as skill_cache
from compiler.skill import compile as skill_compile
from compiler.skill import library as skill_library

REPO = Path(__file__).resolve().parent.parent
TODAY = datetime.date(2026, 11, 22)
SHARED = "sops/user-risk/linked-account-group.yaml"
"""Included by several SOPs of the library."""
ALONE = "sops/account-security/account-takeover-response.yaml"
"""Included by none."""


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's SOPs, with a cache of its own."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "sops", root / "sops")
    monkeypatch.setenv(results_cache.ENVIRONMENT, str(tmp_path / "cache"))
    return root


class Spy:
    """The SOPs compile_library compiles, the compile_skill calls and the documents loaded from the cache's side."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.compiled: list[str] = []
        self.skills = 0
        self.loaded = 0
        compile_one, compile_skill, load_model = (skill_library.compile_one, skill_compile.compile_skill,
                                                  check_one.load_model)

        def counting_one(sop, *args):  # type: ignore[no-untyped-def]
            self.compiled.append(sop.id)
            return compile_one(sop, *args)

        def counting_skill(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.skills += 1
            return compile_skill(*args, **kwargs)

        def counting_load(*args):  # type: ignore[no-untyped-def]
            self.loaded += 1
            return load_model(*args)

        monkeypatch.setattr(skill_library, "compile_one", counting_one)
        monkeypatch.setattr(skill_compile, "compile_skill", counting_skill)
        monkeypatch.setattr(check_one, "load_model", counting_load)


def run(root: Path, monkeypatch: pytest.MonkeyPatch, *, site: bool = False) -> Spy:
    with monkeypatch.context() as patch:
        spy = Spy(patch)
        result = build(root, TODAY, site=site)
    assert result.checked.ok and not result.problems
    return spy


def fresh(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """skills/ as a build of the same SOPs with an empty cache writes it."""
    other = tmp_path / "fresh"
    shutil.rmtree(other, ignore_errors=True)
    shutil.copytree(root / "sops", other / "sops")
    with monkeypatch.context() as patch:
        patch.setenv(results_cache.ENVIRONMENT, str(tmp_path / "fresh-cache"))
        shutil.rmtree(tmp_path / "fresh-cache", ignore_errors=True)
        assert build(other, TODAY, site=False).checked.ok
    return tree(other / "skills")


def includes(root: Path) -> dict[str, set[str]]:
    """The ids each SOP's include steps name, by SOP id."""
    found: dict[str, set[str]] = {}
    for path in (root / "sops").rglob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "steps" in data:
            found[data["id"]] = {s["sop"] for s in data["steps"] if s.get("kind") == "include"}
    return found


def includers(root: Path, sop_id: str) -> set[str]:
    """sop_id and every SOP that includes it, directly or through others."""
    graph = includes(root)
    found = {sop_id}
    while grown := {i for i, targets in graph.items() if targets & found} - found:
        found |= grown
    return found


def included(root: Path, sop_ids: set[str]) -> set[str]:
    """These SOPs and every SOP they include, directly or through others."""
    graph = includes(root)
    found = set(sop_ids)
    while grown := set().union(*(graph[i] for i in found)) - found:
        found |= grown
    return found


def bump_patch(root: Path, relative: str, old: str, new: str) -> str:
    """Change a wording in an SOP and give it the patch version and changelog entry that calls for; its id."""
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    version = re.search(r'^version: "(\d+)\.(\d+)\.(\d+)"', text, re.MULTILINE)
    assert version is not None
    major, minor, patch = version.groups()
    current, bumped = f"{major}.{minor}.{patch}", f"{major}.{minor}.{int(patch) + 1}"
    text = text.replace(old, new, 1).replace(f'version: "{current}"', f'version: "{bumped}"', 1)
    text = text.replace(f'  - {{version: "{current}"',
                        f'  - {{version: "{bumped}", date: "2026-12-05", change: A wording.}}\n'
                        f'  - {{version: "{current}"', 1)
    path.write_text(text, encoding="utf-8")
    return str(yaml.safe_load(text)["id"])


def entry_of(cache: Path, sop_id: str) -> Path:
    """The one skill entry of an SOP in the cache."""
    found = [p for p in skill_cache.folder(cache).rglob("*.json")
             if json.loads(p.read_bytes())["row"]["id"] == sop_id]
    assert len(found) == 1
    return found[0]


def test_a_second_build_compiles_nothing_and_loads_no_document(project: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    first = run(project, monkeypatch)
    built = tree(project / "skills")
    assert len(first.compiled) == built["index.json"].count(b'"skill_md"') > 5
    second = run(project, monkeypatch)
    assert second.compiled == [] and second.skills == 0
    assert second.loaded == 0
    assert tree(project / "skills") == built == fresh(project, tmp_path, monkeypatch)


def test_a_build_with_the_site_takes_the_skills_from_the_cache(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project, monkeypatch)
    built = tree(project / "skills")
    again = run(project, monkeypatch, site=True)
    assert again.compiled == [] and again.skills == 0
    assert tree(project / "skills") == built
    assert (project / "site" / "docs" / "runbooks").is_dir()


@pytest.mark.parametrize("relative", [SHARED, ALONE])
def test_editing_one_sop_compiles_it_and_the_sops_including_it(project: Path, tmp_path: Path, relative: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    run(project, monkeypatch)
    sop_id = bump_patch(project, relative, "\nedge_cases:\n  - ", "\nedge_cases:\n  - Note well. ")
    expected = includers(project, sop_id)
    assert (len(expected) > 3) == (relative == SHARED)
    again = run(project, monkeypatch)
    assert sorted(again.compiled) == sorted(expected)
    assert again.loaded == len(included(project, expected)) < len(includes(project))  # those compiled and theirs
    assert tree(project / "skills") == fresh(project, tmp_path, monkeypatch)
    assert run(project, monkeypatch).compiled == []


@pytest.mark.parametrize("relative", [SHARED, ALONE])
def test_changing_a_translation_compiles_its_sop_again(project: Path, tmp_path: Path, relative: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    run(project, monkeypatch)
    translation = project / relative.replace(".yaml", ".zh.yaml")
    text = translation.read_text(encoding="utf-8")
    first = re.search(r"^    text: (\S.*)$", text, re.MULTILINE)
    assert first is not None
    translation.write_text(text.replace(first.group(0), first.group(0) + "（修订）", 1), encoding="utf-8")
    sop_id = yaml.safe_load((project / relative).read_text(encoding="utf-8"))["id"]
    again = run(project, monkeypatch)
    assert sorted(again.compiled) == sorted(includers(project, sop_id))
    assert "（修订）".encode() in (project / "skills" / sop_id / "SKILL.zh.md").read_bytes()
    assert tree(project / "skills") == fresh(project, tmp_path, monkeypatch)


def _not_json(entry: Path, other: Path) -> None:
    entry.write_bytes(entry.read_bytes()[:-40])


def _foreign(entry: Path, other: Path) -> None:
    entry.write_bytes(other.read_bytes())


def _wrong_shape(entry: Path, other: Path) -> None:
    payload = json.loads(entry.read_bytes())
    payload["own"] = list(payload["own"].items())
    entry.write_text(json.dumps(payload), encoding="utf-8")


def _missing_field(entry: Path, other: Path) -> None:
    payload = json.loads(entry.read_bytes())
    del payload["row"]["title"]
    entry.write_text(json.dumps(payload), encoding="utf-8")


def _another_sops_row(entry: Path, other: Path) -> None:
    payload = json.loads(entry.read_bytes())
    payload["row"] = json.loads(other.read_bytes())["row"]
    entry.write_text(json.dumps(payload), encoding="utf-8")


def _outside(entry: Path, other: Path) -> None:
    payload = json.loads(entry.read_bytes())
    payload["own"]["../../escaped.md"] = "out of its folder"
    entry.write_text(json.dumps(payload), encoding="utf-8")


@pytest.mark.parametrize("damage", [_not_json, _foreign, _wrong_shape, _missing_field, _another_sops_row, _outside])
def test_a_damaged_or_foreign_entry_is_compiled_again(project: Path, tmp_path: Path, damage, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run(project, monkeypatch)
    built = tree(project / "skills")
    cache = tmp_path / "cache"
    damage(entry_of(cache, "account-takeover-response"), entry_of(cache, "linked-account-group"))
    again = run(project, monkeypatch)
    assert again.compiled == ["account-takeover-response"]
    assert tree(project / "skills") == built
    assert run(project, monkeypatch).compiled == []


def test_a_deleted_cache_costs_one_full_build(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = run(project, monkeypatch)
    built = tree(project / "skills")
    shutil.rmtree(tmp_path / "cache")
    again = run(project, monkeypatch)
    assert sorted(again.compiled) == sorted(first.compiled)
    assert tree(project / "skills") == built
    shutil.rmtree(skill_cache.folder(tmp_path / "cache"))
    assert sorted(run(project, monkeypatch).compiled) == sorted(first.compiled)
    assert tree(project / "skills") == built


def test_a_cache_that_cannot_be_written_is_no_error(project: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv(results_cache.ENVIRONMENT, str(blocker))
    first = run(project, monkeypatch)
    assert tree(project / "skills") == fresh(project, tmp_path, monkeypatch)
    assert sorted(run(project, monkeypatch).compiled) == sorted(first.compiled)


def test_a_version_problem_is_found_with_every_skill_cached(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock is checked on every build: a cached skill whose version the lock has moved past is a problem."""
    run(project, monkeypatch)
    lock_path = project / "skills" / "lock.json"
    lock = json.loads(lock_path.read_bytes())
    lock["sops"]["account-takeover-response"]["version"] = "99.0.0"
    lock_path.write_text(json.dumps(lock), encoding="utf-8")
    result = build(project, TODAY, site=False)
    assert [p.sop for p in result.problems] == ["account-takeover-response"]


def keys_of(sources: list[skill_cache.Source], side: list[tuple[str, bytes]]) -> dict[str, str]:
    return skill_cache.keys(sources, side)


def test_a_key_follows_the_included_sops_and_their_translations() -> None:
    a = skill_cache.Source("sops/a.yaml", b"a", "a", "active", ("b",))
    b = skill_cache.Source("sops/b.yaml", b"b", "b", "active", ("c",))
    c = skill_cache.Source("sops/c.yaml", b"c", "c", "active", ())
    other = skill_cache.Source("sops/d.yaml", b"d", "d", "active", ())
    base = keys_of([a, b, c, other], [])["sops/a.yaml"]
    assert keys_of([a, b, c, other], [("sops/glossary.yaml", b"g")])["sops/a.yaml"] == base
    assert keys_of([a, b, c, other], [("sops/d.zh.yaml", b"t")])["sops/a.yaml"] == base
    assert keys_of([a, b, c, other.__class__(other.path, b"d2", "d", "active", ())], [])["sops/a.yaml"] == base
    changed = [
        keys_of([a, b, c.__class__(c.path, b"c2", "c", "active", ()), other], []),  # a SOP included through another
        keys_of([a, b, other], []),  # one no longer there
        keys_of([a, b, c, other], [("sops/c.zh.yaml", b"t")]),  # a translation of an included SOP
        keys_of([a, b, c, other], [("sops/a.zh.yaml", b"t")]),  # its own translation
        keys_of([a.__class__("sops/x/a.yaml", b"a", "a", "active", ("b",)), b, c, other], []),  # its path
    ]
    assert all(k.get("sops/a.yaml", k.get("sops/x/a.yaml")) != base for k in changed)
    assert len({k.get("sops/a.yaml", k.get("sops/x/a.yaml")) for k in changed}) == len(changed)
