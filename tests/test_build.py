"""`sopc build`: compiled skills, the version lock, determinism and atomic writes."""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from benchmarks.corpus import write_corpus
from compiler.build import build
from compiler.cli import cli
from compiler.files import UsageError, safe_relative

REPO = Path(__file__).resolve().parent.parent
TODAY = datetime.date(2026, 11, 22)
WASH = "sops/market-abuse/wash-trading-linked-accounts.yaml"
CURRENT = "1.6.0"
"""The wash-trading SOP's version in sops/ and skills/lock.json."""
PATCH, MINOR, PREVIOUS = "1.6.1", "1.7.0", "1.5.0"
"""The versions a wording change and a logic change of it call for, and the one before it."""


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the repository's SOP library and compiled skills."""
    shutil.copytree(REPO / "sops", tmp_path / "sops")
    shutil.copytree(REPO / "skills", tmp_path / "skills")
    return tmp_path


def edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def bump(root: Path, version: str, change: str) -> None:
    """Set the wash-trading SOP's version and add the matching changelog entry on top."""
    edit(root, WASH, f'version: "{CURRENT}"', f'version: "{version}"')
    edit(root, WASH, f'  - {{version: "{CURRENT}"',
         f'  - {{version: "{version}", date: "2026-12-05", change: {change}}}\n  - {{version: "{CURRENT}"')


def run_build(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--no-site", "--today", "2026-11-22", *args])
    return result.exit_code, result.output


def test_committed_skills_are_what_a_build_writes() -> None:
    """The golden files: skills/ in the repository equals a fresh build of sops/."""
    result = build(REPO, TODAY, check=True, site=False)
    assert result.checked.ok
    assert result.differences == ()
    assert result.skills >= 2


def test_two_builds_give_identical_bytes(tmp_path: Path) -> None:
    roots = [tmp_path / "a", tmp_path / "b"]
    for root in roots:
        shutil.copytree(REPO / "sops", root / "sops")
        assert run_build(root)[0] == 0
    first, second = tree(roots[0] / "skills"), tree(roots[1] / "skills")
    assert first == second
    assert all(data.endswith(b"\n") and b"\r" not in data for data in first.values())


def test_check_lists_stale_missing_and_extra_files(project: Path) -> None:
    (project / "skills" / "wash-trading-linked-accounts" / "SKILL.md").write_text("edited by hand\n")
    (project / "skills" / "index.json").unlink()
    (project / "skills" / "stray.txt").write_text("x")
    before = tree(project / "skills")
    code, output = run_build(project, "--check")
    assert code == 1
    assert "stale:   " in output and "wash-trading-linked-accounts/SKILL.md" in output
    assert "missing: " in output and "index.json" in output
    assert "extra:   " in output and "stray.txt" in output
    assert tree(project / "skills") == before, "--check must write nothing"


def test_content_change_without_bump_fails_naming_digests_and_version(project: Path) -> None:
    edit(project, WASH, "value: 0.20", "value: 0.25")
    before = tree(project / "skills")
    code, output = run_build(project)
    assert code == 1
    line = next(n for n, text in enumerate((project / WASH).read_text().splitlines(), 1) if text.startswith("version:"))
    assert f"{WASH}:{line}:10: error[SOP609] wash-trading-linked-accounts: content changed without a version bump: " \
        "a logic or threshold change" in output
    assert "digest sha256:" in output and "-> sha256:" in output
    assert f'hint: bump it: version: "{MINOR}", with a changelog entry for it' in output
    assert tree(project / "skills") == before


def test_wording_change_asks_for_a_patch(project: Path) -> None:
    edit(project, WASH, "title: Replay the order book around the matched trades",
         "title: Replay the order book around the trades")
    code, output = run_build(project)
    assert code == 1
    assert "a wording change" in output and f'version: "{PATCH}"' in output


def test_input_change_asks_for_a_major_bump(project: Path) -> None:
    edit(project, WASH, "end_ts: {type: timestamp,", "end_ts: {type: string,")
    code, output = run_build(project)
    assert code == 1
    assert "an interface change (inputs or outcomes)" in output and 'version: "2.0.0"' in output


def test_logic_change_with_a_patch_bump_is_too_small(project: Path) -> None:
    edit(project, WASH, "value: 0.20", "value: 0.25")
    bump(project, PATCH, "Tuned.")
    code, output = run_build(project)
    assert code == 1
    assert f"needs at least a minor bump from {CURRENT}, not {PATCH}" in output and f'version: "{MINOR}"' in output


def test_proper_bump_builds_and_updates_the_lock(project: Path) -> None:
    edit(project, WASH, "value: 0.20", "value: 0.25")
    bump(project, MINOR, "Tuned.")
    assert run_build(project)[0] == 0
    lock = json.loads((project / "skills" / "lock.json").read_text())
    assert lock["sops"]["wash-trading-linked-accounts"]["version"] == MINOR
    assert run_build(project, "--check")[0] == 0


def test_a_rebuild_of_the_site_rewrites_only_what_changed_and_equals_a_full_build(project: Path,
                                                                                  tmp_path_factory: pytest.TempPathFactory) -> None:
    """The page memo (.sopc-cache/pages/) and the linked unchanged files give the bytes a build from nothing gives."""
    site = project / "site"
    assert build(project, TODAY).written
    inodes = {p: p.stat().st_ino for p in site.rglob("*.md")}
    edit(project, WASH, "value: 0.20", "value: 0.25")
    bump(project, MINOR, "Tuned.")
    assert build(project, TODAY).written
    changed = {p.relative_to(site).as_posix() for p, ino in inodes.items() if not p.exists() or p.stat().st_ino != ino}
    assert "docs/runbooks/market-abuse/wash-trading-linked-accounts.md" in changed
    assert "docs-zh/runbooks/market-abuse/wash-trading-linked-accounts.md" in changed
    assert "docs/runbooks/market-abuse/spoofing-layering.md" not in changed
    assert len(changed) < len(inodes) / 4, sorted(changed)

    fresh = tmp_path_factory.mktemp("fresh")
    shutil.copytree(project / "sops", fresh / "sops")
    shutil.copytree(project / "skills", fresh / "skills")
    assert build(fresh, TODAY).written
    assert tree(site) == tree(fresh / "site")

    (project / ".sopc-cache" / "pages" / "en.json").write_text("{not json", encoding="utf-8")
    page = site / "docs-zh" / "runbooks" / "p2p" / "p2p-money-mule-review.md"  # its memo is intact
    page.write_text("edited by hand\n", encoding="utf-8")  # in place, as an editor would
    assert build(project, TODAY).written
    assert tree(site) == tree(fresh / "site")


def test_a_build_of_an_unchanged_library_writes_nothing(project: Path) -> None:
    """No file or folder under skills/, site/ or the page memo is written again: same inodes, same times."""
    assert build(project, TODAY).written

    def entries() -> dict[str, tuple[int, int]]:
        return {p.relative_to(project).as_posix(): (p.lstat().st_ino, p.lstat().st_mtime_ns)
                for folder in ("skills", "site", ".sopc-cache/pages") for p in [project / folder, *(project / folder).rglob("*")]}

    before = entries()
    assert any(name.startswith("site/docs-zh/runbooks/") for name in before)
    time.sleep(0.01)
    assert build(project, TODAY).written == ()
    assert entries() == before
    said = CliRunner().invoke(cli, ["build", "--root", str(project), "--today", str(TODAY)]).output
    assert re.match(r"compiled \d+ skills; nothing changed, nothing written\n", said), said
    assert entries() == before

    edit(project, WASH, "value: 0.20", "value: 0.25")  # one SOP changed: its folders are swapped, not the others'
    bump(project, MINOR, "Tuned.")
    assert "site/docs/reference/" not in build(project, TODAY).written
    after = entries()
    assert after["skills"] != before["skills"] and after["site/docs/runbooks"] != before["site/docs/runbooks"]
    assert after["site/docs/reference"] == before["site/docs/reference"]


def test_version_going_backwards_fails(project: Path) -> None:
    text = (project / WASH).read_text()
    newest = next(line for line in text.splitlines(keepends=True) if line.startswith(f'  - {{version: "{CURRENT}"'))
    edit(project, WASH, newest, "")
    edit(project, WASH, f'version: "{CURRENT}"', f'version: "{PREVIOUS}"')
    code, output = run_build(project)
    assert code == 1
    assert f"version goes backwards: skills/lock.json has {CURRENT}, the file {PREVIOUS}" in output


def test_deprecated_stays_in_index_with_successor_and_drafts_are_not_exported(project: Path) -> None:
    successor = (project / WASH).read_text().replace("id: wash-trading-linked-accounts", "id: wash-trading-v2", 1)
    (project / "sops/market-abuse/wash-trading-v2.yaml").write_text(successor)
    edit(project, WASH, "status: active", "status: deprecated\nsuperseded_by: wash-trading-v2")
    bump(project, MINOR, "Deprecated.")
    draft = (project / WASH).read_text().replace("id: wash-trading-linked-accounts", "id: wash-draft", 1) \
        .replace("status: deprecated\nsuperseded_by: wash-trading-v2", "status: draft")
    (project / "sops/market-abuse/wash-draft.yaml").write_text(draft)
    code, output = run_build(project)
    assert code == 0, output
    index = {s["id"]: s for s in json.loads((project / "skills/index.json").read_text())["skills"]}
    assert index["wash-trading-linked-accounts"]["status"] == "deprecated"
    assert index["wash-trading-linked-accounts"]["superseded_by"] == "wash-trading-v2"
    assert "wash-draft" not in index
    assert not (project / "skills/wash-draft").exists()
    skill_md = (project / "skills/wash-trading-linked-accounts/SKILL.md").read_text()
    assert "**Deprecated:** use the skill `wash-trading-v2` instead." in skill_md


def test_an_sop_error_writes_nothing(project: Path) -> None:
    edit(project, WASH, "next: market_maker_gate", "next: no_such_step")
    before = tree(project / "skills")
    code, output = run_build(project)
    assert code == 1
    assert "error[SOP202]" in output
    assert tree(project / "skills") == before


def test_hostile_id_cannot_write_outside_the_output(project: Path) -> None:
    edit(project, WASH, "id: wash-trading-linked-accounts", 'id: "../../../tmp/evil"')
    code, output = run_build(project)
    assert code == 1
    assert "error[SOP106]" in output
    assert not (project.parent / "tmp" / "evil").exists()
    for bad in ("../x", "/etc/passwd", "a/../../b", "", "a\\b"):
        with pytest.raises(UsageError):
            safe_relative(bad)


def test_killed_build_leaves_previous_skills_intact(tmp_path: Path) -> None:
    """SIGKILL a build at several moments: skills/ is always the old tree or the new one, whole."""
    write_corpus(tmp_path, 120)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "compiler", "build", "--no-site", "--root", str(tmp_path), "--today", "2026-11-22"]
    subprocess.run(command, check=True, capture_output=True, env=env)
    old = tree(tmp_path / "skills")
    # A new build writes different bytes: every SOP gets a patch-level wording change and bump.
    for path in (tmp_path / "sops").rglob("*.yaml"):
        text = path.read_text()
        version = text.split('version: "', 1)[1].split('"', 1)[0]
        major, minor, patch = (int(x) for x in version.split("."))
        new_version = f"{major}.{minor}.{patch + 1}"
        text = text.replace(f'version: "{version}"', f'version: "{new_version}"', 1)
        text = text.replace("changelog:\n", f'changelog:\n  - {{version: "{new_version}", date: "2026-12-05", change: Reworded.}}\n', 1)
        path.write_text(text.replace("summary: >-\n", "summary: >-\n  Reworded.\n", 1))
    outcomes = set()
    for delay in (0.3, 0.8, 1.5, 2.5, 4.0):
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = tree(tmp_path / "skills")
        if now == old:
            outcomes.add("old")
        else:
            new = now
            assert json.loads(new["index.json"]) and len(new) == len(old), "a partial tree was left"
            outcomes.add("new")
            break
    assert "old" in outcomes, "no kill landed before the swap; raise the corpus size"
    # The next build finishes the job and cleans any staging folder a kill left behind.
    subprocess.run(command, check=True, capture_output=True, env=env)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".skills.")]


def test_every_skill_json_validates_against_the_skill_schema() -> None:
    schema = json.loads((REPO / "schema/skill.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    skills = sorted((REPO / "skills").glob("*/skill.json"))
    assert skills
    for path in skills:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(json.loads(path.read_text()))]
        assert errors == [], path


def test_every_skill_folder_passes_the_agent_skills_reference_validator() -> None:
    agentskills = shutil.which("agentskills") or str(Path(sys.executable).parent / "agentskills")
    folders = sorted(p for p in (REPO / "skills").iterdir() if p.is_dir())
    assert folders
    for folder in folders:
        done = subprocess.run([agentskills, "validate", str(folder)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        front = (folder / "SKILL.md").read_text().split("---")[1]
        assert f"\nname: {folder.name}\n" in front


def test_every_generated_tool_schema_follows_the_strict_rules() -> None:
    from compiler.skill.tools import TOOL_NAME, strict_violations

    definitions = [t for path in sorted((REPO / "skills").glob("*/tools.json")) for t in json.loads(path.read_text())]
    assert len(definitions) >= 6
    for definition in definitions:
        assert TOOL_NAME.match(definition["name"]), definition["name"]
        assert definition["strict"] is True
        assert strict_violations(definition["parameters"]) == [], definition["name"]


def test_strict_rule_checker_catches_each_violation() -> None:
    from compiler.skill.tools import strict_violations, tool_name

    open_object = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    optional = {**open_object, "additionalProperties": False, "required": []}
    one_of = {"oneOf": [{"type": "string"}]}
    bounded = {"type": "string", "minLength": 1}
    assert any("additionalProperties" in p for p in strict_violations(open_object))
    assert any("required" in p for p in strict_violations(optional))
    assert any("'oneOf'" in p for p in strict_violations(one_of))
    assert any("'minLength'" in p for p in strict_violations(bounded))
    long_name = tool_name("a" * 64, "submit_findings")
    assert len(long_name) <= 64 and long_name.endswith("__submit_findings")


def test_skills_compiled_by_forked_workers_are_those_compiled_in_one_process(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Enough SOPs to compile are shared out to forked workers; the skills are the same bytes either way.

    The pooled build runs in a process of its own, as `sopc build` does: a test process holds threads of
    earlier tests, and a process with threads compiles alone (it may not fork)."""
    from compiler.skill import library

    write_corpus(tmp_path, library.POOL_SKILLS + 6)
    program = ("import datetime, sys\n"
               "from pathlib import Path\n"
               "from compiler.build import build\n"
               "from compiler.skill import library\n"
               "from compiler.workers import forkable\n"
               "original = library.compile_many\n"
               "def counted(ids, shared):\n"
               "    print('pooled' if len(ids) >= library.POOL_SKILLS and forkable() else 'alone', len(ids))\n"
               "    return original(ids, shared)\n"
               "library.compile_many = counted\n"
               "sys.exit(0 if build(Path(sys.argv[1]), datetime.date(2026, 11, 22), site=False).checked.ok else 1)\n")
    done = subprocess.run([sys.executable, "-c", program, str(tmp_path)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600)
    assert done.returncode == 0, done.stderr
    skills = [folder for folder in (tmp_path / "skills").iterdir() if folder.is_dir()]
    assert done.stdout.split() == ["pooled", str(len(skills))]  # one call, every skill, in the workers
    pooled = tree(tmp_path / "skills")
    shutil.rmtree(tmp_path / "skills")
    shutil.rmtree(tmp_path / ".sopc-cache")
    monkeypatch.setattr(library, "POOL_SKILLS", 10**6)
    assert build(tmp_path, TODAY, site=False).checked.ok
    assert tree(tmp_path / "skills") == pooled
