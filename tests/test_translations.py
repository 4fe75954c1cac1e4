"""Translations: the prose fields, refreshing a skeleton, stale detection on the shipped library, digests."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from compiler.check import check_files
from compiler.cli import cli
from compiler.diagnostics import Severity
from compiler.files import discover, read_all
from compiler.i18n.prose import is_prose, prose_fields, source_hash
from compiler.i18n.skeleton import refresh
from compiler.i18n.translation import STALE_NOTE, Entry, Translation, localize
from compiler.skill.library import compile_library

REPO = Path(__file__).resolve().parent.parent
TODAY = datetime.date(2026, 11, 22)
WASH = Path("sops/market-abuse/wash-trading-linked-accounts.yaml")


@pytest.mark.parametrize(("pointer", "prose"), [
    ("/title", True), ("/summary", True), ("/steps/3/instruction", True), ("/steps/0/title", True),
    ("/steps/9/message", True), ("/outcomes/escalated/title", True), ("/edge_cases/2", True),
    ("/triggers/0/when", True), ("/inputs/account_id/description", True), ("/input_checks/0/message", True),
    ("/thresholds/min_volume_usd/rationale", True), ("/steps/8/evidence/note/description", True),
    ("/steps/6/output/rationale/description", True),
    ("/id", False), ("/steps/2/sql", False), ("/steps/5/branches/0/when", False), ("/triggers/0/alert", False),
    ("/thresholds/min_volume_usd/value", False), ("/thresholds/min_volume_usd/unit", False),
    ("/steps/5/branches/0/label", False), ("/input_checks/0/require", False), ("/steps/10/target", False),
    ("/changelog/0/change", False), ("/references/0/title", False), ("/tests/0/name", False),
    ("/steps/8/evidence/note/type", False), ("/steps/title", False),
])
def test_prose_fields(pointer: str, prose: bool) -> None:
    assert is_prose(pointer) is prose


DATA = {"title": "Wash trading", "steps": [{"id": "a", "title": "First"}, {"id": "b", "title": "Second"}]}


def _entry(text: str, english: str, **marks: object) -> Entry:
    return Entry(text, source_hash(english), english, **marks)  # type: ignore[arg-type]


@pytest.mark.parametrize(("old", "data", "expected", "what"), [
    # a new field: English as text, marked untranslated
    ({}, {"title": "T"}, {"/title": Entry("T", source_hash("T"), "T", untranslated=True)}, "added"),
    # a current translation stays as it is
    ({"/title": _entry("标题", "T")}, {"title": "T"}, {"/title": _entry("标题", "T")}, "current"),
    # the English changed: text and old hash kept, marked stale with both Englishes
    ({"/title": _entry("标题", "T")}, {"title": "T2"},
     {"/title": Entry("标题", source_hash("T"), "T2", stale=True, was="T")}, "stale"),
    # a translator reviewed a stale entry (deleted stale and was): the new hash is recorded
    ({"/title": Entry("新标题", source_hash("T"), "T2")}, {"title": "T2"}, {"/title": _entry("新标题", "T2")},
     "accepted"),
    # still marked stale: stays stale, keeps the first English it was made from
    ({"/title": Entry("标题", source_hash("T"), "T2", stale=True, was="T")}, {"title": "T3"},
     {"/title": Entry("标题", source_hash("T"), "T3", stale=True, was="T")}, "stale"),
    # an untranslated entry follows the English while its text is still the English
    ({"/title": Entry("T", source_hash("T"), "T", untranslated=True)}, {"title": "T2"},
     {"/title": Entry("T2", source_hash("T2"), "T2", untranslated=True)}, "untranslated"),
    # a step that moved: its translation follows its English to the new pointer
    ({"/steps/0/title": _entry("第一", "First")}, {"steps": [{"title": "New"}, {"title": "First"}]},
     {"/steps/0/title": Entry("New", source_hash("New"), "New", untranslated=True),
      "/steps/1/title": _entry("第一", "First")}, "reused"),
])
def test_refresh(old: dict[str, Entry], data: dict[str, object], expected: dict[str, Entry], what: str) -> None:
    result = refresh(data, Translation("x", "zh", old))
    assert result.entries == expected
    assert getattr(result, what), result


def test_refresh_drops_orphans() -> None:
    result = refresh({"title": "T"}, Translation("x", "zh", {"/title": _entry("标题", "T"), "/gone": _entry("无", "G")}))
    assert list(result.entries) == ["/title"] and result.dropped == ["/gone"]


def test_localize_uses_current_text_and_marks_stale_english() -> None:
    translation = Translation("x", "zh", {"/title": _entry("对敲", "Wash trading"),
                                          "/steps/0/title": _entry("第一", "Old first")})
    result = localize(DATA, translation, "zh")
    assert result["title"] == "对敲"
    assert result["steps"][0]["title"] == STALE_NOTE["zh"] + "First"
    assert result["steps"][1]["title"] == "Second"
    assert result["steps"][0]["id"] == "a" and DATA["title"] == "Wash trading"


def _library(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "sops", tmp_path / "sops")
    return tmp_path / "sops"


def _check(root: Path, strict: bool = False) -> list[tuple[str, str]]:
    checked = check_files(read_all(discover([str(root)])), TODAY, strict=strict)
    return [(d.code, d.pointer) for d in checked.diagnostics]


def test_shipped_translations_are_complete_and_current() -> None:
    result = CliRunner().invoke(cli, ["validate", "--strict", "--today", "2026-11-22", str(REPO / "sops")])
    assert result.exit_code == 0, result.output
    for path in (REPO / "sops").rglob("*.yaml"):
        if path.name.count(".") == 1 and path.name != "glossary.yaml":
            assert path.with_name(path.stem + ".zh.yaml").is_file(), path
            data = yaml.safe_load(path.read_text())
            entries = yaml.safe_load(path.with_name(path.stem + ".zh.yaml").read_text())["entries"]
            assert set(entries) == set(prose_fields(data)), path
            assert all("untranslated" not in e and "stale" not in e for e in entries.values()), path


def test_changing_one_instruction_reports_exactly_that_pointer_as_stale(tmp_path: Path) -> None:
    root = _library(tmp_path)
    before = _check(root)
    path = tmp_path / WASH
    text = path.read_text()
    old = "Record the replay link and what you saw."
    assert text.count(old) == 1
    path.write_text(text.replace(old, "Record the replay link, the symbols and what you saw."))
    after = _check(root)
    assert [d for d in after if d not in before] == [("SOP901", "/steps/9/instruction")]
    assert ("SOP901", "/steps/9/instruction") not in before
    strict = check_files(read_all(discover([str(root)])), TODAY, strict=True)
    assert [d.severity for d in strict.diagnostics if d.code == "SOP901"] == [Severity.ERROR]


def test_translate_refreshes_the_stale_entry_and_a_review_makes_it_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _library(tmp_path)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / WASH
    path.write_text(path.read_text().replace("Record the replay link and what you saw.",
                                             "Record the replay link, the symbols and what you saw."))
    runner = CliRunner()
    first = runner.invoke(cli, ["translate", "wash-trading-linked-accounts", "--lang", "zh", "--root", str(root)])
    assert first.exit_code == 0, first.output
    assert "stale: /steps/9/instruction" in first.output
    target = path.with_name("wash-trading-linked-accounts.zh.yaml")
    entry = yaml.safe_load(target.read_text())["entries"]["/steps/9/instruction"]
    assert entry["stale"] is True and "link, the symbols" in entry["en"] and "link, the symbols" not in entry["was"]
    # The translator updates the text and deletes the marks; the next run records the new hash.
    data = yaml.safe_load(target.read_text())
    data["entries"]["/steps/9/instruction"] = {"en": entry["en"], "text": entry["text"] + "（含交易对）",
                                               "sha256": entry["sha256"]}
    target.write_text("# yaml-language-server: $schema=../../schema/translation.schema.json\n"
                      + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    second = runner.invoke(cli, ["translate", "wash-trading-linked-accounts", "--lang", "zh", "--root", str(root)])
    assert "1 accepted" in second.output, second.output
    assert ("SOP901", "/steps/9/instruction") not in _check(root)


def test_a_translation_changes_no_digest_or_version() -> None:
    files = read_all(discover([str(REPO / "sops")]))
    with_translations = compile_library(check_files(files, TODAY), {})
    english_only = [(p, b) for p, b in files if Path(p).name.count(".") == 1]
    without = compile_library(check_files(english_only, TODAY), {})
    for name in ("index.json", "lock.json"):
        assert with_translations.files[name] == without.files[name]


def test_translate_refuses_an_unknown_sop(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["translate", "no-such-sop", "--lang", "zh", "--root", str(REPO / "sops")])
    assert result.exit_code != 0 and "no no-such-sop.yaml" in str(result.exception)


def test_every_translated_skill_md_passes_the_agent_skills_validator(tmp_path: Path) -> None:
    """SKILL.zh.md is checked as the SKILL.md of a copy of its folder (the validator reads only SKILL.md)."""
    import subprocess
    import sys

    agentskills = shutil.which("agentskills") or str(Path(sys.executable).parent / "agentskills")
    folders = sorted(p for p in (REPO / "skills").iterdir() if (p / "SKILL.zh.md").is_file())
    index = json.loads((REPO / "skills" / "index.json").read_text(encoding="utf-8"))
    assert [p.name for p in folders] == sorted(s["id"] for s in index["skills"]), "every skill has SKILL.zh.md"
    for folder in folders:
        copy = tmp_path / folder.name
        shutil.copytree(folder, copy)
        (copy / "SKILL.md").write_bytes((folder / "SKILL.zh.md").read_bytes())
        done = subprocess.run([agentskills, "validate", str(copy)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        text = (folder / "SKILL.zh.md").read_text()
        assert "## 检查清单" in text and "## Checklist" not in text, folder


def test_skill_json_records_each_translated_text_with_the_hash_of_its_english() -> None:
    import json

    for path in sorted((REPO / "skills").glob("*/skill.json")):
        skill = json.loads(path.read_text())
        sop = yaml.safe_load((REPO / skill["source_map"]["path"]).read_text())
        english = prose_fields(sop)
        block = skill["translations"]["zh"]
        assert block["skill_md"] == "SKILL.zh.md"
        assert set(block["texts"]) == set(english), path
        for pointer, text in block["texts"].items():
            assert text["source_sha256"] == source_hash(english[pointer]) and text["text"], (path, pointer)
        assert skill["steps"][0]["title"] == english["/steps/0/title"]


def test_an_included_skill_is_embedded_as_its_own_skill_json_with_its_translations() -> None:
    import json

    embedded = 0
    for path in sorted((REPO / "skills").glob("*/skill.json")):
        skill = json.loads(path.read_text())
        for step in skill["steps"]:
            if step["kind"] == "include":
                inner = step["include"]["skill"]
                assert inner == json.loads((REPO / "skills" / inner["id"] / "skill.json").read_text()), path
                assert inner["translations"]["zh"]["texts"], path
                # SKILL.zh.md pins the same embedded skill as SKILL.md and skill.json.
                pin = step["include"]["skill_sha256"]
                assert pin in (path.parent / "SKILL.md").read_text() and pin in (path.parent / "SKILL.zh.md").read_text()
                embedded += 1
    assert embedded >= 5


def test_translate_refuses_a_broken_translation_file_with_its_place_and_keeps_it(tmp_path: Path) -> None:
    root = _library(tmp_path)
    target = tmp_path / WASH.with_name("wash-trading-linked-accounts.zh.yaml")
    broken = target.read_text().replace("sha256: ", "sha256: x", 1)
    target.write_text(broken)
    result = CliRunner().invoke(cli, ["translate", "wash-trading-linked-accounts", "--lang", "zh", "--root", str(root)])
    assert result.exit_code != 0
    message = str(result.exception)
    assert message.startswith(f"{target}:") and "does not match" in message and "fix it first" in message
    assert target.read_text() == broken
