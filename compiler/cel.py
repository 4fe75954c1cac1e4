"""Parse CEL conditions and list the names they read.

Conditions are CEL (Common Expression Language): no side effects, no loops
beyond the bounded macros, no eval. The linter parses every condition and
checks that each name it reads is declared; the runner evaluates them with
the same library (cel-python).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import celpy.celparser
from celpy.celparser import CELParseError, CELParser
from lark import Lark, Token, Tree
from lark.exceptions import LarkError

_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
_MACRO_NAME = re.compile("all|exists|map|filter")
"""Found in the text of every expression that calls a macro (and of some that do not)."""
MAX_NESTING = 32
"""Brackets deep. Real conditions nest three or four; each level costs about ten
levels of parse tree, which the walker (and cel-python) descend recursively."""
MAX_COMPREHENSIONS = 2
"""Macros (map, filter, all, exists, exists_one) nested in one another's bodies. Their cost multiplies:
two deep over the kept rows of two queries is a million steps; nine deep over ten items is a billion."""
MAX_LENGTH = 4000
"""Characters of one expression: conditions are a line or two."""
Access = str | None
"""A field name, or None for an index ([0])."""


@dataclass(frozen=True, slots=True)
class Reference:
    """A free name read by an expression and the fields accessed on it."""

    root: str
    fields: tuple[Access, ...]


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed condition: its references, or the parse error."""

    references: tuple[Reference, ...] = ()
    error: str = ""
    line: int = 1
    col: int = 1


@cache
def _parser() -> CELParser:
    return CELParser()


@cache
def _quick() -> Lark:
    """cel-python's grammar and options, without a source position on every tree node (the walk reads tokens,
    which keep theirs): the same trees in less than half the time. An expression it refuses goes to
    cel-python's own parser, whose error is the one reported."""
    grammar = (Path(celpy.celparser.__file__).parent / "cel.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", start="expr", g_regex_flags=re.M, maybe_placeholders=False,
                lexer_callbacks={"IDENT": CELParser.ambiguous_literals}, priority="invert")


def syntax_tree(expression: str) -> Any:
    """cel-python's syntax tree of an expression; CELParseError as cel-python raises it."""
    try:
        return _quick().parse(expression)
    except LarkError:
        return _parser().parse(expression)


def warm() -> None:
    """Build the parser now (a second or so), before a process pool inherits it."""
    _quick()


def _ident_of(tree: Any) -> str | None:
    """The identifier when a subtree is just a bare name (macro variables)."""
    while isinstance(tree, Tree) and len(tree.children) == 1:
        if tree.data == "ident":
            token = tree.children[0]
            return str(token) if isinstance(token, Token) else None
        tree = tree.children[0]
    return None


_CHAINED = frozenset({"member_dot", "member_index"})
_MEMBERS = frozenset({"member_dot", "member_index", "member"})
_METHOD = frozenset({"member_dot_arg"})
_IDENT = frozenset({"ident"})
_IDENT_ARG = frozenset({"ident_arg"})


class _Walker:
    def __init__(self) -> None:
        self.found: list[Reference] = []

    def walk(self, node: Any, bound: frozenset[str]) -> None:
        if not isinstance(node, Tree):
            return
        data = node.data  # a lark Token: compared through sets, whose misses never call its Python __eq__
        if data in _CHAINED:
            self._chain(node, bound)
        elif data in _METHOD:
            self._method(node, bound)
        elif data in _IDENT:
            name = str(node.children[0])
            if name not in bound:
                self.found.append(Reference(name, ()))
        elif data in _IDENT_ARG:
            for child in node.children[1:]:
                self.walk(child, bound)
        else:
            for child in node.children:
                self.walk(child, bound)

    def _chain(self, node: Tree[Any], bound: frozenset[str]) -> None:
        fields: list[Access] = []
        current: Any = node
        while isinstance(current, Tree) and current.data in _MEMBERS:
            if current.data == "member":
                current = current.children[0]
                continue
            if current.data == "member_dot":
                fields.append(str(current.children[1]))
            else:
                fields.append(None)
                self.walk(current.children[1], bound)
            current = current.children[0]
        name = _ident_of(current)
        if name is not None and isinstance(current, Tree) and current.data == "primary":
            if name not in bound:
                self.found.append(Reference(name, tuple(reversed(fields))))
        else:
            self.walk(current, bound)

    def _method(self, node: Tree[Any], bound: frozenset[str]) -> None:
        receiver, method = node.children[0], str(node.children[1])
        args = node.children[2] if len(node.children) > 2 else None
        self.walk(receiver, bound)
        exprs = list(args.children) if isinstance(args, Tree) else []
        if method in _MACROS and exprs:
            variable = _ident_of(exprs[0])
            if variable is not None:
                for expr in exprs[1:]:
                    self.walk(expr, bound | {variable})
                return
        for expr in exprs:
            self.walk(expr, bound)


def comprehension_depth(tree: Any) -> tuple[int, int, int]:
    """How deep macros nest in one another's arguments, and the (line, col) of the deepest; no recursion."""
    deepest, where = 0, (1, 1)
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, Tree):
            continue
        if node.data in _METHOD and len(node.children) > 2 and str(node.children[1]) in _MACROS:
            # The receiver is evaluated once; the arguments once per item: only they nest the cost.
            inner, name = depth + 1, node.children[1]
            if inner > deepest:
                deepest, where = inner, (getattr(name, "line", 1) or 1, getattr(name, "column", 1) or 1)
            stack.append((node.children[0], depth))
            stack.extend((child, inner) for child in node.children[2:])
            continue
        stack.extend((child, depth) for child in node.children)
    return deepest, *where


def budget_problem(expression: str, tree: Any) -> tuple[str, int, int] | None:
    """Why evaluating this expression could cost without bound (and where), or None."""
    if _MACRO_NAME.search(expression) is None:
        return None  # no macro is called: nothing nests (most conditions; the tree is not walked)
    depth, line, col = comprehension_depth(tree)
    if depth > MAX_COMPREHENSIONS:
        return (f"comprehensions (map, filter, all, exists) nest {depth} deep; the limit is {MAX_COMPREHENSIONS}",
                line, col)
    return None


def _too_deep(expression: str) -> tuple[int, int] | None:
    """(line, col) where brackets first nest deeper than MAX_NESTING, outside string literals."""
    depth, quote, escaped, line, col = 0, "", False, 1, 0
    for char in expression:
        col += 1
        if char == "\n":
            line, col = line + 1, 0
        if quote:
            escaped, quote = (not escaped and char == "\\"), ("" if char == quote and not escaped else quote)
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
            if depth > MAX_NESTING:
                return line, col
        elif char in ")]}":
            depth -= 1
    return None


@cache
def parse(expression: str) -> Parsed:
    """Parse a CEL expression; cached because libraries repeat conditions."""
    if len(expression) > MAX_LENGTH:
        return Parsed(error=f"it is {len(expression):,} characters long; the limit is {MAX_LENGTH:,}")
    deep = _too_deep(expression)
    if deep is not None:
        # Refused before parsing: hostile nesting must not reach the recursive walker.
        return Parsed(error=f"brackets nest more than {MAX_NESTING} deep", line=deep[0], col=deep[1])
    try:
        tree = syntax_tree(expression)
    except CELParseError as err:
        line = getattr(err, "line", None) or 1
        col = getattr(err, "column", None) or 1
        return Parsed(error="syntax error", line=int(line), col=int(col))
    except (RecursionError, ValueError) as err:
        return Parsed(error=f"expression too complex ({type(err).__name__})")
    costly = budget_problem(expression, tree)
    if costly is not None:
        return Parsed(error=costly[0], line=costly[1], col=costly[2])
    walker = _Walker()
    try:
        walker.walk(tree, frozenset())
    except RecursionError:
        # Long chains of unary operators (!!!!...) nest without brackets.
        return Parsed(error="expression too complex (nested too deeply)")
    return Parsed(tuple(dict.fromkeys(walker.found)))


def render(reference: Reference) -> str:
    """The reference as written: root.field[..].field."""
    text = reference.root
    for access in reference.fields:
        text += "[…]" if access is None else f".{access}"
    return text
