"""The CEL fast path agrees with cel-python: on the library's scenarios, on chosen cases and on random expressions."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from celpy import celtypes
from click.testing import CliRunner

from compiler.cli import cli
from compiler.runner import celfast, conditions
from compiler.runner.errors import RunError
from compiler.runner.values import cel

REPO = Path(__file__).resolve().parent.parent

ACTIVATION = {
    "inputs": cel({"account_id": "A1", "window_h": 24, "symbols": ["BTCUSDT", "ETHUSDT"]}),
    "thresholds": cel({"min_usd": 50000.0, "ratio": 0.5, "count": 3}),
    "q": cel({"row_count": 2, "rows": [{"account_id": "A2", "usd": 70000.5, "n": 4, "mm": False, "tag": None},
                                       {"account_id": "A3", "usd": 10.0, "n": 1, "mm": True, "tag": "x"}]}),
    "empty": cel({"row_count": 0, "rows": []}),
    "answer": cel({"ok": True, "ids": ["A2"], "note": "mirrored"}),
}

DECIDED = [
    "q.row_count == 2",
    "q.rows[0].usd >= thresholds.min_usd && !q.rows[0].mm",
    "q.rows[0].n > 3.5",  # int against double, as the runner compares them
    "q.rows[1].usd == 10",
    "q.rows.map(r, r.account_id)",
    "q.rows.map(r, r.account_id) + [inputs.account_id]",
    "q.rows.filter(r, r.usd > thresholds.min_usd).map(r, r.account_id)",
    "q.rows.exists(r, r.mm)",
    "q.rows.all(r, r.n >= 1)",
    "q.rows.exists_one(r, r.mm)",
    "empty.rows.all(r, r.usd > 1.0)",
    "empty.rows.exists(r, r.usd > 1.0)",
    "size(q.rows) == q.row_count",
    "q.rows.size() > 1",
    "'A2' in answer.ids",
    "inputs.account_id in q.rows.map(r, r.account_id)",
    "answer.note.contains('mirror') || false",
    "answer.note.startsWith('mir') ? 1 : 2",
    "q.rows[1].tag == 'x' && q.rows[0].tag == null",
    "-q.rows[0].n + 10 * 2 - 3 % 2",
    "double(q.rows[0].n) / 3.0",
    "inputs.symbols[1]",
    "[1, 2u, 3.5, 'a', b'b', true, null]",
    "false && q.rows[1].usd > 0",
    "true || q.rows[0].mm",
    "thresholds.count * 2 <= size(inputs.symbols) + 4",
]

UNDECIDED = [  # cel-python decides: an error, or a leniency of its own (4 && true is 4) the closures leave to it
    "q.rows[5].usd > 0",
    "empty.rows[0].usd",
    "q.rows[0].missing == 1",
    "nothing_here == 1",
    "1 + q.rows[0].usd",  # int + double: no such overload
    "9223372036854775807 + 1",
    "1 / 0",
    "q.rows[0].n && true",
    "q.rows.filter(r, r.n)",
    "q.rows.exists(r, r.n > 100) || q.rows[9].usd > 0",
]


def _same(left: Any, right: Any) -> bool:
    """Equal values of the same CEL types, all the way down."""
    if type(left) is not type(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    return bool(left == right)


def _reference(expression: str, activation: Any) -> tuple[bool, Any]:
    """(True, value) or (False, error message) by cel-python alone."""
    try:
        return True, conditions.evaluate_with_celpy(expression, activation)
    except RunError as err:
        return False, str(err)


def _fast(expression: str, activation: Any) -> tuple[bool, Any]:
    """(True, value) when the closures decide, (False, None) when they leave it to cel-python."""
    try:
        compiled = conditions._program(expression)[0]
    except RunError:  # refused before either evaluates it (comprehensions nested past the budget)
        return False, None
    if compiled is None:
        return False, None
    try:
        return True, compiled(activation)
    except Exception:
        return False, None


@pytest.mark.parametrize("expression", DECIDED)
def test_the_closures_decide_these_and_agree(expression: str) -> None:
    decided, value = _fast(expression, ACTIVATION)
    ok, reference = _reference(expression, ACTIVATION)
    assert decided and ok, (decided, reference)
    assert _same(value, reference), (value, reference)
    assert _same(conditions.evaluate(expression, ACTIVATION), reference)


@pytest.mark.parametrize("expression", UNDECIDED)
def test_the_closures_leave_errors_and_odd_cases_to_cel_python(expression: str) -> None:
    decided, value = _fast(expression, ACTIVATION)
    assert not decided, value
    ok, reference = _reference(expression, ACTIVATION)
    if ok:
        assert _same(conditions.evaluate(expression, ACTIVATION), reference)
    else:
        with pytest.raises(RunError) as raised:
            conditions.evaluate(expression, ACTIVATION)
        assert str(raised.value) == reference


@pytest.mark.parametrize("expression", ["has(answer.ok)", "{'a': 1}.a", "dyn(1) == 1", "q.rows.map(r, r.n > 1, r.n)"])
def test_what_the_closures_do_not_handle_is_compiled_for_cel_python_only(expression: str) -> None:
    assert conditions._program(expression)[0] is None
    ok, reference = _reference(expression, ACTIVATION)
    if ok:
        assert _same(conditions.evaluate(expression, ACTIVATION), reference)


def _random_expression(rng: random.Random, depth: int = 0) -> str:
    leaves = ["0", "1", "-7", "9223372036854775807", "2u", "0.5", "-2.0", "1e300", "'a'", "'ab'", "true", "false",
              "null", "[]", "[1, 2]", "['a']", "q.row_count", "q.rows[0].usd", "q.rows[1].n", "q.rows[0].mm",
              "q.rows[1].tag", "inputs.account_id", "thresholds.ratio", "inputs.symbols", "empty.rows"]
    if depth > 3 or rng.random() < 0.3:
        return rng.choice(leaves)
    left, right = _random_expression(rng, depth + 1), _random_expression(rng, depth + 1)
    shape = rng.choice(["binary", "binary", "binary", "unary", "ternary", "macro", "call"])
    if shape == "unary":
        return f"{rng.choice(['!', '-'])}({left})"
    if shape == "ternary":
        return f"({left}) ? ({right}) : ({_random_expression(rng, depth + 1)})"
    if shape == "macro":
        macro = rng.choice(["map", "filter", "all", "exists", "exists_one"])
        return f"({left}).{macro}(x, x {rng.choice(['>', '==', '!=', '+'])} ({right}))"
    if shape == "call":
        return f"{rng.choice(['size', 'string', 'int', 'double'])}({left})"
    operator = rng.choice(["+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "&&", "||", "in"])
    return f"({left}) {operator} ({right})"


def test_random_expressions_get_the_same_value_or_the_same_error() -> None:
    rng = random.Random(20261122)
    decided = 0
    for _ in range(3000):
        expression = _random_expression(rng)
        ok, reference = _reference(expression, ACTIVATION)
        fast_decided, value = _fast(expression, ACTIVATION)
        if fast_decided:
            decided += 1
            assert ok and _same(value, reference), (expression, value, reference)
    assert decided > 300  # the closures decide a fair share, not only trivial cases


def test_the_closures_agree_with_cel_python_on_every_scenario_of_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every evaluation `sopc test` makes on the library, checked against cel-python."""
    seen: list[tuple[str, bool]] = []
    disagreements: list[tuple[str, Any, Any]] = []
    evaluate: Callable[[str, Any], Any] = conditions.evaluate

    def crosscheck(expression: str, activation: Any) -> Any:
        ok, reference = _reference(expression, activation)
        decided, value = _fast(expression, activation)
        seen.append((expression, decided))
        if decided and not (ok and _same(value, reference)):
            disagreements.append((expression, value, reference))
        return evaluate(expression, activation)

    monkeypatch.setattr(conditions, "evaluate", crosscheck)
    result = CliRunner().invoke(cli, ["test", "--today", "2026-11-22", str(REPO / "sops")])
    assert result.exit_code == 0, result.stdout
    assert disagreements == []
    assert len(seen) > 200
    assert sum(decided for _, decided in seen) / len(seen) > 0.9, [e for e, d in seen if not d][:10]


def test_int_and_double_compare_as_numbers_on_both_paths() -> None:
    for expression, expected in [("1 < 1.5", True), ("2 == 2.0", True), ("3u > 2.5", True), ("2.5 >= 3", False)]:
        ok, reference = _reference(expression, {})
        assert ok and _same(reference, celtypes.BoolType(expected))
        assert _fast(expression, {}) == (True, celtypes.BoolType(expected))


def test_compile_tree_refuses_a_tree_it_does_not_know() -> None:
    from lark import Tree

    with pytest.raises(celfast.Undecided):
        celfast.compile_tree(Tree("member_object", []), {})


@pytest.mark.parametrize("expression", [" + ".join(["inputs.window_h"] * 300) + " > 0",
                                        "(" * 150 + "inputs.window_h" + ")" * 150 + " == 1"])
def test_expressions_too_deep_for_cel_python_fail_the_same_way_on_both_paths(expression: str) -> None:
    """Past cel-python's recursion limit the closures decline too: a RunError, never a RecursionError."""
    assert _fast(expression, ACTIVATION) == (False, None)
    with pytest.raises(RunError):
        conditions.evaluate(expression, ACTIVATION)


def test_a_long_expression_within_the_limit_agrees() -> None:
    expression = " + ".join(["inputs.window_h"] * 100)
    assert _fast(expression, ACTIVATION) == (True, celtypes.IntType(2400))
    assert _reference(expression, ACTIVATION) == (True, celtypes.IntType(2400))
