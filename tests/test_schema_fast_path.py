"""The compiled validator's verdict is Python jsonschema's: on every golden case, every shipped SOP and chosen traps.

`check_schema` asks jsonschema-rs first and builds the detailed, located
diagnostics only for a document it refuses; this holds only while the two
validators agree on which documents are valid.
"""

from __future__ import annotations

from pathlib import Path, PurePath

import pytest

from compiler.files import is_sop_file
from compiler.schema_check import _finite, _valid, _validator, check_schema
from compiler.yamlload import load_bytes, load_text

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for folder in (ROOT / "sops", ROOT / "tests" / "cases") for p in folder.rglob("*.yaml")
                 if is_sop_file(PurePath(p)) and "sops" in p.parts)
WASH = (ROOT / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml").read_text(encoding="utf-8")
TRAPS = {
    # Valid for ECMA-262 (jsonschema-rs's own regex check), refused by Python's re, which the runner uses.
    "ecma-only named group": WASH.replace('pattern: "^[A-Za-z0-9_-]+$"', 'pattern: "^(?<id>[A-Za-z0-9_-]+)$"', 1),
    "a date that does not exist": WASH.replace('review_by: "', 'review_by: "2027-02-30" #', 1),
    "not a number": WASH.replace("value: ", "value: .nan #", 1),
    "an overflowing float": WASH.replace("value: ", "value: 1e999 #", 1),
    "a very large integer": WASH.replace("value: ", "value: 123456789012345678901234567890 #", 1),
    "unchanged": WASH,
}


def _python_says_valid(data: object) -> bool:
    return next(iter(_validator().iter_errors(data)), None) is None and _finite(data)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_verdict_on_every_file(path: Path) -> None:
    doc, _ = load_bytes(str(path), path.read_bytes())
    if doc is None:
        pytest.skip("does not load: never reaches the schema")
    assert (_valid(doc, "sop.schema.json") and _finite(doc.data)) == _python_says_valid(doc.data)


@pytest.mark.parametrize("name", sorted(TRAPS))
def test_same_verdict_on_traps(name: str) -> None:
    assert TRAPS[name] != WASH or name == "unchanged", "the trap did not change the file"
    doc, _ = load_text("trap.yaml", TRAPS[name])
    assert doc is not None
    python = _python_says_valid(doc.data)
    assert (_valid(doc, "sop.schema.json") and _finite(doc.data)) == python
    assert (check_schema(doc) == []) == python
    assert python == (name in ("unchanged", "a very large integer"))
