"""Evaluating CEL: conditions, step parameters, action targets and scenario expectations.

cel-python evaluates without eval or side effects; `celfast` runs the same
expressions as closures compiled once, and hands back to cel-python
whatever it cannot decide exactly as cel-python would. An expression that
cannot be evaluated (a missing field, rows[0] of no rows, a type clash)
raises RunError: the run stops rather than guess.
"""

from __future__ import annotations

import logging
import operator
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import celpy
from celpy import celtypes
from celpy.evaluation import CELEvalError, Evaluator, base_functions
from lark import Tree

from compiler.cel import budget_problem
from compiler.runner import celfast
from compiler.runner.errors import RunError
from compiler.runner.values import from_cel, to_json

Activation = Mapping[str, Any]
"""CEL values by top-level name: inputs, thresholds and one entry per finished step."""


# cel-python logs the errors it returns, and its error objects can fail to print themselves:
# the runner reports every error as a RunError, so its log stays silent.
logging.getLogger("celpy").addHandler(logging.NullHandler())
logging.getLogger("celpy").propagate = False


class _BudgetedEvaluator(Evaluator):
    """cel-python's evaluator, spending one step of a shared budget per item a comprehension visits."""

    def __init__(self, ast: Tree[Any], activation: Any, steps: celfast.Steps) -> None:
        super().__init__(ast, activation)
        self.steps = steps

    def sub_evaluator(self, ast: Tree[Any]) -> Evaluator:
        return _BudgetedEvaluator(ast, self.activation, self.steps)

    def evaluate(self, context: Any = None) -> Any:  # a comprehension evaluates its body once per item
        self.steps.spend(1)
        return super().evaluate(context)


class _BudgetedRunner(celpy.InterpretedRunner):
    """Runs cel-python's evaluator with a fresh step budget per evaluation."""

    def evaluate(self, context: Any) -> Any:
        return _BudgetedEvaluator(self.ast, self.new_activation(), celfast.Steps()).evaluate(context)


@cache
def _environment() -> celpy.Environment:
    return celpy.Environment(runner_class=_BudgetedRunner)


_NUMBERS = (celtypes.IntType, celtypes.UintType, celtypes.DoubleType)
_RELATIONS = {"_<_": operator.lt, "_<=_": operator.le, "_>_": operator.gt, "_>=_": operator.ge,
              "_==_": operator.eq, "_!=_": operator.ne}


def _heterogeneous(name: str, compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    """A comparison that also accepts int against double, as the CEL spec does (cel-python 0.5 does not)."""
    strict = base_functions[name]

    def relation(left: Any, right: Any) -> Any:
        if isinstance(left, _NUMBERS) and isinstance(right, _NUMBERS) and type(left) is not type(right) \
                and not isinstance(left, celtypes.BoolType) and not isinstance(right, celtypes.BoolType):
            return celtypes.BoolType(compare(float(left), float(right)))
        return strict(left, right)

    return relation


_FUNCTIONS = {name: _heterogeneous(name, compare) for name, compare in _RELATIONS.items()}


_ALL_FUNCTIONS = {**base_functions, **_FUNCTIONS}


@cache
def _program(expression: str) -> tuple[celfast.Compiled | None, Any]:
    """The expression's closures (None if only cel-python handles it) and its cel-python program."""
    environment = _environment()
    try:
        tree = environment.compile(expression)
        program = environment.program(tree, functions=_FUNCTIONS)
    except Exception as err:  # cel-python raises several types for bad syntax
        raise RunError(f"cannot parse {expression!r}: {err}") from err
    costly = budget_problem(expression, tree)
    if costly is not None:  # the skill file may have been edited since validate refused this
        raise RunError(f"cannot evaluate {expression!r}: {costly[0]}")
    try:
        return celfast.compile_tree(tree, _ALL_FUNCTIONS), program
    except (celfast.Undecided, RecursionError):
        return None, program


def evaluate(expression: str, activation: Activation) -> Any:
    """The CEL value of an expression over the run so far: by its closures when they decide, else by cel-python."""
    fast, _ = _program(expression)
    if fast is not None:
        try:
            return fast({**activation, celfast.STEPS: celfast.Steps()})
        except celfast.Exhausted:
            raise RunError(f"cannot evaluate {expression!r}: its comprehensions visit more than "
                           f"{celfast.MAX_STEPS:,} items") from None
        except Exception:  # Undecided, or an error: cel-python decides it, in its own words
            pass
    return evaluate_with_celpy(expression, activation)


def evaluate_with_celpy(expression: str, activation: Activation) -> Any:
    """The CEL value of an expression, by cel-python alone (the reference the closures must agree with)."""
    try:
        result = _program(expression)[1].evaluate(dict(activation))
    except RunError:
        raise
    except celfast.Exhausted:
        raise RunError(f"cannot evaluate {expression!r}: its comprehensions visit more than "
                       f"{celfast.MAX_STEPS:,} items") from None
    except Exception as err:
        raise RunError(f"cannot evaluate {expression!r}: {_reason(err)}") from err
    if isinstance(result, CELEvalError):
        raise RunError(f"cannot evaluate {expression!r}: {_reason(result)}")
    return result


def condition(expression: str, activation: Activation) -> bool:
    """A condition's truth; anything but true or false is an error, not a guess."""
    result = evaluate(expression, activation)
    if not isinstance(result, celtypes.BoolType):
        raise RunError(f"condition {expression!r} gave {to_json(from_cel(result))!r}, not true or false")
    return bool(result)


def value(expression: str, activation: Activation) -> Any:
    """An expression's value as plain Python (for SQL parameters, action targets, expectations)."""
    return from_cel(evaluate(expression, activation))


_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d+\])*")
_PART = re.compile(r"\.?([A-Za-z_]\w*)|\[(\d+)\]")


def read(text: str, activation: Activation) -> Any:
    """The plain value of a path such as step.rows[0].field; anything else goes through CEL.

    Recording what each condition read walks these paths for every decision:
    walking the values directly is many times faster than a CEL evaluation.
    """
    if _PATH.fullmatch(text):
        current: Any = activation
        for match in _PART.finditer(text):
            name, index = match.groups()
            if name is not None and isinstance(current, Mapping) and name in current:
                current = current[name]
            elif index is not None and isinstance(current, list) and int(index) < len(current):
                current = current[int(index)]
            else:
                break
        else:
            return from_cel(current)
    return value(text, activation)


def _reason(err: Any) -> str:
    """cel-python's error, in words an SOP author can act on."""
    args = getattr(err, "args", ())
    text = str(args[0]) if args else str(err)
    undeclared = re.match(r"undeclared reference to '([^']*)'", text)
    if undeclared:
        return f"nothing named {undeclared.group(1)!r} exists yet in this run"
    if "no such member" in text:
        return f"a field it reads is missing ({text})"
    if text == "invalid_argument" or any(isinstance(a, IndexError) for a in args):
        return "an index is out of range (for example rows[0] of a query that returned no rows)"
    if "no matching overload" in text:
        return "operand types do not fit (CEL does not mix int and double in arithmetic: compute it in SQL)"
    return text[:200]


@cache
def reads(expression: str) -> tuple[str, ...]:
    """The sub-expressions a condition reads from the run, as written (linked_volume.rows[0].volume_usd).

    Recorded with their values beside each decision so a reviewer sees what
    it was based on. Chains that go through a macro variable (r.account_id
    inside rows.map(r, ...)) are left out; their receiver is kept.
    """
    try:
        tree = _environment().compile(expression)
    except Exception:
        return ()
    found: list[str] = []
    _collect(tree, expression, frozenset(), found)
    return tuple(dict.fromkeys(found))


_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})


def _ident(node: Any) -> str | None:
    """The name when a subtree is only a bare identifier (a macro's variable)."""
    while isinstance(node, Tree) and len(node.children) == 1:
        if node.data == "ident":
            return str(node.children[0])
        node = node.children[0]
    return None


def _root(node: Any) -> str | None:
    """The free identifier at the root of a member chain, if the chain starts at one."""
    while isinstance(node, Tree):
        if node.data == "ident":
            return str(node.children[0])
        if node.data in ("member_dot", "member_index", "member", "primary"):
            node = node.children[0]
        else:
            return None
    return None


def _collect(node: Any, text: str, bound: frozenset[str], found: list[str]) -> None:
    if not isinstance(node, Tree):
        return
    if node.data in ("member_dot", "member_index"):
        root = _root(node)
        if root is not None and root not in bound:
            meta = node.meta
            found.append(text[meta.start_pos:meta.end_pos])
            for child in node.children[1:]:
                _collect(child, text, bound, found)  # index expressions
            return
    if node.data == "member_dot_arg":
        receiver, method = node.children[0], str(node.children[1])
        _collect(receiver, text, bound, found)
        args = node.children[2] if len(node.children) > 2 else None
        exprs = list(args.children) if isinstance(args, Tree) else []
        if method in _MACROS and exprs:
            variable = _ident(exprs[0])
            inner = bound | {variable} if variable else bound
            for expr in exprs[1:]:
                _collect(expr, text, inner, found)
            return
        for expr in exprs:
            _collect(expr, text, bound, found)
        return
    for child in node.children:
        _collect(child, text, bound, found)
