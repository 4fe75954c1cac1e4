"""Examples for the diagnostics reference, taken from the golden test cases in tests/cases/.

A case is a folder holding one or more SOP files and `expected.txt`, the
diagnostics `sopc validate` prints for them. For each code, the reference
shows the case whose expected output contains it (the smallest such case:
fewest distinct codes, then fewest lines, then by name), with the lines of
the SOP around the reported position and the diagnostic itself.

`load_cases` is the only function here that reads files; choosing and
cutting the examples is pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CODE = re.compile(r"\bSOP\d{3}\b")
POSITION = re.compile(r"(?:^|\s)(?P<path>[^\s:]+):(?P<line>\d+):(?P<col>\d+):")
MAX_READ = 256 * 1024
WHOLE_FILE_LINES = 40
CONTEXT = 6


@dataclass(frozen=True, slots=True)
class Case:
    """One folder of tests/cases/."""

    name: str
    files: tuple[tuple[str, bytes, int], ...]
    """(path inside the case folder, first MAX_READ bytes, full size) of each SOP file."""
    expected: str
    """Text of expected.txt."""


@dataclass(frozen=True, slots=True)
class Snippet:
    """Lines of one SOP file shown in an example."""

    name: str
    first_line: int
    """Number of the first line shown (1-based)."""
    text: str
    highlight: tuple[int, ...]
    """Line numbers (in the file) of the reported positions."""
    note: str = ""
    """Why the file is not shown whole or at all."""


@dataclass(frozen=True, slots=True)
class Example:
    """The example of one diagnostic code."""

    case: str
    snippets: tuple[Snippet, ...]
    diagnostics: tuple[str, ...]
    """The lines of expected.txt about this code (with their indented at:/hint: lines)."""


def load_cases(cases_dir: Path) -> tuple[Case, ...]:
    """Every case folder with an expected.txt, sorted by name (missing folder: none)."""
    if not cases_dir.is_dir():
        return ()
    found = []
    for folder in sorted(p for p in cases_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        expected = folder / "expected.txt"
        if not expected.is_file():
            continue
        files = []
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".yaml", ".yml") and path.is_file():
                size = path.stat().st_size
                with path.open("rb") as handle:
                    files.append((path.relative_to(folder).as_posix(), handle.read(MAX_READ), size))
        found.append(Case(folder.name, tuple(files), expected.read_text(encoding="utf-8", errors="replace")))
    return tuple(found)


def _blocks(expected: str) -> list[list[str]]:
    """Diagnostics of expected.txt: a line with a code, plus its indented continuation lines."""
    blocks: list[list[str]] = []
    for line in expected.splitlines():
        if line.startswith((" ", "\t")) and blocks:
            blocks[-1].append(line)
        elif CODE.search(line):
            blocks.append([line])
    return blocks


def _snippet(name: str, raw: bytes, size: int, lines_hit: list[int]) -> Snippet:
    if size > MAX_READ:
        return Snippet(name, 1, "", (), f"{name} is {size:,} bytes; not shown")
    body = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) <= WHOLE_FILE_LINES or not lines_hit:
        start, end = 1, len(lines)
    else:
        start = max(1, min(lines_hit) - CONTEXT)
        end = min(len(lines), max(lines_hit) + CONTEXT)
    shown = "\n".join(lines[start - 1:end])
    note = "" if (start, end) == (1, len(lines)) else f"lines {start}–{end} of {len(lines)}"
    return Snippet(name, start, shown, tuple(sorted({n for n in lines_hit if start <= n <= end})), note)


def example_of(case: Case, code: str) -> Example:
    """The example a case gives for one code."""
    blocks = [b for b in _blocks(case.expected) if code in CODE.findall(b[0])]
    hits: dict[str, list[int]] = {}
    for block in blocks:
        match = POSITION.search(block[0])
        if match:
            hits.setdefault(match.group("path"), []).append(int(match.group("line")))
    snippets = []
    for name, raw, size in case.files:
        lines_hit = [n for path, ns in hits.items() if path == name or path.endswith("/" + name) for n in ns]
        if lines_hit or not hits or len(case.files) == 1:
            snippets.append(_snippet(name, raw, size, lines_hit))
    return Example(case.name, tuple(snippets[:3]), tuple(line for b in blocks for line in b))


def pick_examples(cases: Sequence[Case]) -> dict[str, Example]:
    """Code -> example, from the smallest case whose expected output has the code."""
    best: dict[str, tuple[tuple[int, int, str], Case]] = {}
    for case in cases:
        codes = set(CODE.findall(case.expected))
        rank = (len(codes), len(case.expected.splitlines()), case.name)
        for code in codes:
            if code not in best or rank < best[code][0]:
                best[code] = (rank, case)
    return {code: example_of(case, code) for code, (_, case) in sorted(best.items())}
