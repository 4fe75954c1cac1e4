"""Generate a realistic library of N SOPs from the shipped ones (for benchmarks and tests).

Each generated SOP is a shipped SOP with a new id, title, alert names and
thresholds nudged, and, like a real library, queries and conditions of its
own: every query gets a header comment naming its SOP and step and its
comparisons with literal numbers moved, and every condition a leading
clause with the SOP's number, so that no two generated SOPs share the text
of a query or a condition, and a cache keyed by that text cannot make a
benchmark look faster than the library it stands for. Every file stays
valid and goes through the same checks as the real library.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_CEL_KEY = re.compile(r"^(\s*(?:- )?(?:condition|when|require): )(.*)$")
_SQL_KEY = re.compile(r"^(\s*)sql: [|>][-+]?\s*$")
_COMPARED = re.compile(r"((?:[<>]=?|=)\s*)(\d+)(?![\w.])")
"""An integer literal compared with: moving it keeps the query valid (never an ORDER BY position or an index)."""


def shipped() -> list[tuple[str, str, str]]:
    """(id, domain, text) of every shipped SOP."""
    found = []
    for path in sorted((REPO / "sops").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        match = re.search(r"^status: (\w+)", text, re.M)
        if match and match.group(1) == "active":
            found.append((path.stem, path.parent.name, text))
    return found


def _is_cel(text: str) -> bool:
    """A condition is CEL (it starts with a name, a negation or a bracket); a trigger's `when` is a sentence."""
    return bool(re.match(r"[a-z_!(\[]", text))


def _sql_line(line: str, index: int) -> str:
    """A query line with its compared integer literals moved (quoted text left alone)."""
    parts = re.split(r"('(?:[^']|'')*')", line)
    return "".join(part if part.startswith("'") else
                   _COMPARED.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + index % 5 + 1}", part)
                   for part in parts)


def _distinct(text: str, sop_id: str, index: int) -> str:
    """Queries and conditions of this variant's own (see the module docstring)."""
    lines = text.split("\n")
    out: list[str] = []
    clause = f"{index} >= 0 && "
    step = ""
    number = 0
    while number < len(lines):
        line = lines[number]
        if found := re.match(r"^\s*- id: ([a-z0-9_]+)\s*$", line):
            step = found.group(1)
        if sql := _SQL_KEY.match(line):
            out.append(line)
            indent = len(sql.group(1))
            body: list[str] = []
            number += 1
            while number < len(lines) and (not lines[number].strip() or len(lines[number]) - len(lines[number].lstrip()) > indent):
                body.append(lines[number])
                number += 1
            first = next((b for b in body if b.strip()), "")
            margin = first[: len(first) - len(first.lstrip())]
            out.append(f"{margin}-- {sop_id}, step {step}")
            out.extend(_sql_line(b, index) for b in body)
            continue
        cel = _CEL_KEY.match(line)
        if cel and cel.group(2).startswith(">") and number + 1 < len(lines) and _is_cel(lines[number + 1].strip()):
            out.append(line)
            following = lines[number + 1]
            stripped = following.lstrip()
            out.append(f"{following[: len(following) - len(stripped)]}{clause}{stripped}")
            number += 2
            continue
        if cel and cel.group(2).startswith('"') and _is_cel(cel.group(2)[1:]):
            line = f'{cel.group(1)}"{clause}{cel.group(2)[1:]}'
        elif cel and _is_cel(cel.group(2)):
            line = f"{cel.group(1)}{clause}{cel.group(2)}"
        out.append(line)
        number += 1
    return "\n".join(out)


def variant(sop_id: str, text: str, index: int) -> tuple[str, str]:
    """A distinct copy of one SOP: (new id, new text)."""
    new_id = f"{sop_id}-{index:04d}"
    text = re.sub(r"^id: .*$", f"id: {new_id}", text, count=1, flags=re.M)
    text = re.sub(r"^title: (.*)$", lambda m: f"title: {m.group(1)} (variant {index})", text, count=1, flags=re.M)
    text = re.sub(r"- alert: (\w+)", lambda m: f"- alert: {m.group(1)}_v{index}", text)
    text = re.sub(r"(value: )(\d+(?:\.\d+)?)", lambda m: f"{m.group(1)}{round(float(m.group(2)) * (1 + index % 7 / 100), 4)}", text)
    return new_id, _distinct(text, new_id, index)


def write_corpus(root: Path, count: int) -> list[Path]:
    """Write count SOPs under root/sops/<domain>/ and return their paths."""
    sources = shipped()
    paths = []
    for index in range(count):
        sop_id, domain, text = sources[index % len(sources)]
        new_id, new_text = variant(sop_id, text, index)
        path = root / "sops" / domain / f"{new_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new_text, encoding="utf-8")
        paths.append(path)
    # Variants include the shared procedures (kind: include, sop: <id>) under their own ids: write those too.
    included = {m.group(1) for _, _, text in sources for m in re.finditer(r"^    sop: ([a-z0-9-]+)$", text, re.M)}
    for sop_id, domain, text in sources:
        path = root / "sops" / domain / f"{sop_id}.yaml"
        if sop_id in included and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            paths.append(path)
    return paths
