"""The results cache (.sopc-cache/): same output as checking every file, and nothing in it taken on trust.

Every golden case is also run from a warm cache (tests/test_cases.py); here:
damaged and foreign entries, what runs on every validation anyway (the
review date, the library rules), edits, and what an all-cached run imports.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler import results_cache
from compiler.cli import cli

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-22"
WASH = "sops/market-abuse/wash-trading-linked-accounts.yaml"
GROUP = "sops/user-risk/linked-account-group.yaml"
HEAVY = ("yaml", "jsonschema", "jsonschema_rs", "sqlglot", "duckdb", "celpy", "lark", "jieba")
"""What an all-cached run must not import: the loader, validators and parsers a cache hit stands for."""


@pytest.fixture()
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped SOPs (no translations), one of them with a mistake, and a cache of their own."""
    for path in (REPO / "sops").rglob("*.yaml"):
        if path.name.count(".") == 1 and path.name != "glossary.yaml":
            target = tmp_path / path.relative_to(REPO)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    wash = tmp_path / WASH
    wash.write_text(wash.read_text(encoding="utf-8").replace("    sql: |", "    sqll: |", 1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(results_cache.ENVIRONMENT, str(tmp_path / "cache"))
    return tmp_path


def _validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", "--today", TODAY, *args, "sops"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def _entries(root: Path) -> list[Path]:
    return sorted((root / "cache").rglob("*.json"))


def _truncated(entry: Path, other: Path) -> None:
    entry.write_bytes(entry.read_bytes()[: len(entry.read_bytes()) // 2])


def _not_json(entry: Path, other: Path) -> None:
    entry.write_bytes(b"\x00\xff not json")


def _foreign(entry: Path, other: Path) -> None:
    """Another file's entry under this file's name: its key says so."""
    entry.write_bytes(other.read_bytes())


def _unknown_code(entry: Path, other: Path) -> None:
    payload = json.loads(entry.read_bytes())
    payload["diagnostics"] = [[1, 1, "SOP999", "invented", "", "", "error", ""]]
    entry.write_text(json.dumps(payload))


def _wrong_types(entry: Path, other: Path) -> None:
    payload = json.loads(entry.read_bytes())
    payload["diagnostics"] = [["1", 1, "SOP101", "unknown key", "", "", "error", ""]]
    payload["review"] = ["2000-01-01", "one", 1]
    entry.write_text(json.dumps(payload))


def _missing_summary(entry: Path, other: Path) -> None:
    payload = json.loads(entry.read_bytes())
    del payload["entry"]
    entry.write_text(json.dumps(payload))


def _empty_object(entry: Path, other: Path) -> None:
    entry.write_text("{}")


DAMAGE: dict[str, Callable[[Path, Path], None]] = {
    "truncated": _truncated, "not json": _not_json, "another file's entry": _foreign,
    "an unknown code": _unknown_code, "wrong types": _wrong_types, "no library summary": _missing_summary,
    "an empty object": _empty_object,
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_or_foreign_entry_is_checked_again(library: Path, damage: str) -> None:
    expected = _validate("--no-cache")
    assert expected[0] == 1 and "error[SOP101] unknown key 'sqll'" in expected[1]
    assert _validate() == expected
    entries = _entries(library)
    assert len(entries) == 13
    for index, entry in enumerate(entries):
        DAMAGE[damage](entry, entries[index - 1])
    assert _validate() == expected
    for entry in entries:  # each was written again, whole
        payload = json.loads(entry.read_bytes())
        assert payload["key"] == entry.stem and results_cache.decode(payload, "x.yaml") is not None


def test_an_entry_for_other_bytes_is_never_read(library: Path) -> None:
    """An edit changes the key: the edited file is checked, its neighbours come from the cache."""
    first = _validate()
    before = set(_entries(library))
    wash = library / WASH
    wash.write_text(wash.read_text(encoding="utf-8").replace("    sqll: |", "    sql: |", 1), encoding="utf-8")
    assert _validate() == _validate("--no-cache") != first
    assert len(set(_entries(library)) - before) == 1


def test_the_review_date_is_compared_with_today_on_every_run(library: Path) -> None:
    _validate()
    later = CliRunner().invoke(cli, ["validate", "--today", "2031-01-01", "sops"]).stdout
    assert later.count("[SOP601]") == 13
    fresh = CliRunner().invoke(cli, ["validate", "--today", "2031-01-01", "--no-cache", "sops"]).stdout
    assert later == fresh


def test_the_library_rules_run_on_every_run(library: Path) -> None:
    """Every file's own checks are cached; removing an included SOP still breaks its includers."""
    _validate()
    (library / GROUP).unlink()
    status, output = _validate()
    assert "error[SOP503] included SOP 'linked-account-group' is not in the library" in output
    assert (status, output) == _validate("--no-cache")


def test_a_cache_that_cannot_be_written_is_no_error(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = library / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv(results_cache.ENVIRONMENT, str(blocker))
    assert _validate() == _validate("--no-cache")


def test_an_all_cached_run_imports_no_parser_or_validator(library: Path) -> None:
    _validate()
    program = (
        "import sys\n"
        "from compiler.cli import cli\n"
        "try:\n"
        f"    cli(['validate', '--today', '{TODAY}', 'sops'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", program], cwd=library, env=env, capture_output=True, text=True,
                          check=False)
    assert "error[SOP101]" in done.stdout, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_translations_are_checked_again_when_any_file_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped library with its translations and glossary: cached, then one translation and one SOP edited."""
    shutil.copytree(REPO / "sops", tmp_path / "sops")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(results_cache.ENVIRONMENT, str(tmp_path / "cache"))
    assert _validate() == _validate() == _validate("--no-cache")
    translation = tmp_path / WASH.replace(".yaml", ".zh.yaml")
    translation.write_text(translation.read_text(encoding="utf-8") + "\nunknown_field: 1\n", encoding="utf-8")
    edited = _validate()
    assert edited == _validate("--no-cache") and "SOP90" in edited[1]
    wash = tmp_path / WASH
    wash.write_text(wash.read_text(encoding="utf-8").replace("title: ", "title: Retitled ", 1), encoding="utf-8")
    assert _validate() == _validate("--no-cache")


def test_a_process_with_threads_checks_many_files_through_a_fork_server(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A long-lived process (sopc serve, a benchmark) may hold threads, DuckDB's among them: its pool's workers
    come from a clean fork server, and find what one process checking every file finds."""
    import datetime
    import threading

    from benchmarks.corpus import write_corpus
    from compiler import check
    from compiler.workers import forkable

    paths = write_corpus(tmp_path, check.POOL_FILES)
    files = [(str(p.relative_to(tmp_path)), p.read_bytes()) for p in paths]
    files[0] = (files[0][0], files[0][1].replace(b"    sql: |", b"    sqll: |", 1))
    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait)
    waiting.start()
    try:
        assert not forkable()
        pooled = check.check_files(files, datetime.date(2026, 11, 22), models=False)
    finally:
        stop.set()
        waiting.join()
    monkeypatch.setattr(check, "POOL_FILES", len(files) + 1)
    alone = check.check_files(files, datetime.date(2026, 11, 22), models=False)
    assert pooled.diagnostics == alone.diagnostics and not pooled.ok
