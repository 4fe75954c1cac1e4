"""The compiled validator's verdict is Python jsonschema's: on every golden case, every shipped SOP and chosen traps.

`check_schema` asks jsonschema-rs first and builds the detailed, located
diagnostics only for a document it refuses; this holds only while the two
validators agree on which documents are valid.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePath

import pytest

from compiler.document import Document
from compiler.files import is_sop_file
from compiler.schema_check import _valid, _validator, check_schema
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
    "a tagged infinity": WASH.replace("value: ", "value: !!float -.inf #", 1),
    "a quoted nan tagged a float": WASH.replace("value: ", 'value: !!float "nan" #', 1),
    "a very large integer": WASH.replace("value: ", "value: 123456789012345678901234567890 #", 1),
    "unchanged": WASH,
}


def _finite(data: object) -> bool:
    """No .nan or .inf anywhere, as JSON's encoder sees it."""
    try:
        json.dumps(data, allow_nan=False)
    except ValueError:
        return False
    return True


def _python_says_valid(data: object) -> bool:
    return next(iter(_validator().iter_errors(data)), None) is None and _finite(data)


def _fast_says_valid(doc: Document) -> bool:
    """check_schema's fast path: the compiled validator, and no .nan or .inf noted by the loader."""
    return _valid(doc, "sop.schema.json") and not doc.source.non_finite


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_verdict_on_every_file(path: Path) -> None:
    doc, _ = load_bytes(str(path), path.read_bytes())
    if doc is None:
        pytest.skip("does not load: never reaches the schema")
    assert _fast_says_valid(doc) == _python_says_valid(doc.data)


@pytest.mark.parametrize("name", sorted(TRAPS))
def test_same_verdict_on_traps(name: str) -> None:
    assert TRAPS[name] != WASH or name == "unchanged", "the trap did not change the file"
    doc, _ = load_text("trap.yaml", TRAPS[name])
    assert doc is not None
    python = _python_says_valid(doc.data)
    assert _fast_says_valid(doc) == python
    assert (not doc.source.non_finite) == _finite(doc.data)
    assert (check_schema(doc) == []) == python
    assert python == (name in ("unchanged", "a very large integer"))
