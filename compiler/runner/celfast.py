"""A fast path for CEL: cel-python's syntax tree compiled once into Python closures.

cel-python walks the syntax tree anew for every evaluation, which costs
most of a millisecond even for `rows[0].volume_usd >= thresholds.min`;
a run evaluates each expression once per step, on every run. Here the tree
is turned into nested closures once, and evaluating is calling them.

The closures decide only what they can decide exactly as cel-python would:
operators and functions are cel-python's own (`base_functions`, with the
runner's int/double comparisons), values are its `celtypes`. Anything else
- a node kind, macro or function not handled here, and at run time any
error, any non-boolean where a boolean belongs, any error value - raises
Undecided, and the caller evaluates the expression with cel-python, which
gives the result or the error. Like cel-python, `&&`, `||`, `all` and
`exists` evaluate every operand (an error on the side that would not
matter still reaches cel-python, which decides whether it counts), and
`?:` only the branch it takes.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from celpy import celtypes
from celpy.evaluation import CELEvalError, celbytes, celstr
from lark import Token, Tree

Env = Mapping[str, Any]
"""CEL values by name: the activation, plus macro variables."""
Compiled = Callable[[Env], Any]


class Undecided(Exception):
    """Left to cel-python: not handled here, or an error whose exact form cel-python decides."""


class Exhausted(Exception):
    """The evaluation spent its step budget: an answer, not something to hand to cel-python."""


STEPS = " steps"
"""Key of the step budget in the environment (no CEL name holds a space)."""
MAX_STEPS = 10_000
"""Items the comprehensions of one evaluation may visit, all of them together: at most a few seconds of
cel-python on a busy machine (the closures take a tenth of that). Ten times the default --max-rows;
two comprehensions nested over a thousand kept rows each need a million: aggregate in SQL instead."""


class Steps:
    """What an evaluation may still spend: every item a comprehension visits costs one."""

    __slots__ = ("left",)

    def __init__(self, left: int = MAX_STEPS) -> None:
        self.left = left

    def spend(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise Exhausted


_BINARY = {
    "relation_lt": "_<_", "relation_le": "_<=_", "relation_gt": "_>_", "relation_ge": "_>=_",
    "relation_eq": "_==_", "relation_ne": "_!=_", "relation_in": "_in_",
    "addition_add": "_+_", "addition_sub": "_-_",
    "multiplication_mul": "_*_", "multiplication_div": "_/_", "multiplication_mod": "_%_",
}
_UNARY = {"unary_not": "!_", "unary_neg": "-_"}
_MACROS = frozenset({"map", "filter", "all", "exists", "exists_one"})


MAX_DEPTH = 400
"""Deepest syntax tree the closures take. cel-python walks trees recursively and runs out of Python's
recursion limit at about 500 levels; deeper trees are left to it, so both fail alike."""


def _depth(tree: Tree[Any]) -> int:
    """Levels of the syntax tree, counted without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node.children if isinstance(child, Tree))
    return deepest


def compile_tree(tree: Tree[Any], functions: Mapping[str, Callable[..., Any]]) -> Compiled:
    """Closures for a parsed expression; Undecided if it uses anything handled only by cel-python."""
    if _depth(tree) > MAX_DEPTH:
        raise Undecided
    return _Compiler(functions).node(tree)


def _decided(value: Any) -> Any:
    if isinstance(value, CELEvalError):
        raise Undecided
    return value


def _boolean(value: Any) -> bool:
    if type(value) is not celtypes.BoolType:
        raise Undecided
    return bool(value)


class _Compiler:
    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        self.functions = functions

    def node(self, tree: Any) -> Compiled:
        if not isinstance(tree, Tree):
            raise Undecided
        handler = getattr(self, f"_{tree.data}", None)
        if handler is None:
            raise Undecided
        compiled: Compiled = handler(tree)
        return compiled

    def function(self, name: str) -> Callable[..., Any]:
        if name not in self.functions:
            raise Undecided
        return self.functions[name]

    def only_child(self, tree: Tree[Any]) -> Compiled:
        if len(tree.children) != 1:
            raise Undecided
        return self.node(tree.children[0])

    _member = _primary = _paren_expr = only_child

    def _expr(self, tree: Tree[Any]) -> Compiled:
        if len(tree.children) == 1:
            return self.node(tree.children[0])
        test, when_true, when_false = (self.node(child) for child in tree.children)
        return lambda env: when_true(env) if _boolean(test(env)) else when_false(env)

    def _conditionalor(self, tree: Tree[Any]) -> Compiled:
        if len(tree.children) == 1:
            return self.node(tree.children[0])
        left, right = (self.node(child) for child in tree.children)
        true = celtypes.BoolType(True)

        def either(env: Env) -> Any:
            first, second = _boolean(left(env)), right(env)  # both, as cel-python: the right may fail even so
            return true if first else celtypes.BoolType(_boolean(second))

        return either

    def _conditionaland(self, tree: Tree[Any]) -> Compiled:
        if len(tree.children) == 1:
            return self.node(tree.children[0])
        left, right = (self.node(child) for child in tree.children)
        false = celtypes.BoolType(False)

        def both(env: Env) -> Any:
            first, second = _boolean(left(env)), right(env)
            return celtypes.BoolType(_boolean(second)) if first else false

        return both

    def binary(self, tree: Tree[Any]) -> Compiled:
        if len(tree.children) == 1:
            return self.node(tree.children[0])
        operator, right_tree = tree.children
        if not isinstance(operator, Tree) or operator.data not in _BINARY or len(operator.children) != 1:
            raise Undecided
        apply = self.function(_BINARY[operator.data])
        left, right = self.node(operator.children[0]), self.node(right_tree)
        return lambda env: _decided(apply(left(env), right(env)))

    _relation = _addition = _multiplication = binary

    def _unary(self, tree: Tree[Any]) -> Compiled:
        if len(tree.children) == 1:
            return self.node(tree.children[0])
        operator, operand_tree = tree.children
        if not isinstance(operator, Tree) or operator.data not in _UNARY:
            raise Undecided
        apply, operand = self.function(_UNARY[operator.data]), self.node(operand_tree)
        return lambda env: _decided(apply(operand(env)))

    def _member_dot(self, tree: Tree[Any]) -> Compiled:
        holder, name = self.node(tree.children[0]), str(tree.children[1])

        def field(env: Env) -> Any:
            value = holder(env)
            if not isinstance(value, celtypes.MapType) or name not in value:
                raise Undecided  # a missing field, or field selection on a message or package
            return value[name]

        return field

    def _member_index(self, tree: Tree[Any]) -> Compiled:
        index = self.function("_[_]")
        holder, key = self.node(tree.children[0]), self.node(tree.children[1])
        return lambda env: _decided(index(holder(env), key(env)))

    def _member_dot_arg(self, tree: Tree[Any]) -> Compiled:
        receiver, name = self.node(tree.children[0]), str(tree.children[1])
        arguments = list(tree.children[2].children) if len(tree.children) > 2 else []
        if name in _MACROS:
            return self.macro(receiver, name, arguments)
        method, compiled = self.function(name), [self.node(argument) for argument in arguments]
        return lambda env: _decided(method(receiver(env), *(argument(env) for argument in compiled)))

    def macro(self, receiver: Compiled, name: str, arguments: list[Any]) -> Compiled:
        if len(arguments) != 2:
            raise Undecided
        variable, body = _variable(arguments[0]), self.node(arguments[1])

        def each(env: Env) -> tuple[list[Any], dict[str, Any]]:
            items = receiver(env)
            if not isinstance(items, celtypes.ListType):
                raise Undecided
            steps = env.get(STEPS)
            if isinstance(steps, Steps):
                steps.spend(len(items))
            return items, dict(env)

        def mapped(env: Env) -> Any:
            items, scope = each(env)
            out = []
            for item in items:
                scope[variable] = item
                out.append(body(scope))
            return celtypes.ListType(out)

        def filtered(env: Env) -> Any:
            items, scope = each(env)
            kept = []
            for item in items:
                scope[variable] = item
                if _boolean(body(scope)):
                    kept.append(item)
            return celtypes.ListType(kept)

        def tally(env: Env) -> tuple[int, int]:
            """How many items the body held for, of how many (all of them evaluated, as cel-python does)."""
            items, scope = each(env)
            count = 0
            for item in items:
                scope[variable] = item
                count += _boolean(body(scope))
            return count, len(items)

        macros: dict[str, Compiled] = {
            "map": mapped,
            "filter": filtered,
            "all": lambda env: celtypes.BoolType(operator.eq(*tally(env))),
            "exists": lambda env: celtypes.BoolType(tally(env)[0] > 0),
            "exists_one": lambda env: celtypes.BoolType(tally(env)[0] == 1),
        }
        return macros[name]

    def _ident(self, tree: Tree[Any]) -> Compiled:
        name = str(tree.children[0])

        def variable(env: Env) -> Any:
            if name not in env:
                raise Undecided  # an unknown name, or a type name such as int
            return env[name]

        return variable

    def _ident_arg(self, tree: Tree[Any]) -> Compiled:
        name = str(tree.children[0])
        if name in ("has", "dyn"):
            raise Undecided
        function = self.function(name)
        arguments = [self.node(argument) for argument in tree.children[1].children] if len(tree.children) > 1 else []
        return lambda env: _decided(function(*(argument(env) for argument in arguments)))

    def _list_lit(self, tree: Tree[Any]) -> Compiled:
        items = [self.node(item) for item in tree.children[0].children] if tree.children else []
        return lambda env: celtypes.ListType([item(env) for item in items])

    def _literal(self, tree: Tree[Any]) -> Compiled:
        value = _literal(tree.children[0])
        return lambda env: value


def _variable(tree: Any) -> str:
    """The name a macro binds (its first argument must be a bare identifier)."""
    names = list(tree.find_data("ident")) if isinstance(tree, Tree) else []
    if len(names) != 1:
        raise Undecided
    return str(names[0].children[0])


def _literal(token: Any) -> Any:
    """A literal's value, made as cel-python makes it."""
    if not isinstance(token, Token):
        raise Undecided
    try:
        kind, text = token.type, token.value
        if kind == "FLOAT_LIT":
            return celtypes.DoubleType(text)
        if kind == "INT_LIT":
            return celtypes.IntType(text)
        if kind == "UINT_LIT" and text[-1] in "uU":
            return celtypes.UintType(text[:-1])
        if kind in ("MLSTRING_LIT", "STRING_LIT"):
            return celstr(token)
        if kind == "BYTES_LIT":
            return celbytes(token)
        if kind == "BOOL_LIT":
            return celtypes.BoolType(text.lower() == "true")
        if kind == "NULL_LIT":
            return None
    except ValueError as err:
        raise Undecided from err
    raise Undecided
