"""The runner's check of a query before it runs, by DuckDB's own parser.

A query may run only if it is one read-only SELECT or WITH over the
canonical tables (or its own CTEs), calls no file-reading function and no
table function but range, generate_series and unnest, and uses only the
step's parameters. The skill file is data and may have been edited since it
was compiled, so the runner checks again; checking with the parser that will
run the query leaves no room for the two to disagree.

Verdicts are kept by query text. A run decides all of its skill's queries in
one call to the parser before its first step, so a query costs a lookup when
its step comes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

import duckdb

from compiler.readonly import FORBIDDEN_FUNCTIONS, TABLE_FUNCTIONS, empty_exchange
from compiler.runner.errors import QueryRefused, first_line
from compiler.sqlshape import shape_problem

Verdict = tuple[str | None, frozenset[str]]
"""Why the query may not run (None if it may), and the named parameters it uses."""

_verdicts: dict[str, Verdict] = {}
_KEEP = 4096
"""Verdicts kept at most; a process running many skills starts over past this."""


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    """A connection holding the canonical tables, empty, used only to parse queries and name the tables."""
    return empty_exchange()


@cache
def canonical_tables() -> frozenset[str]:
    """The tables of schema/exchange.sql, as DuckDB names them."""
    rows = _parser().execute("SELECT table_name FROM duckdb_tables()").fetchall()
    return frozenset(str(row[0]).lower() for row in rows)


def check(texts: Iterable[str]) -> None:
    """Decide every query not decided yet, all in one call to the parser."""
    fresh = list(dict.fromkeys(text for text in texts if text not in _verdicts))
    if not fresh:
        return
    if len(_verdicts) + len(fresh) > _KEEP:
        _verdicts.clear()
    for text in fresh:
        shape = shape_problem(text)  # validate asks this first too; hostile sizes never reach the parser
        if shape is not None:
            _verdicts[text] = shape.message, frozenset()
    fresh = [text for text in fresh if text not in _verdicts]
    if not fresh:
        return
    row = _parser().execute("SELECT list_transform($texts, lambda q: json_serialize_sql(q, skip_null := true, "
                            "skip_empty := true))",
                            {"texts": fresh}).fetchone()
    for text, tree in zip(fresh, row[0] if row else [None] * len(fresh), strict=True):
        _verdicts[text] = _verdict(text, tree)


def check_skill(skill: Mapping[str, Any]) -> None:
    """Decide all of a skill's queries."""
    check(step["sql"]["text"] for step in skill["steps"] if step.get("sql"))


def refusal(sql: str) -> str | None:
    """Why the runner will refuse this query whatever its parameters, or None (validate asks this too)."""
    check([sql])
    return _verdicts[sql][0]


def used_parameters(sql: str) -> frozenset[str]:
    """The named parameters DuckDB's parser reads in sql (validate asks this too)."""
    check([sql])
    return _verdicts[sql][1]


def forget() -> None:
    """Drop every verdict (the benchmark pays for the checks each run, as a new process does)."""
    _verdicts.clear()


def refuse_unsafe(sql: str, parameters: Sequence[str]) -> tuple[str, ...]:
    """The parameters sql uses; QueryRefused unless it may run with these parameters."""
    check([sql])
    problem, used = _verdicts[sql]
    unknown = sorted(used - set(parameters))
    if problem is None and unknown:
        problem = f"${unknown[0]} is not one of the step's parameters"
    if problem is not None:
        raise QueryRefused(f"query refused before it ran: {problem}")
    return tuple(sorted(used))


def _verdict(sql: str, serialized: str | None) -> Verdict:
    try:
        tree = json.loads(serialized or '{"error": true}')
        if tree.get("error"):  # json_serialize_sql serialises SELECT statements only
            return _why_not(sql, str(tree.get("error_message", "unknown error"))), frozenset()
        statements = tree.get("statements", [])
        if len(statements) != 1:
            return f"expected one statement, found {len(statements)}", frozenset()
        parameters: set[str] = set()
        return _scan(statements[0], parameters), frozenset(parameters)
    except RecursionError:
        return "it is nested too deeply to check", frozenset()


def _scan(statement: dict[str, Any], parameters: set[str]) -> str | None:
    """Why the statement may not run, or None; collects the named parameters it uses.

    A CTE name counts only where DuckDB scopes it: a WITH clause's names are
    visible in its query and the subqueries nested in it, each CTE sees the
    ones defined before it (and itself only if recursive), and nothing
    outside sees them. A name out of scope is a real table. The walk keeps
    its own stack, so a deep query cannot exhaust Python's.
    """
    stack: list[tuple[Any, frozenset[str]]] = [(statement, frozenset())]
    push = stack.append
    while stack:
        node, ctes = stack.pop()
        if type(node) is list:
            for item in node:
                if type(item) is dict or type(item) is list:
                    push((item, ctes))
            continue
        if type(node) is not dict:  # a JSON value where a node was expected: nothing to read
            continue
        kind, family = node.get("type"), node.get("class")
        if kind in _CHECKED_TYPES or family == "FUNCTION":  # the only nodes _refused_node can refuse
            problem = _refused_node(node, ctes)
            if problem is not None:
                return problem
        if family == "PARAMETER":
            parameters.add(str(node.get("identifier", "")))
        inner = ctes
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict) and cte_map.get("map"):
            defined = list(ctes)
            for entry in cte_map["map"]:
                name, query = str(entry.get("key", "")).lower(), entry.get("value")
                recursive = isinstance(query, dict) and query.get("query_node", {}).get("type") == "RECURSIVE_CTE_NODE"
                push((query, frozenset([*defined, name] if recursive else defined)))
                defined.append(name)
            inner = frozenset(defined)
        for key, value in node.items():
            if (type(value) is dict or type(value) is list) and key != "cte_map":
                push((value, inner))
    return None


_CHECKED_TYPES = frozenset({"BASE_TABLE", "TABLE_FUNCTION", "SHOW_REF"})


def _refused_node(node: dict[str, Any], ctes: frozenset[str]) -> str | None:
    """Why this one node may not run: a table, function or catalog read outside the exchange tables."""
    kind = node.get("type")
    if kind == "BASE_TABLE":
        name = str(node.get("table_name", "")).lower()
        if node.get("schema_name") or node.get("catalog_name") or (name not in canonical_tables() and name not in ctes):
            written = ".".join(str(node[k]) for k in ("catalog_name", "schema_name", "table_name") if node.get(k))
            return f"{written!r} is not a canonical exchange table"
    elif kind == "TABLE_FUNCTION":
        name = str(node.get("function", {}).get("function_name", "")).lower()
        if name not in TABLE_FUNCTIONS:
            return f"table function {name}() reads outside the exchange tables"
    elif kind == "SHOW_REF":
        return "SHOW, DESCRIBE and SUMMARIZE read the catalog, not the exchange tables"
    elif node.get("class") == "FUNCTION" and str(node.get("function_name", "")).lower() in FORBIDDEN_FUNCTIONS:
        return f"function {node['function_name']}() reads outside the exchange tables"
    return None


def _why_not(sql: str, message: str) -> str:
    """Why a query that did not serialise is refused, in the words of the statement it is."""
    try:
        statements = _parser().extract_statements(sql)
    except duckdb.Error as err:
        return f"it does not parse: {first_line(err)}"
    if len(statements) != 1:
        return f"expected one statement, found {len(statements)}"
    if statements[0].type == duckdb.StatementType.MULTI:
        return "it expands to several statements, as PIVOT does; write one SELECT (GROUP BY with FILTER)"
    if statements[0].type != duckdb.StatementType.SELECT:
        return f"{statements[0].type.name} is not a read-only SELECT query"
    return f"it does not parse: {message}"
