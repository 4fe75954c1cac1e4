"""DuckDB query steps translated to Spark SQL, faithfully or not at all (pure: text in, text or problems out).

sqlglot transpiles the dialects, but it passes functions it does not know
through unchanged and renders some it does know with another meaning (a
DuckDB `date_diff` counts boundaries crossed, Spark's `DATEDIFF` whole units
elapsed; `list(x ORDER BY x)` loses its order). So a query is translated
only when every function in it is on an allow-list of functions known to
mean the same on both engines, or is one that sopc rewrites itself, below,
into Spark SQL of the same meaning. Anything else is a problem naming the
construct and where it is, which `validate` reports (SOP310): a skill that
builds is a skill whose Spark text means what its DuckDB text means.

The rewrites (DuckDB → Spark):

- `to_seconds/to_minutes/to_hours/to_days(n)` → `n * INTERVAL '1' UNIT`;
- `time_bucket(width, ts)` → bucket arithmetic on microseconds from DuckDB's
  origin (2000-01-03), for widths of seconds to days;
- `date_diff('unit', a, b)` → `TIMESTAMPDIFF(UNIT, DATE_TRUNC(a), DATE_TRUNC(b))`:
  boundaries crossed, as DuckDB counts them;
- `len(list)` → `SIZE`, `len(text)` → `LENGTH` (anything else: a problem);
- `string_agg([DISTINCT] x, sep [ORDER BY x])` → `ARRAY_JOIN(ARRAY_SORT(COLLECT_SET|LIST(x)), sep)`,
  NULL over no values (Spark's LISTAGG ... WITHIN GROUP fails inside the engine);
- `list([DISTINCT] x [ORDER BY x])` → sorted `COLLECT_LIST/SET`, with DuckDB's
  NULL elements kept (last) and NULL over no rows;
- `list_distinct(l)` → `ARRAY_DISTINCT` without NULLs, as DuckDB drops them;
- `arg_max/arg_min(a, v)` → `MAX_BY/MIN_BY`, ignoring rows where a is NULL as DuckDB does;
- `a / b` → `TRY_DIVIDE(a, b)`: NULL on division by zero, as in DuckDB;
- a scalar subquery `(SELECT e ... ORDER BY k [DESC] LIMIT 1)` → `(SELECT MAX_BY|MIN_BY(e, k) ...)`,
  which Spark accepts where a correlated LIMIT is refused;
- `arg_min/arg_max(a, row(k1, k2, ...))` → a STRUCT key with each field's NULL ordered last, as DuckDB
  orders NULLs inside nested values;
- `list_sort(l)` → `ARRAY_SORT(l)` (ascending, NULLs last on both);
- a computed `LIMIT n` → `LIMIT CAST(n AS INT)` (Spark counts rows in INT);
- a scalar subquery among a grouped SELECT's columns that correlates only on GROUP BY keys →
  `FIRST(subquery)` (one value per group; Spark plans such a subquery only inside an aggregate);
- `SELECT unnest(a) AS x, unnest(b) AS y` (no FROM) → the positions 1..n of the longer list, each list
  read at them, NULL past its end: DuckDB's side-by-side unnest (Spark allows one generator per SELECT).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokenizer_core import Token, TokenType

from compiler.sqlcheck import Read, SqlProblem, catalog, read_query

ENGINE = "spark"
CODE = "SOP310"

SAME_MEANING: frozenset[type[exp.Expression]] = frozenset({
    exp.Abs, exp.Avg, exp.Case, exp.Cast, exp.Coalesce, exp.Count, exp.Exists, exp.Greatest, exp.Least,
    exp.If, exp.Lower, exp.Upper, exp.MD5, exp.Max, exp.Min, exp.Nullif, exp.Sum, exp.Median, exp.Sign,
    exp.LogicalOr, exp.LogicalAnd, exp.ArrayContains, exp.TimestampTrunc, exp.DateTrunc, exp.Array,
    exp.RowNumber, exp.Rank, exp.DenseRank, exp.Round, exp.Floor, exp.Ceil, exp.ConcatWs,
})
"""Functions (sqlglot's classes) that compute the same values on DuckDB and on Spark."""

_INTERVALS = {"to_seconds": "SECOND", "to_minutes": "MINUTE", "to_hours": "HOUR", "to_days": "DAY"}
_MICROS = {"SECOND": 1_000_000, "MINUTE": 60_000_000, "HOUR": 3_600_000_000, "DAY": 86_400_000_000}
_DIFF_UNITS = frozenset({"MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "MONTH", "YEAR"})
_BUCKET_ORIGIN_MICROS = 946_857_600_000_000
"""2000-01-03 00:00:00 UTC: DuckDB's time_bucket origin for widths without months."""
_LISTS = (exp.Array, exp.ArrayAgg, exp.ArrayDistinct)
_TEXTS = (exp.Lower, exp.Upper, exp.MD5, exp.DPipe, exp.Concat, exp.Substring, exp.Trim)


@dataclass(frozen=True, slots=True)
class Translation:
    """A query in Spark SQL, or why there is none."""

    text: str | None
    """The Spark SQL, with :name parameters; None when there are problems or the DuckDB text does not parse."""
    problems: tuple[SqlProblem, ...] = ()


class _Untranslatable(Exception):
    """A construct with no faithful Spark SQL: the node and what to say about it."""

    def __init__(self, node: exp.Expression, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.node, self.message, self.hint = node, message, hint


@cache
def _template(template: str) -> exp.Expression:
    """A Spark SQL template parsed once, without positions (they are not positions in the author's SQL)."""
    tree = sqlglot.parse_one(template, read="spark")
    assert isinstance(tree, exp.Expression)  # sopc's own templates, each an expression
    for node in tree.walk():
        for key in ("line", "col", "start", "end"):
            node.meta.pop(key, None)
    return tree


def _spark(template: str, **parts: exp.Expression) -> exp.Expression:
    """A Spark SQL expression with the names in parts replaced by those subtrees."""
    tree = _template(template).copy()

    def place(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in parts:
            return parts[node.name].copy()
        return node

    return tree.transform(place, copy=False)


def _spark_moved(template: str, **parts: exp.Expression) -> exp.Expression:
    """_spark for parts that are the rewritten node's own children, each named once in the template: they are
    moved into it, not copied (the node they leave is dropped; copying the subtrees under every division was a
    third of the rewrites' time)."""
    tree = _template(template).copy()
    return tree.transform(lambda node: parts.pop(node.name) if isinstance(node, exp.Column) and not node.table
                          and node.name in parts else node, copy=False)


def _name(node: exp.Expression) -> str:
    """The function's name as an author writes it."""
    if isinstance(node, exp.Func) and not isinstance(node, exp.Anonymous):
        return node.sql_name().lower()
    return node.name.lower()


def _interval_unit(node: exp.Expression) -> str | None:
    """SECOND..DAY for to_seconds..to_days(n), else None."""
    if isinstance(node, exp.ToDays):
        return "DAY"
    if isinstance(node, exp.Anonymous):
        return _INTERVALS.get(node.name.lower())
    return None


def _interval(node: exp.Expression) -> exp.Expression:
    unit = _interval_unit(node)
    amount = node.this if isinstance(node, exp.ToDays) else node.expressions[0]
    made = _spark(f"(n) * INTERVAL '1' {unit}", n=amount)
    made.meta["micros"] = _spark(f"CAST(n AS BIGINT) * {_MICROS[str(unit)]}", n=amount)  # for time_bucket
    return made


def _width_micros(width: exp.Expression, at: exp.Expression) -> exp.Expression:
    """A time_bucket width as microseconds: to_minutes(n) and the like, or a constant interval."""
    micros = width.meta.get("micros")
    if isinstance(micros, exp.Expression):  # to_minutes(n) and the like, rewritten
        return micros
    if isinstance(width, exp.Interval) and isinstance(width.this, exp.Literal) and width.this.name.isdigit():
        unit = width.text("unit").upper().rstrip("S")
        if unit in _MICROS:
            return exp.Literal.number(int(width.this.name) * _MICROS[unit])
    raise _Untranslatable(at, "time_bucket() with a width other than seconds, minutes, hours or days",
                          "write the width as to_minutes(n), to_hours(n), to_days(n) or INTERVAL n MINUTE")


def _time_bucket(node: exp.DateBin) -> exp.Expression:
    width = _width_micros(node.this, node)
    if node.args.get("origin") is not None or node.args.get("zone") is not None:
        raise _Untranslatable(node, "time_bucket() with an origin or a time zone")
    micros = _spark("UNIX_MICROS(CAST(ts AS TIMESTAMP))", ts=node.expression)
    return _spark(f"CAST(TIMESTAMP_MICROS(m - PMOD(m - {_BUCKET_ORIGIN_MICROS}, w)) AS TIMESTAMP_NTZ)",
                  m=micros, w=width)


def _date_diff(node: exp.DateDiff) -> exp.Expression:
    unit = (node.text("unit") or "DAY").upper().rstrip("S")
    if unit not in _DIFF_UNITS:
        raise _Untranslatable(node, f"date_diff() in unit {unit.lower()!r}",
                              "use microsecond, millisecond, second, minute, hour, day, month or year")
    return _spark(f"TIMESTAMPDIFF({unit}, DATE_TRUNC('{unit}', a), DATE_TRUNC('{unit}', b))",
                  a=node.expression, b=node.this)


def _kind(node: exp.Expression) -> str | None:
    """'list', 'text' or None (unknown) for the argument of len()."""
    if isinstance(node, exp.Paren):
        return _kind(node.this)
    if isinstance(node, _LISTS) or (isinstance(node, exp.Cast) and node.to.is_type(*exp.DataType.ARRAY_TYPES)):
        return "list"
    if isinstance(node, _TEXTS) or (isinstance(node, exp.Literal) and node.is_string) \
            or (isinstance(node, exp.Cast) and node.to.is_type(*exp.DataType.TEXT_TYPES)):
        return "text"
    if isinstance(node, exp.Column):
        types = {cols[node.name] for cols in catalog().values() if node.name in cols}
        if types and all(t.upper().startswith(("VARCHAR", "TEXT")) for t in types):
            return "text"
    return None


def _length(node: exp.Length) -> exp.Expression:
    kind = _kind(node.this)
    if kind is None:
        raise _Untranslatable(node, "len() of a value that may be a list or text",
                              "Spark measures lists with size() and text with length(): write len(list_distinct(x)) "
                              "or CAST(x AS VARCHAR[]) for a list, length(CAST(x AS VARCHAR)) for text")
    return _spark("SIZE(x)" if kind == "list" else "LENGTH(x)", x=node.this)


def _ordered_by_self(agg: exp.Expression, order: exp.Expression, value: exp.Expression, what: str) -> bool:
    """Whether an ORDER BY inside an aggregate orders by the aggregated value (True: descending)."""
    keys = order.expressions
    if len(keys) != 1 or keys[0].this != value or keys[0].args.get("nulls_first"):
        raise _Untranslatable(agg, f"{what} ordered by anything but the aggregated value, nulls last",
                              f"write {what}(x ORDER BY x)")
    return bool(keys[0].args.get("desc"))


def _unpack(agg: exp.Expression, what: str) -> tuple[exp.Expression, bool, bool, bool]:
    """(value, distinct, ordered, descending) of string_agg/list's first argument."""
    value, ordered, descending = agg.this, False, False
    if isinstance(value, exp.Order):
        ordered = True
        inner = value.this
        descending = _ordered_by_self(agg, value, inner.expressions[0] if isinstance(inner, exp.Distinct) else inner,
                                      what)
        value = inner
    distinct = isinstance(value, exp.Distinct)
    if distinct:
        if len(value.expressions) != 1:
            raise _Untranslatable(agg, f"{what}(DISTINCT) of several values")
        value = value.expressions[0]
    return value, distinct, ordered, descending


def _aggregate(node: exp.Expression, where: exp.Expression | None) -> exp.Expression:
    """string_agg and list, each applied to the rows its FILTER (a WHERE node) keeps."""
    def agg(template: str, **parts: exp.Expression) -> exp.Expression:
        made = _spark(template, **parts)
        return exp.Filter(this=made, expression=where.copy()) if where is not None else made

    if isinstance(node, exp.GroupConcat):
        value, distinct, _, descending = _unpack(node, "string_agg")
        values = agg(f"COLLECT_{'SET' if distinct else 'LIST'}(x)", x=value)
        sep = node.args.get("separator") or exp.Literal.string(",")
        order = "REVERSE(ARRAY_SORT(v))" if descending else "ARRAY_SORT(v)"
        return _spark(f"IF(SIZE(v) = 0, NULL, ARRAY_JOIN({order}, sep))", v=values, sep=sep)
    value, distinct, _, descending = _unpack(node, "list")
    values = agg(f"COLLECT_{'SET' if distinct else 'LIST'}(x)", x=value)
    rows = agg("COUNT(*)")
    nulls = _spark("r - c", r=rows, c=agg("COUNT(x)", x=value))  # each count filtered on its own
    # How many NULL elements DuckDB's list keeps (one at most with DISTINCT); ARRAY_REPEAT counts in INT.
    nulls = _spark("IF(n > 0, 1, 0)" if distinct else "CAST(n AS INT)", n=nulls)
    if descending:  # DuckDB puts NULLs last in either direction
        body = _spark("CONCAT(REVERSE(ARRAY_SORT(v)), ARRAY_REPEAT(NULL, n))", v=values, n=nulls)
    else:
        body = _spark("CONCAT(ARRAY_SORT(v), ARRAY_REPEAT(NULL, n))", v=values, n=nulls)
    return _spark("IF(r = 0, NULL, b)", r=rows, b=body)


def _arg_extreme(node: exp.ArgMax | exp.ArgMin) -> exp.Expression:
    name = "MAX_BY" if isinstance(node, exp.ArgMax) else "MIN_BY"
    if node.args.get("count") is not None:
        raise _Untranslatable(node, f"{_name(node)}() with a count")
    key = node.expression
    if _is_row(key):  # DuckDB orders a NULL field after every value: (field IS NULL, field) pairs do the same
        fields = [part for field in key.expressions for part in (exp.Is(this=field.copy(), expression=exp.Null()),
                                                                    field.copy())]
        key = exp.Struct(expressions=fields)
    return _spark(f"{name}(a, IF(a IS NULL, NULL, v))", a=node.this, v=key)


def _recursive_union(cte: exp.CTE) -> bool:
    """Whether a CTE of a WITH RECURSIVE reads itself through a UNION that removes duplicates."""
    body = cte.this
    return isinstance(cte.parent, exp.With) and bool(cte.parent.args.get("recursive")) \
        and isinstance(body, exp.Union) and bool(body.args.get("distinct")) \
        and any(table.name == cte.alias for table in body.find_all(exp.Table))


def _is_row(node: exp.Expression) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower() == "row"


def _array_sort(node: exp.ArraySort) -> exp.Expression:
    descending, nulls_first = node.args.get("asc"), node.args.get("nulls_first")
    if (descending is not None and not descending.to_py()) or (nulls_first is not None and nulls_first.to_py()):
        raise _Untranslatable(node, "list_sort() in another order than ascending with NULLs last")
    return _spark("ARRAY_SORT(l)", l=node.this)


def _unnest(node: exp.Explode) -> exp.Expression:
    """unnest() only as a whole aliased column of a SELECT (the SELECT rewrites side-by-side unnests)."""
    if isinstance(node.parent, exp.Alias) and isinstance(node.parent.parent, exp.Select) \
            and not node.expressions:
        return node
    raise _Untranslatable(node, "unnest() inside an expression", "write unnest(list) AS name as a column of its own")


def _side_by_side(node: exp.Select) -> exp.Expression:
    """SELECT unnest(a) AS x, unnest(b) AS y as the positions of the longer list, each list read at them."""
    columns = node.expressions
    if sum(isinstance(c.unalias(), exp.Explode) for c in columns) < 2:
        return node
    if not all(isinstance(c, exp.Alias) and isinstance(c.this, exp.Explode) for c in columns) \
            or any(node.args.get(k) for k in ("from_", "from", "where", "group", "order", "limit", "joins")):
        raise _Untranslatable(node, "several unnest() columns beside other columns or a FROM",
                              "unnest lists side by side in a SELECT of their own: SELECT unnest(a) AS x, "
                              "unnest(b) AS y")
    lists = [c.this.this for c in columns]
    size = exp.Greatest(this=_spark("COALESCE(SIZE(l), 0)", l=lists[0]),
                        expressions=[_spark("COALESCE(SIZE(l), 0)", l=other) for other in lists[1:]])
    picked = ", ".join(f"TRY_ELEMENT_AT(l{i}, i) AS {c.alias}" for i, c in enumerate(columns))
    made = _spark(f"SELECT {picked} FROM (SELECT EXPLODE(SEQUENCE(1, n)) AS i FROM (SELECT s AS n) WHERE n > 0)",
                  s=size, **{f"l{i}": lst for i, lst in enumerate(lists)})
    return made


def _first_by_order(node: exp.Subquery) -> exp.Expression | None:
    """(SELECT e ... ORDER BY k LIMIT 1) as (SELECT MAX_BY/MIN_BY(e, k) ...); None for other subqueries."""
    select = node.this
    if not isinstance(select, exp.Select) or isinstance(node.parent, exp.From | exp.Join | exp.In | exp.Any | exp.All) \
            or select.args.get("group") or select.args.get("distinct") or select.args.get("having"):
        return None
    limit, order = select.args.get("limit"), select.args.get("order")
    if limit is None or order is None or len(select.expressions) != 1 or len(order.expressions) != 1:
        return None
    if not (isinstance(limit.expression, exp.Literal) and limit.expression.to_py() == 1):
        return None
    value, key = select.expressions[0], order.expressions[0]
    if value.find(exp.AggFunc, exp.Window) or key.args.get("nulls_first"):
        return None
    name = "MAX_BY" if key.args.get("desc") else "MIN_BY"
    alias = value.alias_or_name if isinstance(value, exp.Alias) else ""
    picked: exp.Expression = _spark(f"{name}(e, k)", e=value.unalias(), k=key.this)
    if alias:
        picked = exp.Alias(this=picked, alias=exp.to_identifier(alias))
    rewritten = select.copy()
    rewritten.set("order", None)
    rewritten.set("limit", None)
    rewritten.set("expressions", [picked])
    return exp.Subquery(this=rewritten)


def _grouped_scalar(made: exp.Expression, node: exp.Subquery) -> exp.Expression:
    """A correlated scalar subquery among a grouped SELECT's columns, outside any aggregate, as FIRST(subquery).

    DuckDB accepts it when it correlates only on the group's keys (one value per group, so FIRST takes that
    value); Spark plans it only inside an aggregate or the GROUP BY."""
    outer = node.parent
    while outer is not None and not isinstance(outer, exp.Select):
        if isinstance(outer, exp.AggFunc | exp.Subquery | exp.Where | exp.Having | exp.Join):
            return made
        outer = outer.parent
    if outer is None or not outer.args.get("group") or isinstance(node.parent, exp.From | exp.Join | exp.In):
        return made
    inner = {t.alias_or_name for t in node.find_all(exp.Table)}
    outside = [c for c in node.find_all(exp.Column) if c.table and c.table not in inner]
    keys = {k.sql() for k in outer.args["group"].expressions}
    if not outside or any(c.sql() not in keys for c in outside):
        return made
    return _spark("FIRST(q)", q=made)


def _written(node: exp.Expression, sql: str) -> str:
    """A function's name as the author wrote it (sqlglot renames some: strftime is its time_to_str)."""
    start, end = node.meta.get("start"), node.meta.get("end")
    if isinstance(start, int) and isinstance(end, int) and sql[start:end + 1].replace("_", "").isalnum():
        return sql[start:end + 1].lower()
    return _name(node)


_AS_IS: frozenset[type[exp.Expression]] = frozenset({
    exp.Identifier, exp.Column, exp.Alias, exp.Literal, exp.Placeholder, exp.Table, exp.TableAlias, exp.From,
    exp.Where, exp.Join, exp.Group, exp.Having, exp.Order, exp.Ordered, exp.Star, exp.DataType, exp.Null,
    exp.Boolean, exp.Var, exp.And, exp.Or, exp.Not, exp.Neg, exp.Paren, exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT,
    exp.GTE, exp.Is, exp.In, exp.Between, exp.Add, exp.Sub, exp.Mul,
})
"""Node types (exact) that no rule below rewrites or refuses: most of a query's nodes, passed over at once."""


def _rewrite(node: exp.Expression, sql: str) -> exp.Expression:
    """One node in Spark SQL of the same meaning (children are already rewritten)."""
    if type(node) in _AS_IS:
        return node
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.GroupConcat | exp.ArrayAgg):
        return _aggregate(node.this, node.expression)
    if isinstance(node, exp.GroupConcat | exp.ArrayAgg) and not isinstance(node.parent, exp.Filter):
        return _aggregate(node, None)
    if isinstance(node, exp.Subquery):
        return _grouped_scalar(_first_by_order(node) or node, node)
    if isinstance(node, exp.CTE) and _recursive_union(node):
        raise _Untranslatable(node, f"the recursive {node.alias} joins its steps with UNION (Spark recurses only "
                              "with UNION ALL)", "write UNION ALL, and SELECT DISTINCT in the recursive step "
                              "if its rows repeat")
    if isinstance(node, exp.Div):
        return _spark_moved("TRY_DIVIDE(a, b)", a=node.this, b=node.expression)
    if isinstance(node, exp.Limit | exp.Offset) and not isinstance(node.expression, exp.Literal):
        # Spark takes an INT count only; ANSI casts fail rather than wrap past 2^31.
        node.set("expression", exp.Cast(this=node.expression, to=exp.DataType.build("INT")))
        return node
    rewrite = _REWRITES.get(type(node))
    if rewrite is not None:
        return rewrite(node)
    if _interval_unit(node) is not None:
        return _interval(node)
    if _is_row(node) and isinstance(node.parent, exp.ArgMax | exp.ArgMin) and node.arg_key == "expression":
        return node  # the key of arg_min/arg_max, rewritten with it
    if isinstance(node, exp.Func) and not isinstance(node, exp.Binary | exp.Unary) \
            and type(node) not in SAME_MEANING and not isinstance(node, exp.GroupConcat | exp.ArrayAgg):
        raise _Untranslatable(node, f"function {_written(node, sql)}() has no translation known to mean the same",
                              "use a function on sopc's list of functions that mean the same on both engines")
    if isinstance(node, exp.Bracket):
        raise _Untranslatable(node, "indexing a list with [ ]", "DuckDB counts list positions from 1, Spark from 0")
    if isinstance(node, exp.Pivot | exp.Unnest | exp.Lambda | exp.TableSample | exp.Qualify):
        raise _Untranslatable(node, f"{node.key.upper()} has no translation known to mean the same")
    return node


_REWRITES: dict[type[exp.Expression], Callable[[exp.Expression], exp.Expression]] = {
    exp.DateBin: _time_bucket,  # type: ignore[dict-item]
    exp.DateDiff: _date_diff,  # type: ignore[dict-item]
    exp.Length: _length,  # type: ignore[dict-item]
    exp.ArgMax: _arg_extreme,  # type: ignore[dict-item]
    exp.ArgMin: _arg_extreme,  # type: ignore[dict-item]
    exp.ArrayDistinct: lambda n: _spark("ARRAY_DISTINCT(FILTER(l, v -> v IS NOT NULL))", l=n.this),
    exp.ArraySort: _array_sort,  # type: ignore[dict-item]
    exp.Explode: _unnest,  # type: ignore[dict-item]
    exp.Select: _side_by_side,  # type: ignore[dict-item]
}
"""Node types with a rewrite of their own."""


def _problem(sql: str, why: _Untranslatable) -> SqlProblem:
    """The problem located where its node starts in sql: its earliest located part, or the function it is in."""
    start = min((n.meta["start"] for n in why.node.walk() if isinstance(n.meta.get("start"), int)), default=0)
    if isinstance(why.node, exp.Func) and not isinstance(why.node.meta.get("end"), int):
        # sqlglot keeps no position for some functions' names (string_agg): step back over "name(".
        called = re.search(r"([A-Za-z_]\w*)\s*\(\s*(?:DISTINCT\s+)?$", sql[:start], re.IGNORECASE)
        start = called.start(1) if called else start
    before = sql[:start]
    return SqlProblem(CODE, f"no faithful Spark SQL for this query: {why.message}", before.count("\n") + 1,
                      start - (before.rfind("\n") + 1) + 1, why.hint)


@cache
def to_spark(sql: str) -> Translation:
    """The Spark SQL of one DuckDB query, or the located construct that has none."""
    return _translated(sql, *_rewritten(sql))


def read_to_spark(sql: str, read: Read) -> Translation:
    """to_spark of sql, given the statements `compiler.sqlcheck.read_query` read: the rewrites change them, so
    they are this call's own from now on."""
    return _translated(sql, *_rewritten(sql, read))


def _translated(sql: str, tree: exp.Expression | None, problems: tuple[SqlProblem, ...]) -> Translation:
    if tree is None or problems:
        return Translation(None, problems)
    try:
        text = tree.sql(dialect="spark", pretty=True, copy=False)  # the tree is this call's own
    except (SqlglotError, RecursionError) as err:
        return Translation(None, (_failed(err),))
    return Translation(text)


@cache
def spark_problems(sql: str) -> tuple[SqlProblem, ...]:
    """What validate reports of one query (SOP310): to_spark's problems without rendering the Spark text, which
    only the build writes. The rewrites walk the tree recursively where sqlglot's generator does not, so a tree
    the generator could not render has already failed here. A plain query (`plain`) has none: it is not parsed."""
    return () if plain(sql) else _rewritten(sql)[1]


PLAIN_CALLS = frozenset({
    "abs", "avg", "bool_and", "bool_or", "cast", "ceil", "coalesce", "concat_ws", "count", "date_trunc",
    "dense_rank", "floor", "greatest", "least", "list_contains", "lower", "max", "md5", "median", "min", "nullif",
    "rank", "round", "row_number", "sign", "sum", "upper",
})
"""Functions a plain query may call: each parses to a SAME_MEANING class (tests/test_translate_plain.py checks
every name against sqlglot)."""
REWRITTEN_CALLS = {**dict.fromkeys(_INTERVALS, 1), "list_distinct": 1, "list_sort": 1, "arg_max": 2, "arg_min": 2}
"""Functions whose rewrite cannot fail when called with this many arguments. Besides these, a plain query may
call `date_diff` with a quoted unit the rewrite takes, and `string_agg` and `list` without an ORDER BY of their
own (and `list(DISTINCT ...)` of one value)."""
_PLAIN_TOKENS = frozenset({
    TokenType.VAR, TokenType.IDENTIFIER, TokenType.NUMBER, TokenType.STRING, TokenType.PARAMETER,
    TokenType.L_PAREN, TokenType.R_PAREN, TokenType.L_BRACKET, TokenType.R_BRACKET, TokenType.COMMA,
    TokenType.DOT, TokenType.STAR, TokenType.PLUS, TokenType.DASH, TokenType.SLASH, TokenType.DPIPE,
    TokenType.EQ, TokenType.NEQ, TokenType.LT, TokenType.LTE, TokenType.GT, TokenType.GTE, TokenType.DCOLON,
    TokenType.WITH, TokenType.ALIAS, TokenType.SELECT, TokenType.DISTINCT, TokenType.FROM, TokenType.WHERE,
    TokenType.JOIN, TokenType.LEFT, TokenType.RIGHT, TokenType.FULL, TokenType.INNER, TokenType.OUTER,
    TokenType.CROSS, TokenType.ON, TokenType.GROUP_BY, TokenType.HAVING, TokenType.ORDER_BY, TokenType.ASC,
    TokenType.DESC, TokenType.LIMIT, TokenType.UNION, TokenType.ALL, TokenType.AND, TokenType.OR,
    TokenType.NOT, TokenType.IN, TokenType.IS, TokenType.NULL, TokenType.BETWEEN, TokenType.EXISTS,
    TokenType.CASE, TokenType.WHEN, TokenType.THEN, TokenType.ELSE, TokenType.END, TokenType.TRUE,
    TokenType.FALSE, TokenType.FILTER, TokenType.OVER, TokenType.PARTITION_BY, TokenType.INTERVAL,
    TokenType.LIST, TokenType.INT, TokenType.BIGINT, TokenType.SMALLINT, TokenType.DOUBLE, TokenType.FLOAT,
    TokenType.TEXT, TokenType.BOOLEAN, TokenType.DATE, TokenType.TIMESTAMP, TokenType.TIMESTAMPNTZ,
    TokenType.TIMESTAMPTZ,
})
"""Tokens of a plain query: no keyword that makes a construct the rewrites refuse or change (UNNEST, STRUCT,
RECURSIVE, QUALIFY, PIVOT, LIKE, ...), no `?` and no `;`. An INTERVAL literal is no function: it passes; LIST
only as list(...), and a type only where it names one (never called)."""
_BEFORE_PAREN = frozenset({
    TokenType.L_PAREN, TokenType.COMMA, TokenType.PLUS, TokenType.DASH, TokenType.STAR, TokenType.SLASH,
    TokenType.DPIPE, TokenType.EQ, TokenType.NEQ, TokenType.LT, TokenType.LTE, TokenType.GT, TokenType.GTE,
    TokenType.ALIAS, TokenType.SELECT, TokenType.DISTINCT, TokenType.FROM, TokenType.WHERE, TokenType.JOIN,
    TokenType.ON, TokenType.HAVING, TokenType.AND, TokenType.OR, TokenType.NOT, TokenType.IN, TokenType.EXISTS,
    TokenType.BETWEEN, TokenType.WHEN, TokenType.THEN, TokenType.ELSE, TokenType.FILTER, TokenType.OVER,
    TokenType.GROUP_BY, TokenType.ORDER_BY, TokenType.PARTITION_BY, TokenType.CASE, TokenType.INTERVAL,
})
"""What a parenthesis may follow in a plain query besides a plain call: a grouping, a subquery, a CTE body."""
_VALUES = frozenset({TokenType.VAR, TokenType.IDENTIFIER, TokenType.NUMBER, TokenType.STRING, TokenType.R_PAREN,
                     TokenType.R_BRACKET, TokenType.STAR, TokenType.NULL, TokenType.TRUE, TokenType.FALSE})
"""What a bracket after is an index into (refused), not a list (`[a, b]`, SAME_MEANING)."""
_NESTING = frozenset({
    TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.PLUS, TokenType.DASH, TokenType.STAR, TokenType.SLASH,
    TokenType.DPIPE, TokenType.EQ, TokenType.NEQ, TokenType.LT, TokenType.LTE, TokenType.GT, TokenType.GTE,
    TokenType.AND, TokenType.OR, TokenType.NOT, TokenType.UNION, TokenType.SELECT, TokenType.CASE,
    TokenType.WHEN, TokenType.BETWEEN, TokenType.IS, TokenType.IN, TokenType.DCOLON, TokenType.WITH,
    TokenType.JOIN, TokenType.FILTER, TokenType.OVER, TokenType.EXISTS, TokenType.INTERVAL, TokenType.DOT,
})
"""Tokens that can open a level of sqlglot's tree (a chain of them at one bracket level nests one in another)."""
_OPENING = (TokenType.L_PAREN, TokenType.L_BRACKET)
_CLOSING = (TokenType.R_PAREN, TokenType.R_BRACKET)
_MAX_NESTING = 120
"""Past this many on one path through the brackets, the tree may nest deep enough for the rewrites' recursion to
fail (a problem): such a query is parsed. The library's queries reach 58; a tree is at most about 2.5 levels deep
for each, far inside Python's recursion limit at 120."""
_NESTS, _OPENS, _CLOSES, _STRING = 1, 2, 4, 8
_ROLES: dict[TokenType, int] = {kind: (_NESTS if kind in _NESTING else 0) | (_OPENS if kind in _OPENING else 0)
                                | (_CLOSES if kind in _CLOSING else 0) | (_STRING if kind is TokenType.STRING else 0)
                                for kind in _PLAIN_TOKENS}
"""What plain() checks of each token a plain query may have (0: nothing but that it may)."""


def plain(sql: str) -> bool:
    """Whether the query has nothing the Spark translation could refuse, told from sqlglot's tokens alone.

    Most queries use only clauses, operators and functions that mean the same on both engines: for them the
    parse and the rewrites (`_rewritten`) can only end without a problem, and validate skips them. Anything
    else, and anything unusual in the token stream, is not plain: the rewrites decide it.
    """
    try:
        tokens = _TOKENIZER.tokenize(sql)
    except (SqlglotError, RecursionError):
        return False
    levels, nesting = [0], 0  # nesting tokens at each open bracket level; their sum bounds the tree's depth
    previous: TokenType | None = None
    for index, token in enumerate(tokens):
        kind = token.token_type
        role = _ROLES.get(kind)
        if role is None or (previous is TokenType.LIST and kind is not TokenType.L_PAREN):
            return False  # a token no plain query has; LIST is plain only as list(...)
        if role:  # most tokens have none: nothing more to check
            if role & _NESTS:
                levels[-1] += 1
                nesting += 1
                if nesting > _MAX_NESTING:
                    return False
            if role & _OPENS:
                if kind is TokenType.L_PAREN and not _opens_plainly(tokens, index):
                    return False
                if kind is TokenType.L_BRACKET and previous in _VALUES:
                    return False  # an index, not a list
                levels.append(0)
            elif role & _CLOSES and len(levels) > 1:
                nesting -= levels.pop()
            elif role & _STRING and previous is TokenType.VAR:
                return False  # a typed literal sqlglot may read as a function (or an unquoted alias)
        previous = kind
    return previous is not TokenType.LIST


def _opens_plainly(tokens: list[Token], index: int) -> bool:
    """Whether the parenthesis at index opens a grouping or subquery, or calls a plain function."""
    before = tokens[index - 1] if index else None
    if before is None or before.token_type in _BEFORE_PAREN:
        return True
    if before.token_type not in (TokenType.VAR, TokenType.LIST) \
            or (index >= 2 and tokens[index - 2].token_type is TokenType.DOT):
        return False  # a keyword or type that sqlglot reads as a function, or a qualified function name
    name = before.text.lower()
    if name in PLAIN_CALLS:
        return True
    if name in ("date_diff", "datediff") and index + 2 < len(tokens):
        unit, comma = tokens[index + 1], tokens[index + 2]
        return unit.token_type is TokenType.STRING and comma.token_type is TokenType.COMMA \
            and unit.text.upper().rstrip("S") in _DIFF_UNITS
    if name in REWRITTEN_CALLS:
        arguments = _split(_inside(tokens, index), TokenType.COMMA)
        return len(arguments) == REWRITTEN_CALLS[name] and all(arguments)
    if name in ("string_agg", "list"):
        return _aggregates_plainly(name, _inside(tokens, index))
    return False


def _aggregates_plainly(name: str, inside: list[tuple[Token, int]]) -> bool:
    """Whether string_agg(...) or list(...) is one the rewrite takes: `[DISTINCT] value[, sep]`, ordered by
    nothing or by the value itself, ascending (list(DISTINCT ...) of one value only)."""
    parts = _split(inside, TokenType.ORDER_BY)
    if len(parts) > 2 or not parts or not parts[0]:
        return False
    arguments = _split(parts[0], TokenType.COMMA)
    value = arguments[0][1:] if arguments[0][0][0].token_type is TokenType.DISTINCT else arguments[0]
    if not value or (name == "list" and len(arguments) > 1):
        return False
    if len(parts) == 1:
        return True
    key = parts[1][:-1] if parts[1] and parts[1][-1][0].token_type is TokenType.ASC else parts[1]
    return len(arguments) <= 2 and [(t.token_type, t.text) for t, _ in key] == [(t.token_type, t.text) for t, _ in value]


def _inside(tokens: list[Token], index: int) -> list[tuple[Token, int]]:
    """The tokens inside the parenthesis at index, each with how deep in further brackets it is."""
    inside: list[tuple[Token, int]] = []
    depth = 0
    for token in tokens[index + 1:]:
        kind = token.token_type
        if kind in _CLOSING:
            if depth == 0:
                break
            depth -= 1
        inside.append((token, depth))
        if kind in _OPENING:
            depth += 1
    return inside


def _split(inside: list[tuple[Token, int]], separator: TokenType) -> list[list[tuple[Token, int]]]:
    """inside cut at each separator outside further brackets ([] when there is nothing)."""
    parts: list[list[tuple[Token, int]]] = [[]]
    for token, depth in inside:
        if depth == 0 and token.token_type is separator:
            parts.append([])
        else:
            parts[-1].append((token, depth))
    return [] if parts == [[]] else parts


_TOKENIZER = sqlglot.Dialect.get_or_raise("duckdb").tokenizer()


def _rewritten(sql: str, read: Read | None = None) -> tuple[exp.Expression | None, tuple[SqlProblem, ...]]:
    """The query's tree with sopc's rewrites applied, and the constructs that have none (None: no tree); read:
    the statements read_query read of it, if they were read already.

    Most queries have no such construct: they are rewritten without first giving every node a start (which only
    locates a problem); a query that has one, or fails, is read again with the starts and rewritten again."""
    tree, problems = _rewrite_tree(sql, read_query(sql) if read is None else read, located=False)
    if tree is not None and not problems:
        return tree, problems
    return _rewrite_tree(sql, read_query(sql), located=True)


def _rewrite_tree(sql: str, read: Read, *, located: bool) -> tuple[exp.Expression | None, tuple[SqlProblem, ...]]:
    statements, unreadable = read  # as the SQL check reads it (an empty statement before it is none)
    if unreadable is not None or len(statements) != 1:
        return None, ()  # the SQL check reports it (SOP301, SOP302)
    tree = statements[0]
    problems: list[SqlProblem] = []

    def rewrite(node: exp.Expression) -> exp.Expression:
        try:
            return _rewrite(node, sql)
        except _Untranslatable as why:
            problems.append(_problem(sql, why))
            return node

    try:
        if located:
            _start(tree)
        return _postorder(tree, rewrite), tuple(problems)
    except (SqlglotError, RecursionError) as err:
        return None, (_failed(err),)
    except (AttributeError, IndexError, TypeError, ValueError):
        # A rewrite met a call it cannot read (arg_max(a), to_minutes()): DuckDB refuses these before validate
        # asks, but a skill file edited by hand reaches the runner's translation too.
        return None, (SqlProblem(CODE, "no Spark SQL for this query: a function has arguments its translation "
                                 "cannot read", hint="call it as DuckDB documents it"),)


def _failed(err: Exception) -> SqlProblem:
    return SqlProblem(CODE, f"no Spark SQL for this query: {str(err).splitlines()[0]}")


def _start(tree: exp.Expression) -> int | None:
    """Where each node without a position starts (its earliest located part), kept in its meta before the
    rewrites replace its children; one walk up from the leaves. Returns where tree starts."""
    own = tree.meta.get("start")
    starts = [own] if isinstance(own, int) else []
    for child in tree.iter_expressions():
        if (start := _start(child)) is not None:
            starts.append(start)
    first = min(starts, default=None)
    if first is not None and not isinstance(own, int):
        tree.meta["start"] = first
    return first


def _postorder(tree: exp.Expression, rewrite: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
    """The tree with rewrite applied to every node, children before their parent."""
    for key, value in list(tree.args.items()):  # a child left as it was keeps its place (set only what changed)
        if isinstance(value, exp.Expression):
            if (made := _postorder(value, rewrite)) is not value:
                tree.set(key, made)
        elif isinstance(value, list):
            made_list = [_postorder(v, rewrite) if isinstance(v, exp.Expression) else v for v in value]
            if any(m is not v for m, v in zip(made_list, value, strict=True)):
                tree.set(key, made_list)
    return rewrite(tree)
