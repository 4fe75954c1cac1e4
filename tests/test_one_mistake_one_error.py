"""One mistake, one error: each shipped SOP with one mistake of each kind an author makes.

Every injection changes one line of a valid SOP; validate must then report
exactly one error, with the expected code, on that very line (what follows
from the mistake is folded into the error's note, not reported again).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from compiler.check import check_files
from compiler.diagnostics import Diagnostic, Severity
from compiler.files import discover, is_sop_file
from compiler.yamlload import load_text

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = {path: path.read_bytes() for path in sorted(discover([str(ROOT / "sops")]))}
"""The whole library as validate reads it: SOPs, their translations and the glossary."""
SOPS = [path for path in LIBRARY if is_sop_file(path)]
TODAY = datetime.date(2026, 11, 22)

Injected = tuple[str, int] | None
"""The changed text and the 1-based line changed, or None when the SOP has no place for this mistake."""


def _first(text: str, pattern: str, change: Callable[[re.Match[str]], str]) -> Injected:
    """Apply change to the first line matching pattern."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        match = re.search(pattern, line)
        if match:
            lines[index] = line[: match.start()] + change(match) + line[match.end():]
            return "\n".join(lines), index + 1
    return None


def _in_step(text: str, pattern: str, change: Callable[[re.Match[str]], str]) -> Injected:
    """Like _first, but only inside the steps: list (before outcomes:)."""
    start, end = text.index("\nsteps:\n"), text.index("\noutcomes:\n")
    found = _first(text[start:end], pattern, change)
    if found is None:
        return None
    offset = text[:start].count("\n")
    return text[:start] + found[0] + text[end:], found[1] + offset


def _answer_of_wrong_type(text: str) -> Injected:
    """A test answering a boolean or enum evidence/output field with 'maybe'."""
    doc, _ = load_text("x.yaml", text)
    assert doc is not None
    fields = {(s["id"], name): spec.get("type") for s in doc.data["steps"]
              for name, spec in {**s.get("evidence", {}), **s.get("output", {})}.items()}
    for index, test in enumerate(doc.data.get("tests", [])):
        for step, answer in test.get("answers", {}).items():
            for name in answer if isinstance(answer, dict) else ():
                if fields.get((step, name)) in ("boolean", "enum"):
                    line, col = doc.source.value(f"/tests/{index}/answers/{step}/{name}")
                    lines = text.split("\n")
                    value = re.match(r"[\w.-]+", lines[line - 1][col - 1:])
                    assert value is not None
                    lines[line - 1] = lines[line - 1][: col - 1] + "maybe" + lines[line - 1][col - 1 + value.end():]
                    return "\n".join(lines), line
    return None


MISTAKES: dict[str, tuple[str, Callable[[str], Injected]]] = {
    "misspelt on_pass": ("SOP101", lambda t: _in_step(t, r"(?<=^    )on_pass(?=:)", lambda m: "on_pas")),
    "misspelt next key": ("SOP101", lambda t: _in_step(t, r"(?<=^    )next(?=: )", lambda m: "nxt")),
    "next names no step": ("SOP202", lambda t: _in_step(t, r"(?<=^    next: )\w+", lambda m: m.group(0) + "x")),
    "misspelt step key": ("SOP101", lambda t: _in_step(t, r"(?<=^    )title(?=: )", lambda m: "titel")),
    "unknown SQL function": ("SOP307", lambda t: _in_step(t, r"\b(coalesce|sum|count|max)(?=\()",
                                                          lambda m: m.group(0)[:-1] + m.group(0)[-1] * 2)),
    "unknown SQL column": ("SOP305", lambda t: _in_step(t, r"\bnotional_usd\b(?! AS)", lambda m: "notional_us")),
    "undeclared threshold": ("SOP402", lambda t: _in_step(t, r"(?<=thresholds\.)\w+", lambda m: m.group(0) + "_x")),
    "and for &&": ("SOP401", lambda t: _in_step(t, r"(?<=\S) && (?=\S)", lambda m: " and ")),
    "yes for true": ("SOP109", lambda t: _in_step(t, r"(?<=^    reversible: )true$|(?<=otherwise: )true\b",
                                                  lambda m: "yes")),
    "comma in a flow mapping": ("SOP101", lambda t: _in_step(t, r"(?<=description: )[^,{}\"]+\.(?=})",
                                                             lambda m: m.group(0)[:-1] + ", with the ids.")),
    "answer of the wrong type": ("SOP708", _answer_of_wrong_type),
    "placeholder in an active SOP": ("SOP608", lambda t: _first(t, r"(?<=^    when: )", lambda m: "TODO — ")),
}


def _check(path: Path, data: bytes) -> list[Diagnostic]:
    """The diagnostics of one SOP of the library, with its text replaced by `data`."""
    files = [(str(p.relative_to(ROOT)), data if p == path else raw) for p, raw in LIBRARY.items()]
    own = str(path.relative_to(ROOT))
    return [d for d in check_files(files, TODAY).diagnostics if d.path == own]


def _errors(path: Path, text: str) -> list[Diagnostic]:
    return [d for d in _check(path, text.encode("utf-8")) if d.severity is Severity.ERROR]


@pytest.mark.parametrize("path", SOPS, ids=lambda p: p.stem)
def test_shipped_sop_is_clean(path: Path) -> None:
    assert _check(path, LIBRARY[path]) == []


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
@pytest.mark.parametrize("path", SOPS, ids=lambda p: p.stem)
def test_one_mistake_gives_one_error_on_its_line(path: Path, mistake: str) -> None:
    code, inject = MISTAKES[mistake]
    injected = inject(path.read_text(encoding="utf-8"))
    if injected is None:
        pytest.skip(f"{path.stem} has no place for this mistake")
    text, line = injected
    errors = _errors(path, text)
    assert [(d.code, d.line) for d in errors] == [(code, line)], "\n".join(
        f"{d.line}:{d.col} {d.code} {d.message} | {d.note}" for d in errors)


def test_every_mistake_applies_to_most_sops() -> None:
    """The injections are not vacuous: each finds its place in at least half of the library."""
    for mistake, (_, inject) in MISTAKES.items():
        applied = sum(inject(p.read_text(encoding="utf-8")) is not None for p in SOPS)
        assert applied >= len(SOPS) // 2, mistake
