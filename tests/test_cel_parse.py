"""The lint's CEL parser builds cel-python's trees: on every expression of the library, the golden cases and traps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from celpy.celparser import CELParseError
from lark import Tree

from compiler.cel import _parser, parse, syntax_tree
from compiler.yamlload import load_bytes

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("condition", "when", "require", "target")


def _expressions() -> list[str]:
    """Every CEL expression (conditions, branches, input checks, params, with, targets) in the SOP files."""
    found: set[str] = set()
    for path in sorted([*(ROOT / "sops").rglob("*.yaml"), *(ROOT / "tests" / "cases").rglob("*.yaml")]):
        doc, _ = load_bytes(str(path), path.read_bytes())
        todo = [doc.data] if doc is not None else []
        while todo:
            value = todo.pop()
            if isinstance(value, list):
                todo.extend(value)
            elif isinstance(value, dict):
                found.update(v for k, v in value.items() if k in KEYS and isinstance(v, str))
                for key in ("params", "with"):
                    if isinstance(value.get(key), dict):
                        found.update(v for v in value[key].values() if isinstance(v, str))
                todo.extend(value.values())
    return sorted(found)


TRAPS = ["a &&", "x.y(", "1 +", "'unterminated", "a ? b", "rows[0].", "!!!!!a", "a.exists(r, r.b.all(s, s > 1))",
         "true && false || null == x", "[1, 2][0] in [1]", "{'a': 1}.a", "b'\\x00' == bytes('')"]


@pytest.mark.parametrize("expression", _expressions() + TRAPS)
def test_same_tree_or_same_error(expression: str) -> None:
    try:
        expected = _parser().parse(expression)
    except CELParseError as err:
        with pytest.raises(CELParseError) as raised:
            syntax_tree(expression)
        assert (raised.value.line, raised.value.column) == (err.line, err.column)  # type: ignore[attr-defined]
        assert parse(expression).error == "syntax error"
        return
    assert _flat(syntax_tree(expression)) == _flat(expected)


def _flat(tree: Any) -> list[tuple[str, str]]:
    """The tree in pre-order, without recursion (a hostile case nests thousands deep)."""
    out: list[tuple[str, str]] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, Tree):
            out.append(("tree", str(node.data)))
            todo.extend(reversed(node.children))
        else:
            out.append((getattr(node, "type", type(node).__name__), str(node)))
    return out


def test_the_library_has_expressions_to_compare() -> None:
    assert len(_expressions()) > 150
