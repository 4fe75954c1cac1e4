"""DuckDB's own binder on a query step, at validate time.

sqlglot (`sqlcheck`) knows the tables and columns; only DuckDB knows its
functions, their argument types and its GROUP BY rules. Each query is bound
(never run) against one empty in-memory database built from
schema/exchange.sql, with every parameter given the type the runner will
bind: an input's type, a threshold's value, or the type of the column a
CEL-defined parameter reads from an earlier step. What DuckDB rejects there
it would reject in `sopc test` and `sopc run`.

`bind` is the one entry point; its verdicts are kept by query and parameter
types, so a query is bound once per process.
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb

from compiler.readonly import empty_exchange

ParamTypes = tuple[tuple[str, str], ...]
"""(parameter name, DuckDB type or '' when unknown), sorted by name."""


@dataclass(frozen=True, slots=True)
class Bound:
    """DuckDB's verdict on one query."""

    error: str = ""
    """DuckDB's message ('' when the query binds)."""
    offset: int | None = None
    """0-based character offset of the error inside the SQL, when DuckDB gives one."""
    suggestion: str = ""
    """The name DuckDB proposes for an unknown function, table or column."""
    detail: str = ""
    """The rest of DuckDB's message: its advice, or the signatures that fit the first argument."""
    columns: tuple[tuple[str, str], ...] = ()
    """The result's (column name, DuckDB type), when it binds."""


_PREFIX = "PREPARE sopc_bind AS "
_SAMPLES: dict[str, Any] = {
    "VARCHAR": "", "TIMESTAMP": datetime.datetime(2026, 1, 1), "DATE": datetime.date(2026, 1, 1),
    "DOUBLE": 0.5, "BIGINT": 1 << 40, "INTEGER": 1, "BOOLEAN": False,
}
_CALL = re.compile(r"argument types '([^(']+)\(([^)']*)\)'")
_MISSING = re.compile(r"Function with name (\w+) does not exist")
_SUGGESTED = re.compile(r'Did you mean "([^"]+)"')
_verdicts: dict[tuple[str, ParamTypes], Bound] = {}


@cache
def _database() -> duckdb.DuckDBPyConnection:
    """The canonical tables, empty; nothing outside the process is reachable; errors come as JSON."""
    return empty_exchange("SET errors_as_json = true")


@cache
def _functions() -> tuple[str, ...]:
    """Every function name DuckDB knows, for a did-you-mean closer than its own edit-distance pick."""
    rows = _database().execute("SELECT DISTINCT function_name FROM duckdb_functions()").fetchall()
    special = ("coalesce", "ifnull", "try_cast")  # SQL forms the parser handles, absent from the function list
    return tuple(sorted({*special, *(str(row[0]) for row in rows if str(row[0]).isidentifier())}))


def _proposed(name: str, duckdb_pick: str) -> str:
    """The known function closest to a misspelt one (DuckDB's own pick when none is close)."""
    match = difflib.get_close_matches(name.lower(), _functions(), n=1, cutoff=0.75) if name else []
    return match[0] if match else duckdb_pick


def sample(duck_type: str) -> Any:
    """A Python value DuckDB binds with this type (None, an untyped NULL, when the type is unknown)."""
    if duck_type.endswith("[]"):
        inner = sample(duck_type[:-2])
        return None if inner is None else [inner]
    return _SAMPLES.get(duck_type)


def _parsed(err: duckdb.Error) -> tuple[str, int | None, str, str]:
    """(message, offset into the prepared statement, suggestion, name it is about) from an error DuckDB gave as JSON."""
    text = str(err)
    start = text.find("{")
    try:
        payload = json.loads(text[start:]) if start >= 0 else {}
    except json.JSONDecodeError:
        payload = {}
    message = str(payload.get("exception_message") or text).strip()
    position = payload.get("position")
    offset = int(position) if isinstance(position, str) and position.isdigit() else None
    candidates = str(payload.get("candidates") or "")
    suggestion = candidates.split(",")[0].strip() if payload.get("error_subtype") == "MISSING_ENTRY" else ""
    return message, offset, suggestion, str(payload.get("name") or "")


def _named(sql: str, name: str) -> int | None:
    """Where a function named in an error is called, when DuckDB gives no position (inside a CTE)."""
    found = re.search(rf"(?<![\w.]){re.escape(name)}\s*\(", sql, re.IGNORECASE) if name else None
    return found.start() if found else None


def _split(message: str) -> tuple[str, str]:
    """DuckDB's first line, and the rest as a hint (a long list of candidate signatures cut to those that fit)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    first, rest = (lines[0] if lines else message), [line for line in lines[1:] if not line.startswith("Did you mean")]
    call = _CALL.search(first)
    if "Candidate functions:" in rest and call is not None:
        wanted = call.group(2).split(",")[0].strip()
        fitting = [c for c in rest[rest.index("Candidate functions:") + 1:] if f" {wanted}," in c or f" {wanted})" in c]
        rest = [f"{call.group(1)} takes {wanted} as in: {'; '.join(fitting[:3])}; cast the other argument"] \
            if fitting else ["add an explicit cast"]
    return first, " ".join(rest)


def _typed_offset(sql: str, message: str, params: ParamTypes) -> int | None:
    """Where a wrong argument type shows: the parameter of that type, else the function's name."""
    call = _CALL.search(message)
    if call is None:
        return None
    arguments = {a.strip() for a in call.group(2).split(",")}
    for name, kind in params:
        if kind in arguments and (found := re.search(rf"\${re.escape(name)}\b", sql)):
            return found.start()
    named = re.search(rf"\b{re.escape(call.group(1))}\s*\(", sql, re.IGNORECASE) if call.group(1).isidentifier() else None
    return named.start() if named else None


def _bind(sql: str, params: ParamTypes) -> Bound:
    connection = _database()
    values = {name: sample(kind) for name, kind in params}
    signature = getattr(connection, "_bind", None)
    if signature is not None:
        # The binder entry point DuckDB's relation calls itself (duckdb 2.0), without the relation's own pass over
        # the text in Python (a fifth of a query's check). Only a query that binds is read here: the relation
        # below words every error, as before, and serves a duckdb without this entry point.
        try:
            names, types, _, returns, *_ = signature(sql, values=values)
            if returns == "query_result":
                return Bound(columns=tuple((str(n), str(t)) for n, t in zip(names, types, strict=True)))
        except duckdb.Error:
            pass
    try:
        # A lazy relation binds with the parameters' types (argument types too), without running.
        relation = connection.sql(sql, params=values)
    except duckdb.Error as err:
        return _prepared(sql) or _relation_error(sql, err, params)
    if relation is None:
        return Bound()
    return Bound(columns=tuple((str(n), str(t)) for n, t in zip(relation.columns, relation.types, strict=True)))


def _prepared(sql: str) -> Bound | None:
    """PREPARE's verdict, which gives positions (unknown names, GROUP BY, ambiguity); None when it binds."""
    connection = _database()
    try:
        connection.execute(_PREFIX + sql)
    except duckdb.Error as err:
        message, offset, suggestion, name = _parsed(err)
        first, detail = _split(message)
        at = _named(sql, name) if offset is None else max(offset - len(_PREFIX), 0)
        return Bound(first, at, _proposed(name, suggestion) if suggestion else "", detail)
    finally:
        with contextlib.suppress(duckdb.Error):  # nothing to drop when PREPARE failed
            connection.execute("DEALLOCATE sopc_bind")
    return None


def _relation_error(sql: str, err: duckdb.Error, params: ParamTypes) -> Bound:
    """An error only typed parameters show: name, suggestion and place read from the message (it has no JSON)."""
    message = str(err).removeprefix(f"{type(err).__name__.removesuffix('Exception')} Error: ")
    first, detail = _split(message)
    missing = _MISSING.search(message)
    offset = _named(sql, missing.group(1)) if missing else _typed_offset(sql, message, params)
    proposed = _SUGGESTED.search(message)
    suggestion = _proposed(missing.group(1) if missing else "", proposed.group(1)) if proposed else ""
    return Bound(first, offset, suggestion, detail)


def bind(sql: str, params: Mapping[str, str]) -> Bound:
    """DuckDB's verdict on sql with parameters of these DuckDB types ('' for unknown)."""
    key = (sql, tuple(sorted(params.items())))
    if key not in _verdicts:
        _verdicts[key] = _bind(sql, key[1])
    return _verdicts[key]
