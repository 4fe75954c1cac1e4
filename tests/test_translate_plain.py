"""A plain query (compiler.translate.plain) is one validate's Spark check skips: it must be one the rewrites accept.

The property is checked on every query of the shipped library, of the golden
cases and of a slice of the benchmark corpus, on the translation tests' own
queries, and on constructs written to sit at the edge of the token rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from sqlglot.errors import SqlglotError
from test_translate import REFUSED, TRANSLATED

from benchmarks.corpus import write_corpus
from compiler.model import build
from compiler.translate import _INTERVALS, PLAIN_CALLS, SAME_MEANING, _rewritten, plain, spark_problems
from compiler.yamlload import load_bytes

REPO = Path(__file__).resolve().parents[1]


def _queries(paths: list[Path]) -> list[str]:
    found: list[str] = []
    for path in paths:
        doc, _ = load_bytes(str(path), path.read_bytes())
        if doc is None or not isinstance(doc.data, dict):
            continue
        try:
            sop = build(str(path), doc.data)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # a golden case that is not an SOP at all
        found += [step.sql for step in sop.steps if step.kind == "query" and step.sql]
    return found


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    corpus = write_corpus(tmp_path_factory.mktemp("corpus"), 60)
    cases = sorted((REPO / "tests" / "cases").rglob("*.yaml"))
    shipped = [p for p in sorted((REPO / "sops").rglob("*.yaml")) if p.name.count(".") == 1]
    return list(dict.fromkeys(_queries([*shipped, *cases, *corpus])))


def test_a_plain_query_is_one_the_rewrites_accept(library: list[str]) -> None:
    plain_ones = [q for q in library if plain(q)]
    assert [q for q in plain_ones if _rewritten(q)[1]] == []
    # Neither side is empty: the skip is taken, and it is not taken everywhere.
    assert len(plain_ones) >= 50 and len(library) - len(plain_ones) >= 50


@pytest.mark.parametrize("sql", [q for q, _ in TRANSLATED] + [q for q, _, _ in REFUSED])
def test_the_translation_tests_queries_agree(sql: str) -> None:
    if plain(sql):
        assert _rewritten(sql)[1] == ()


NOT_PLAIN = [
    "SELECT left(symbol, 1) AS s FROM trades",                      # a keyword sqlglot reads as a function
    "SELECT list(price)[1] AS p FROM trades",                      # indexing
    "SELECT $ids[1] AS a",
    "SELECT DATE(ts) AS d FROM trades",                             # a type called as a function
    "SELECT main.sum(price) AS s FROM trades",                      # a qualified function name
    'SELECT "sum"(price) AS s FROM trades',                         # a quoted function name
    "SELECT trunc(price) AS p FROM trades",                         # not on the list
    "SELECT try_cast(price AS BIGINT) AS p FROM trades",
    "SELECT date_diff('week', ts, ts) AS w FROM trades",            # a unit the rewrite refuses
    "SELECT date_diff('s', ts, ts) AS w FROM trades",
    "SELECT date_diff($unit, ts, ts) AS w FROM trades",             # a unit it cannot read
    "SELECT current_date AS d",
    "SELECT symbol FROM trades WHERE symbol LIKE 'BTC%'",
    "SELECT price::DECIMAL(18, 2) AS p FROM trades",
    "SELECT x = ALL (SELECT 1) AS a FROM trades",
    "SELECT * EXCLUDE (price) FROM trades",
    "SELECT string_agg(symbol, ',' ORDER BY ts) AS s FROM trades",   # ordered by another value
    "SELECT string_agg(symbol, ',' ORDER BY symbol DESC) AS s FROM trades",
    "SELECT string_agg(symbol, ',' ORDER BY symbol, ts) AS s FROM trades",
    "SELECT list(DISTINCT symbol, ts) AS l FROM trades",              # DISTINCT of several values
    "SELECT arg_max(price, ts, 3) AS p FROM trades",                  # with a count
    "SELECT arg_max(price) AS p FROM trades",                         # arguments the rewrite cannot read
    "SELECT to_minutes() AS m",
    "SELECT list_sort(list(price), 'DESC') AS l FROM trades",
    "SELECT list AS l FROM trades",
    "SELECT " + ".".join(["a"] * 130) + " AS deep",
    "SELECT unnest($ids) AS a",
    "WITH RECURSIVE w(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM w WHERE n < 3) SELECT n FROM w",
    "SELECT symbol FROM trades QUALIFY row_number() OVER (ORDER BY ts) = 1",
    "SELECT symbol FROM trades; SELECT 1",
    "SELECT symbol FROM trades WHERE price > ?",
    "SELECT symbol FROM trades WHERE " + " AND ".join(f"price > {n}" for n in range(120)),  # deep enough to fail
]


@pytest.mark.parametrize("sql", NOT_PLAIN)
def test_constructs_the_rewrites_decide_are_not_plain(sql: str) -> None:
    assert not plain(sql)


PLAIN = [
    "SELECT sum(price * qty) / nullif(count(*), 0) AS avg_notional FROM trades WHERE symbol = $symbol",
    "SELECT count(DISTINCT maker_account_id) FILTER (WHERE NOT is_liquidation) AS n FROM trades",
    "SELECT date_diff('second', min(ts), max(ts)) AS s, date_diff('MINUTES', min(ts), max(ts)) AS m FROM trades",
    "SELECT ts - INTERVAL 5 MINUTE AS t, ts + to_minutes($n) AS u FROM trades",
    "SELECT coalesce($ids, []) AS l, [1, 2] AS k",
    "SELECT row_number() OVER (PARTITION BY symbol ORDER BY ts DESC) AS r FROM trades",
    "SELECT t.symbol FROM trades AS t LEFT JOIN orders AS o ON o.order_id = t.maker_order_id "
    "WHERE o.order_id IS NULL AND t.ts BETWEEN $start_ts AND $end_ts",
    "WITH a AS (SELECT symbol, max(price) AS p FROM trades GROUP BY ALL) SELECT symbol FROM a "
    "WHERE EXISTS (SELECT 1 FROM trades) UNION ALL SELECT 'x' ORDER BY 1 LIMIT $n",
    "SELECT CAST(price AS DOUBLE) AS p, price::BIGINT AS q, TIMESTAMP '2026-01-01' AS t, "
    "x IS NOT DISTINCT FROM y AS same FROM trades",
    "SELECT (SELECT price FROM trades ORDER BY ts DESC LIMIT 1) AS last_price",
    "SELECT string_agg(DISTINCT l.link_reason, ',' ORDER BY l.link_reason) AS r, string_agg(symbol) AS s "
    "FROM account_links AS l",
    "SELECT list(DISTINCT symbol ORDER BY symbol ASC) AS s, list(price) FILTER (WHERE price > 0) AS p FROM trades",
    "SELECT arg_max(price, ts) AS p, arg_min(price, ts) AS q, list_distinct(list(symbol)) AS d, "
    "list_sort(list(symbol)) AS e FROM trades",
]


@pytest.mark.parametrize("sql", PLAIN)
def test_plain_queries_have_no_problem(sql: str) -> None:
    assert plain(sql)
    assert _rewritten(sql)[1] == () and spark_problems(sql) == ()


@pytest.mark.parametrize("name", sorted(PLAIN_CALLS))
def test_every_plain_call_parses_to_a_function_of_the_same_meaning(name: str) -> None:
    """sqlglot's class for each name, at any number of arguments, is one the rewrites keep (or a parse error,
    which they report as no problem): a new sqlglot that reads a name otherwise fails here."""
    for arguments in ("", "a", "a, b", "a, b, c", "a AS DOUBLE"):
        try:
            tree = sqlglot.parse_one(f"SELECT {name}({arguments})", read="duckdb")
        except SqlglotError:
            continue
        called = tree.selects[0]
        assert type(called) in SAME_MEANING or name in _INTERVALS, (name, arguments, type(called).__name__)


@pytest.mark.parametrize("sql", ["SELECT arg_max(price) AS p FROM trades", "SELECT arg_min(ts) AS d FROM trades",
                                 "SELECT to_minutes() AS m"])
def test_a_call_the_rewrites_cannot_read_is_a_problem_not_a_crash(sql: str) -> None:
    # DuckDB refuses these before validate asks; a skill file edited by hand reaches the runner's translation.
    tree, problems = _rewritten(sql)
    assert tree is None and problems and problems[0].code == "SOP310"
