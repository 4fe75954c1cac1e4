"""Generate a realistic library of N SOPs from the shipped ones (for benchmarks and tests).

Each generated SOP is a shipped SOP with a new id, title, alert names and
thresholds nudged, so that every file is distinct and goes through the same
checks as the real library.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def shipped() -> list[tuple[str, str, str]]:
    """(id, domain, text) of every shipped SOP."""
    found = []
    for path in sorted((REPO / "sops").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        match = re.search(r"^status: (\w+)", text, re.M)
        if match and match.group(1) == "active":
            found.append((path.stem, path.parent.name, text))
    return found


def variant(sop_id: str, text: str, index: int) -> tuple[str, str]:
    """A distinct copy of one SOP: (new id, new text)."""
    new_id = f"{sop_id}-{index:04d}"
    text = re.sub(r"^id: .*$", f"id: {new_id}", text, count=1, flags=re.M)
    text = re.sub(r"^title: (.*)$", lambda m: f"title: {m.group(1)} (variant {index})", text, count=1, flags=re.M)
    text = re.sub(r"- alert: (\w+)", lambda m: f"- alert: {m.group(1)}_v{index}", text)
    text = re.sub(r"(value: )(\d+(?:\.\d+)?)", lambda m: f"{m.group(1)}{round(float(m.group(2)) * (1 + index % 7 / 100), 4)}", text)
    return new_id, text


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
