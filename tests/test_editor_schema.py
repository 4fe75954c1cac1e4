"""schema/sop.schema.json in the editor: yaml-language-server itself, driven over LSP.

The shipped SOPs and a fresh `sopc new` draft get no diagnostic at all (no
false positives); every golden case whose mistake the schema can see is
flagged on the line sopc reports it; step skeletons and per-value enum
descriptions are offered while typing. Where the editor and sopc differ, the
difference is listed below with its reason, and the test checks it still holds.
"""

from __future__ import annotations

import datetime
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from editor_lsp import ROOT, SERVER, YamlLanguageServer

from compiler.scaffold import render

CASES = ROOT / "tests" / "cases"
_SCHEMA_LEVEL = re.compile(r"^(\S+?):(\d+):\d+: error\[(SOP1\d\d)\]", re.MULTILINE)

EDITOR_SEES_OTHERWISE = {
    "boolean-no-in-tags": "YAML 1.2 reads `no` as the text the schema wants; sopc reads YAML 1.1's false (SOP104)",
    "test-data-unquoted-norway": "test data rows are free-form in the schema, and YAML 1.2 reads NO as text",
    "test-input-unquoted-octal": "test inputs are free-form in the schema, and YAML 1.2 reads 0123 as a decimal number",
    "merge-key": "YAML 1.2 has no merge keys: '<<' is an ordinary key, whose content the loader refuses (SOP006)",
    "threshold-value-nan": ".nan is a number to JSON Schema; only sopc refuses non-finite values",
    "review-by-impossible-date": "yaml-language-server does not check format: date; the pattern alone passes",
    "comma-in-flow-mapping": "yaml-language-server 2.0.0 does not report the stray key inside an evidence field",
    "boolean-yes-in-answer": "answers are free-form in the schema; sopc checks them against the step (SOP708, SOP109)",
    "six-mistakes-six-errors": "its comma in a flow mapping, as in comma-in-flow-mapping (the other two: see below)",
}
"""Golden cases with a schema-level error (SOP1xx) that the editor does not flag on that line, and why."""
ANYWHERE_IN_FILE = {"deprecated-without-successor"}
"""Flagged, but at the top of the file: the editor reports a rule between keys at the mapping that holds them."""

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="yaml-language-server needs node")


@pytest.fixture(scope="module")
def server() -> Iterator[YamlLanguageServer]:
    assert SERVER.is_file(), "yaml-language-server is not installed: run `cd tests/editor && npm ci` (make test does)"
    started = YamlLanguageServer()
    yield started
    started.close()


def _errors(found: list[dict[str, object]]) -> set[int]:
    """1-based lines of the errors the editor shows."""
    return {int(d["range"]["start"]["line"]) + 1 for d in found if d.get("severity") == 1}  # type: ignore[index]


def _schema_cases() -> list[str]:
    return sorted(c.name for c in CASES.iterdir()
                  if (c / "sops").is_dir() and (c / "expected.txt").is_file()
                  and _SCHEMA_LEVEL.search((c / "expected.txt").read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", sorted((ROOT / "sops").rglob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_sop_has_no_editor_diagnostic(server: YamlLanguageServer, path: Path) -> None:
    assert server.check(path) == []


def test_new_draft_has_no_editor_diagnostic(server: YamlLanguageServer, tmp_path: Path) -> None:
    draft = ROOT / "sops" / "p2p" / f"editor-probe-{tmp_path.name}.yaml"
    text = render("editor-probe", "p2p", "A new P2P review", datetime.date(2026, 12, 5))
    try:
        draft.write_text(text, encoding="utf-8")
        assert server.check(draft) == []
    finally:
        draft.unlink()


@pytest.mark.parametrize("case", _schema_cases())
def test_golden_case_is_flagged_where_sopc_flags_it(server: YamlLanguageServer, case: str) -> None:
    found = _SCHEMA_LEVEL.findall((CASES / case / "expected.txt").read_text(encoding="utf-8"))
    shown = {path: _errors(server.check(ROOT / path)) for path in {p for p, _, _ in found}}
    missed = [(path, int(line), code) for path, line, code in found if int(line) not in shown[path]]
    if case in EDITOR_SEES_OTHERWISE:
        assert missed, f"the editor now flags {case}: remove it from EDITOR_SEES_OTHERWISE"
    elif case in ANYWHERE_IN_FILE:
        assert all(shown.values()), f"the editor does not flag {case} at all"
    else:
        assert missed == [], f"the editor shows errors on lines {shown}, sopc on {found}"


def test_six_mistakes_case_shows_its_schema_level_mistakes(server: YamlLanguageServer) -> None:
    """on_pas (an unknown key) and reversible: yes (not a boolean in YAML 1.2) are seen while typing."""
    path = CASES / "six-mistakes-six-errors" / "sops" / "p2p" / "p2p-third-party-payment-chargeback.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    flagged = _errors(server.check(path))
    assert {lines.index("    on_pas: {next: buyer_profile}") + 1, lines.index("    reversible: yes") + 1} <= flagged


def test_step_skeletons_are_offered_for_every_kind(server: YamlLanguageServer) -> None:
    text = "# yaml-language-server: $schema=../../schema/sop.schema.json\nformat: 1\nsteps:\n  - \n"
    items = server.complete(ROOT / "sops" / "p2p" / "editor-step.yaml", text, 3, 4)
    labels = {item["label"] for item in items}
    kinds = ("query", "check", "decision", "manual", "agent", "escalate", "action", "include")
    assert {f"{kind} step" for kind in kinds} <= labels
    query = next(item for item in items if item["label"] == "query step")
    assert "kind: query" in query["insertText"] and "sql:" in query["insertText"]


def test_each_enum_value_has_its_own_description(server: YamlLanguageServer) -> None:
    text = "# yaml-language-server: $schema=../../schema/sop.schema.json\nsteps:\n  - kind: \n"
    items = server.complete(ROOT / "sops" / "p2p" / "editor-kind.yaml", text, 2, 10)
    docs = {item["label"]: str(item.get("documentation", {}).get("value", "")) for item in items}
    assert set(docs) >= {"query", "check", "decision", "manual", "agent", "escalate", "action", "include"}
    assert len({docs[k] for k in ("query", "check", "action")}) == 3
    assert "approval" in docs["action"]
