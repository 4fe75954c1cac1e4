"""Static analysis of one query step's SQL (DuckDB dialect) with sqlglot.

Pure: SQL text and the catalog in, findings out. The query must be a single
read-only SELECT; parameters are $name placeholders, bound at run time.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, SqlglotError, TokenError
from sqlglot.optimizer.qualify import qualify

from compiler.readonly import FORBIDDEN_FUNCTIONS
from compiler.resources import schema_text
from compiler.sqlshape import line_col, shape_problem
from compiler.suggest import closest

# sqlglot logs what its optimizer cannot model; the analysis reports what matters itself.
logging.getLogger("sqlglot").addHandler(logging.NullHandler())
logging.getLogger("sqlglot").propagate = False

Catalog = dict[str, dict[str, str]]
"""Table -> column -> SQL type."""

SPLICED = re.compile(r"\$[A-Za-z_]\w*|\{[A-Za-z_]\w*\}")
"""A parameter as an author writes one ($name, or {name} from templates): inside a string literal, a mistake."""
_UNRESOLVED = re.compile(r"Column '([^']+)' could not be resolved|Unknown column: (\S+)")
_LINE_COL = re.compile(r"Line: (\d+), Col: (\d+)")
_MISSING_ARG = re.compile(r"Required keyword: '(\w+)' missing for <class '[\w.]*?(\w+)'>")
_OPERATORS = {"EQ": "=", "NEQ": "<>", "GT": ">", "GTE": ">=", "LT": "<", "LTE": "<=", "And": "AND", "Or": "OR",
              "Add": "+", "Sub": "-", "Mul": "*", "Div": "/", "Like": "LIKE", "ILike": "ILIKE", "In": "IN",
              "Between": "BETWEEN", "Is": "IS"}


@dataclass(frozen=True, slots=True)
class SqlProblem:
    """One finding, located inside the SQL text (1-based)."""

    code: str
    message: str
    line: int = 1
    col: int = 1
    hint: str = ""


@dataclass(frozen=True, slots=True)
class SqlReport:
    """What the analysis found."""

    problems: tuple[SqlProblem, ...]
    parameters: tuple[str, ...] = ()
    """Named parameters in order of first use."""
    columns: tuple[str, ...] | None = None
    """Output column names, when every output is named (no *)."""
    tables: tuple[str, ...] = field(default=())
    """Canonical tables read."""
    exact: bool = True
    """False when DuckDB gave the columns (its names for unnamed expressions, a `*` expanded): where a
    condition reads a column not among them, sqlglot's report of the same query decides."""


@cache
def catalog() -> Catalog:
    """The canonical exchange tables from schema/exchange.sql."""
    tables: Catalog = {}
    for statement in sqlglot.parse(schema_text("exchange.sql"), read="duckdb"):
        if isinstance(statement, exp.Create) and isinstance(statement.this, exp.Schema):
            name = statement.this.this.name
            tables[name] = {
                col.name: col.args["kind"].sql("duckdb") if col.args.get("kind") else "VARCHAR"
                for col in statement.this.expressions if isinstance(col, exp.ColumnDef)
            }
    return tables


def _find(sql: str, word: str) -> tuple[int, int]:
    """1-based position of the first whole-word occurrence of word in sql."""
    match = re.search(rf"(?<![\w$]){re.escape(word)}(?!\w)", sql)
    if match is None:
        return (1, 1)
    before = sql[: match.start()]
    return (before.count("\n") + 1, match.start() - (before.rfind("\n") + 1) + 1)


def _token_start(sql: str, line: int, col: int, token: str) -> tuple[int, int]:
    """sqlglot reports the column where a token ends; authors want where it starts."""
    lines = sql.split("\n")
    start = col - len(token) + 1
    if token and "\n" not in token and 0 < line <= len(lines) and start >= 1 \
            and lines[line - 1][start - 1:col] == token:
        return line, start
    return line, col


def _parse_message(description: str) -> str:
    """sqlglot's parser message, without its internal class names."""
    missing = _MISSING_ARG.search(description)
    if missing is None:
        return description
    operator = _OPERATORS.get(missing.group(2))
    side = "right" if missing.group(1) == "expression" else "left"
    if operator is not None:
        return f"'{operator}' has nothing on its {side} side"
    return f"an incomplete {missing.group(2)} expression"


_PARSE_HINT = "query steps are one DuckDB SELECT; write parameters as $name"
Read = tuple[list[exp.Expression], SqlProblem | None]
"""A query as read_query read it: its statements, or why they cannot be read."""


def read_query(sql: str) -> Read:
    """The query's statements as sqlglot reads DuckDB, or why it cannot read them."""
    shape = shape_problem(sql)  # asked by the runner's check too: one verdict, and no parser on hostile sizes
    if shape is not None:
        where = line_col(sql, shape.offset)
        if not shape.too_large:
            return [], SqlProblem("SOP302", shape.message, *where,
                                  hint="query steps only read: write effects as action steps")
        if shape.message.startswith("parentheses"):
            return [], SqlProblem("SOP301", f"SQL does not parse: {shape.message}", *where,
                                  hint="use a WITH clause to name the inner queries")
        return [], SqlProblem("SOP301", f"SQL is too large to check: {shape.message}", *where,
                              hint="split the work into several query steps")
    try:
        # isinstance, not "is not None": narrows the type on every sqlglot version.
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if isinstance(s, exp.Expression)]
    except ParseError as err:
        first = err.errors[0] if err.errors else {}
        message = _parse_message(str(first.get("description") or err).split("\n")[0])
        line, col = _token_start(sql, int(first.get("line") or 1), int(first.get("col") or 1),
                                 str(first.get("highlight") or ""))
        near = f" near {first['highlight']!r}" if first.get("highlight") else ""
        return [], SqlProblem("SOP301", f"SQL does not parse{near}: {message}", line, col, _PARSE_HINT)
    except (TokenError, SqlglotError) as err:
        return [], SqlProblem("SOP301", f"SQL does not parse: {str(err).splitlines()[0]}", hint=_PARSE_HINT)
    except RecursionError:
        # Deep nesting without parentheses (long operator chains): a verdict, not a crash.
        return [], SqlProblem("SOP301", "SQL does not parse: the query nests too deeply to analyse",
                              hint="use a WITH clause to name the inner queries")
    return statements, None


_WRITES = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Command, exp.Copy,
           exp.Pragma)


class _Nodes:
    """The nodes of a query that analyze reads, by kind, each in find_all's (breadth-first) order: one walk."""

    __slots__ = ("ctes", "funcs", "literals", "placeholders", "tables", "writes")

    def __init__(self, tree: exp.Expression) -> None:
        self.writes = False
        self.funcs: list[exp.Func] = []
        self.placeholders: list[exp.Placeholder] = []
        self.literals: list[exp.Literal | exp.RawString] = []
        self.ctes: list[exp.CTE] = []
        self.tables: list[exp.Table] = []
        for node in tree.walk():
            if isinstance(node, _WRITES):
                self.writes = True
                return
            if isinstance(node, exp.Func):
                self.funcs.append(node)
            if isinstance(node, exp.Placeholder):
                self.placeholders.append(node)
            if isinstance(node, (exp.Literal, exp.RawString)):  # RawString: a dollar-quoted $$text$$
                self.literals.append(node)
            if isinstance(node, exp.CTE):
                self.ctes.append(node)
            if isinstance(node, exp.Table):
                self.tables.append(node)


def analyze(sql: str, allowed_parameters: set[str], tables: Catalog | None = None, *,
            resolve_columns: bool = True) -> SqlReport:
    """Check one query step's SQL against the rules and the catalog (resolve_columns=False: without looking
    for unknown columns, the costliest step, for a caller that needs the parameters, columns and tables of a
    query validated before)."""
    return analyze_read(sql, read_query(sql), allowed_parameters, tables, resolve_columns=resolve_columns)


def analyze_read(sql: str, parsed: Read, allowed_parameters: set[str], tables: Catalog | None = None, *,
                 resolve_columns: bool = True) -> SqlReport:
    """analyze, given the query as read_query read it; the statements are read, never changed."""
    tables = catalog() if tables is None else tables
    statements, error = parsed
    if error is not None:
        return SqlReport((error,))
    if len(statements) != 1:
        return SqlReport((SqlProblem("SOP302", f"expected one statement, found {len(statements)}",
                                     hint="a query step runs exactly one SELECT"),))
    tree = statements[0]
    if not isinstance(tree, exp.Query) or (nodes := _Nodes(tree)).writes:
        kind = tree.key.upper()
        return SqlReport((SqlProblem("SOP302", f"{kind} is not a read-only SELECT query",
                                     hint="query steps only read: write effects as action steps"),))
    problems: list[SqlProblem] = []
    for func in nodes.funcs:
        name = (func.name if isinstance(func, exp.Anonymous) else func.sql_name()).lower()
        if name in FORBIDDEN_FUNCTIONS:
            problems.append(SqlProblem("SOP302", f"function {name}() reads outside the exchange tables",
                                       *_find(sql, name), hint="query only the canonical tables"))

    parameters: list[str] = []
    for placeholder in nodes.placeholders:
        name = placeholder.name
        # sqlglot names a bare ? placeholder "?", and $1 "1": both are positional.
        if not name or name == "?" or name.isdigit():
            written = f"${name}" if name.isdigit() else "?"
            problems.append(SqlProblem("SOP303", f"positional parameter {written}; use a named $parameter",
                                       *_find(sql, written), hint="write $account_id, not ? or $1"))
            continue
        if name not in parameters:
            parameters.append(name)
        if name not in allowed_parameters:
            problems.append(SqlProblem("SOP303", f"parameter ${name} is not an input, threshold or param",
                                       *_find(sql, f"${name}"), hint=closest(name, allowed_parameters)
                                       or "declare it under inputs or thresholds, or bind it under params"))
    for literal in nodes.literals:
        if (isinstance(literal, exp.RawString) or literal.is_string) and SPLICED.search(literal.this):
            problems.append(SqlProblem("SOP306", f"parameter written inside the string '{literal.this}'",
                                       *_find(sql, SPLICED.search(literal.this).group(0)),  # type: ignore[union-attr]
                                       hint="write the parameter outside quotes: = $account_id"))

    # DuckDB's names are case-insensitive, and a schema or catalog prefix reaches outside the exchange tables:
    # the runner's check reads them so too.
    ctes = {cte.alias_or_name.lower() for cte in nodes.ctes}
    read: list[str] = []
    for table in nodes.tables:
        written, name = table.name, table.name.lower()
        if not name or (name in ctes and not table.db):
            continue
        if name not in tables or table.db or table.catalog:
            shown = ".".join(part for part in (table.catalog, table.db, written) if part)
            problems.append(SqlProblem("SOP304", f"table {shown!r} is not a canonical exchange table",
                                       *_find(sql, written), hint=closest(name, tables)
                                       or "see schema/exchange.sql for the tables"))
        elif name not in read:
            read.append(name)
    if resolve_columns and not any(p.code == "SOP304" for p in problems):
        problems.extend(_columns(sql, tree, tables))
    named = None if any(isinstance(s, exp.Star) for s in tree.selects) else tuple(tree.named_selects)
    return SqlReport(tuple(problems), tuple(parameters), named, tuple(read))


def _columns(sql: str, tree: exp.Expression, tables: Catalog) -> list[SqlProblem]:
    """Unknown columns, found by qualifying the query against the catalog."""
    try:
        schema: dict[str, object] = dict(tables)  # qualify's parameter type is invariant
        qualify(tree.copy(), schema=schema, dialect="duckdb", validate_qualify_columns=True)
    except (AssertionError, SqlglotError) as err:  # PIVOT in a subquery, among others, trips an assertion
        match = _UNRESOLVED.search(str(err)) if isinstance(err, OptimizeError) else None
        if match is None:
            return []  # a construct the qualifier does not model: no verdict, no false alarm
        column = match.group(1) or match.group(2)
        where = _LINE_COL.search(str(err))
        if where:
            line, col = _token_start(sql, int(where.group(1)), int(where.group(2)), column.split(".")[-1])
        else:
            line, col = _find(sql, column.split(".")[-1])
        known = sorted({c for cols in tables.values() for c in cols})
        return [SqlProblem("SOP305", f"column {column!r} does not exist in the tables this query reads",
                           line, col, closest(column.split(".")[-1], known))]
    except (ValueError, KeyError, AttributeError, RecursionError):
        return []
    return []
