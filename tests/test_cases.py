"""Golden tests of invalid SOPs: one folder per case under tests/cases/.

Each folder `tests/cases/<case>/` holds a mini library `sops/<domain>/<id>.yaml`
(a small valid SOP with one deliberate mistake, described by the `# case:`
comment under its modeline) and `expected.txt`: the exact output of

    sopc validate --today 2026-11-22 tests/cases/<case>/sops

run from the repository root (or, when the folder has `args.txt`, of
`sopc <args.txt>`: a case of `sopc build`, with its own skills/lock.json).
The CLI runs in-process, from the repository
root, so the paths in the output are the ones in expected.txt. A few cases
also pin `--format json` (expected.json) and `--format github`
(expected.github).

Cases whose input must not be committed (a file over the 1 MiB limit) have
no sops/ folder: `GENERATED` builds their input under the same relative path
inside a temporary directory, and the CLI runs from there.

To accept new output after a deliberate change, rewrite the golden files and
review the diff before committing:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_cases.py

The default run only compares.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import cli
from compiler.codes import CODES
from compiler.results_cache import ENVIRONMENT
from compiler.yamlload import MAX_BYTES

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
TODAY = "2026-11-22"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
FORMATS = {"text": "expected.txt", "json": "expected.json", "github": "expected.github"}
_CODE = re.compile(r"\b(?:error|warning)\[(SOP\d{3})\]")


def _file_over_limit(root: Path) -> None:
    """The valid wash-trading SOP padded with comment lines to one byte over the limit."""
    source = (ROOT / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml").read_bytes()
    line = b"# padding: a generated or corrupt file is refused before it is parsed\n"
    padded = source + line * ((MAX_BYTES - len(source)) // len(line) + 1)
    padded = padded[: MAX_BYTES + 1]
    target = root / "tests" / "cases" / "file-over-1-mib" / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml"
    target.parent.mkdir(parents=True)
    target.write_bytes(padded)


GENERATED: dict[str, Callable[[Path], None]] = {
    "file-over-1-mib": _file_over_limit,
}
"""Case name -> writes the case's input under a root that stands in for the repository."""


def _cases() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "expected.txt").is_file())


def _run(case: str, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    if case in GENERATED:
        GENERATED[case](tmp_path)
        monkeypatch.chdir(tmp_path)
    else:
        assert (CASES / case / "sops").is_dir(), f"{case}: no sops/ folder and no generator"
        monkeypatch.chdir(ROOT)
    own = CASES / case / "args.txt"
    args = own.read_text(encoding="utf-8").split() if own.is_file() else ["validate", "--today", TODAY,
                                                                          f"tests/cases/{case}/sops"]
    if fmt != "text":
        args += ["--format", fmt]
    result = CliRunner().invoke(cli, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def _compare(case: str, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The output, checked twice: every file checked (and its results cached), then from the results cache."""
    golden = CASES / case / FORMATS[fmt]
    cache = tmp_path / "results-cache"
    monkeypatch.setenv(ENVIRONMENT, str(cache))
    status, output = _run(case, fmt, tmp_path / "cold", monkeypatch)
    if UPDATE:
        golden.write_text(output, encoding="utf-8", newline="\n")
    expected = golden.read_text(encoding="utf-8")
    assert output == expected
    entries = sorted(cache.rglob("*.json"))
    sop_files = [p for p in (CASES / case).glob("sops/**/*.y*ml") if p.name != "approvers.yaml"]
    assert entries or not (sop_files or case in GENERATED), "nothing was cached"
    assert _run(case, fmt, tmp_path / "warm", monkeypatch) == (status, output), "the cached run differs"
    assert sorted(cache.rglob("*.json")) == entries, "the second run checked a file again"
    text = (CASES / case / "expected.txt").read_text(encoding="utf-8")
    assert status == (1 if "error[" in text else 0), output


@pytest.mark.parametrize("case", _cases())
def test_case(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The text output of validate on the case is exactly expected.txt."""
    _compare(case, "text", tmp_path, monkeypatch)


@pytest.mark.parametrize(
    ("case", "fmt"),
    [(case, fmt) for case in _cases() for fmt in ("json", "github") if (CASES / case / FORMATS[fmt]).is_file()],
)
def test_case_other_format(case: str, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The json and github reporters are pinned for a few cases."""
    _compare(case, fmt, tmp_path, monkeypatch)


def test_other_formats_are_pinned() -> None:
    """At least two cases pin each of the json and github outputs."""
    for name in ("expected.json", "expected.github"):
        assert len(list(CASES.glob(f"*/{name}"))) >= 2, name


def test_every_code_has_a_case() -> None:
    """A new diagnostic code without a golden case (or a case for a removed code) fails."""
    shown: set[str] = set()
    for case in _cases():
        shown |= set(_CODE.findall((CASES / case / "expected.txt").read_text(encoding="utf-8")))
    assert sorted(set(CODES) - shown) == [], "codes without a case"
    assert sorted(shown - set(CODES)) == [], "cases showing unknown codes"


def test_case_inputs_say_what_they_show() -> None:
    """Every case SOP starts with the schema modeline (unless that is the mistake) and a '# case:' line."""
    for case in _cases():
        for path in sorted((CASES / case).glob("sops/**/*.y*ml")):
            head = path.read_bytes()[:400].decode("utf-8", errors="replace")
            assert "# case: " in head, path


def test_python_tag_case_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The python-object-apply-tag case asks to `touch /tmp/pwned`; validating it creates nothing."""
    marker = Path("/tmp/pwned")
    before = marker.stat().st_mtime_ns if marker.exists() else None
    status, output = _run("python-object-apply-tag", "text", tmp_path, monkeypatch)
    assert status == 1 and "SOP009" in output
    assert (marker.stat().st_mtime_ns if marker.exists() else None) == before
