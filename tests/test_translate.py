"""DuckDB → Spark SQL: each of sopc's rewrites, the allow-list, and located refusals (pure, table-driven)."""

from __future__ import annotations

import re

import pytest

from compiler.translate import to_spark


def spark(sql: str) -> str:
    """The translation on one line, single-spaced, for matching fragments."""
    translation = to_spark(sql)
    assert translation.text is not None, translation.problems
    return re.sub(r"\s+", " ", translation.text).replace("( ", "(").replace(" )", ")")


TRANSLATED = [
    ("SELECT ts - to_minutes(CAST($n AS BIGINT)) AS t FROM trades",
     "ts - (CAST(:n AS BIGINT)) * INTERVAL '1' MINUTE"),
    ("SELECT ts - to_days(2) AS t FROM trades", "ts - (2) * INTERVAL '1' DAY"),
    ("SELECT ts + to_hours(3) AS t FROM trades", "ts + (3) * INTERVAL '1' HOUR"),
    ("SELECT date_diff('minute', ts, $end_ts) AS m FROM trades",
     "TIMESTAMPDIFF(MINUTE, DATE_TRUNC('MINUTE', ts), DATE_TRUNC('MINUTE', :end_ts))"),
    ("SELECT date_diff('day', ts, $end_ts) AS d FROM trades",
     "TIMESTAMPDIFF(DAY, DATE_TRUNC('DAY', ts), DATE_TRUNC('DAY', :end_ts))"),
    ("SELECT time_bucket(to_minutes(5), ts) AS b FROM trades",
     "CAST(TIMESTAMP_MICROS(UNIX_MICROS(CAST(ts AS TIMESTAMP)) - PMOD(UNIX_MICROS(CAST(ts AS TIMESTAMP)) "
     "- 946857600000000, CAST(5 AS BIGINT) * 60000000)) AS TIMESTAMP_NTZ)"),
    ("SELECT time_bucket(INTERVAL 1 HOUR, ts) AS b FROM trades", "PMOD(UNIX_MICROS(CAST(ts AS TIMESTAMP)) "
     "- 946857600000000, 3600000000)"),
    ("SELECT len(list_distinct($ids)) AS n", "SIZE(ARRAY_DISTINCT(FILTER(:ids, v -> NOT v IS NULL)))"),
    ("SELECT len(symbol) AS n FROM trades", "LENGTH(symbol)"),
    ("SELECT string_agg(DISTINCT symbol, ',' ORDER BY symbol) AS s FROM trades",
     "IF(SIZE(COLLECT_SET(symbol)) = 0, NULL, ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(symbol)), ','))"),
    ("SELECT string_agg(symbol, ',' ORDER BY symbol) FILTER (WHERE qty > 1) AS s FROM trades",
     "ARRAY_JOIN(ARRAY_SORT(COLLECT_LIST(symbol) FILTER(WHERE qty > 1)), ',')"),
    ("SELECT list(symbol ORDER BY symbol) AS l FROM trades",
     "IF(COUNT(*) = 0, NULL, CONCAT(ARRAY_SORT(COLLECT_LIST(symbol)), ARRAY_REPEAT(NULL, CAST(COUNT(*) - COUNT(symbol) AS INT))))"),
    ("SELECT list(symbol ORDER BY symbol) FILTER (WHERE qty > 1) AS l FROM trades",
     "ARRAY_REPEAT(NULL, CAST(COUNT(*) FILTER(WHERE qty > 1) - COUNT(symbol) FILTER(WHERE qty > 1) AS INT))"),
    ("SELECT list(DISTINCT symbol ORDER BY symbol DESC) AS l FROM trades", "REVERSE(ARRAY_SORT(COLLECT_SET(symbol)))"),
    ("SELECT arg_max(price, ts) AS p FROM trades", "MAX_BY(price, IF(price IS NULL, NULL, ts))"),
    ("SELECT arg_min(price, ts) AS p FROM trades", "MIN_BY(price, IF(price IS NULL, NULL, ts))"),
    ("SELECT sum(qty) / count(*) AS r FROM trades", "TRY_DIVIDE(SUM(qty), COUNT(*))"),
    ("SELECT coalesce((SELECT p.size FROM position_snapshots AS p WHERE p.account_id = t.maker_account_id "
     "ORDER BY p.ts DESC LIMIT 1), 0) AS s FROM trades AS t",
     "(SELECT MAX_BY(p.size, p.ts) FROM position_snapshots AS p WHERE p.account_id = t.maker_account_id)"),
    ("SELECT symbol FROM trades WHERE maker_account_id = $account_id AND list_contains($ids, taker_account_id)",
     "maker_account_id = :account_id AND ARRAY_CONTAINS(:ids, taker_account_id)"),
    ("SELECT symbol FROM trades ORDER BY symbol", "ORDER BY symbol NULLS LAST"),
    ("SELECT median(price) OVER (PARTITION BY symbol) AS m FROM trades", "MEDIAN(price) OVER (PARTITION BY symbol)"),
    ("SELECT arg_min(ts, row(-price, ts)) AS t FROM trades",
     "MIN_BY(ts, IF(ts IS NULL, NULL, STRUCT(-price IS NULL, -price, ts IS NULL, ts)))"),
    ("SELECT list_sort(list(DISTINCT symbol)) AS l FROM trades", "ARRAY_SORT(IF(COUNT(*) = 0, NULL"),
    ("SELECT unnest($ids) AS a, unnest($links) AS l",
     "SELECT TRY_ELEMENT_AT(:ids, i) AS a, TRY_ELEMENT_AT(:links, i) AS l FROM (SELECT EXPLODE(SEQUENCE(1, n)) AS i "
     "FROM (SELECT GREATEST(COALESCE(SIZE(:ids), 0), COALESCE(SIZE(:links), 0)) AS n) WHERE n > 0)"),
    ("SELECT unnest($ids) AS a", "EXPLODE(:ids) AS a"),
    ("SELECT symbol FROM trades LIMIT 1 + CAST($n AS BIGINT)", "LIMIT CAST(1 + CAST(:n AS BIGINT) AS INT)"),
    ("SELECT t.maker_account_id AS a, sum(t.qty) AS q, coalesce((SELECT p.size FROM position_snapshots AS p "
     "WHERE p.account_id = t.maker_account_id ORDER BY p.ts DESC LIMIT 1), 0) AS s FROM trades AS t "
     "GROUP BY t.maker_account_id",
     "COALESCE(FIRST((SELECT MAX_BY(p.size, p.ts) FROM position_snapshots AS p WHERE p.account_id = t.maker_account_id)), 0)"),
    ("SELECT concat_ws(', ', symbol, taker_side) AS s FROM trades", "CONCAT_WS(', ', symbol, taker_side)"),
]


@pytest.mark.parametrize(("duckdb", "fragment"), TRANSLATED, ids=[f[1][:40] for f in TRANSLATED])
def test_rewrites_keep_duckdb_meaning(duckdb: str, fragment: str) -> None:
    assert fragment in spark(duckdb)


def test_a_subquery_in_from_or_in_keeps_its_limit() -> None:
    # Only a scalar subquery may become MAX_BY: in IN (...) an empty result and a NULL differ.
    text = spark("SELECT symbol FROM trades WHERE symbol IN (SELECT symbol FROM trades ORDER BY ts DESC LIMIT 1)")
    assert "LIMIT 1" in text and "MAX_BY" not in text


REFUSED = [
    ("SELECT strftime(ts, '%Y') AS y FROM trades", "function strftime() has no translation", (1, 8)),
    ("SELECT\n  date_diff('week', ts, ts) AS w FROM trades", "date_diff() in unit 'week'", (2, 3)),
    ("SELECT len($ids) AS n", "len() of a value that may be a list or text", (1, 8)),
    ("SELECT string_agg(symbol, ',' ORDER BY ts) AS s FROM trades", "ordered by anything but the aggregated", (1, 8)),
    ("SELECT time_bucket(INTERVAL 1 MONTH, ts) AS b FROM trades", "time_bucket() with a width other than", (1, 8)),
    ("SELECT list(symbol)[1] AS s FROM trades", "indexing a list with [ ]", (1, 8)),
    ("SELECT concat(symbol, 'x') AS s FROM trades", "function concat() has no translation", (1, 8)),
    ("SELECT 1 + unnest($ids) AS x", "unnest() inside an expression", (1, 12)),
    ("SELECT unnest($ids) AS a, unnest($links) AS l, 1 AS one", "several unnest() columns", (1, 8)),
    ("WITH RECURSIVE walk(n) AS (SELECT 1 UNION SELECT n + 1 FROM walk WHERE n < 3) SELECT n FROM walk",
     "the recursive walk joins its steps with UNION", (1, 16)),
    ("SELECT list_sort(list(symbol), 'DESC') AS l FROM trades", "list_sort() in another order", (1, 8)),
]


@pytest.mark.parametrize(("duckdb", "message", "where"), REFUSED, ids=[r[1][:30] for r in REFUSED])
def test_a_construct_without_a_faithful_translation_is_a_located_problem(
        duckdb: str, message: str, where: tuple[int, int]) -> None:
    translation = to_spark(duckdb)
    assert translation.text is None
    problem = translation.problems[0]
    assert problem.code == "SOP310" and message in problem.message and "Spark" in problem.message
    assert (problem.line, problem.col) == where


def test_sql_that_does_not_parse_is_left_to_the_sql_check() -> None:
    assert to_spark("SELEC 1") == to_spark("SELEC 1") and to_spark("SELEC 1").text is None
    assert not to_spark("SELEC 1").problems


@pytest.mark.parametrize("duckdb", [
    "; SELECT count(*) AS n FROM trades",  # an empty statement first: the SQL check reads one statement
    "SELECT 1 AS a; SELECT 2 AS b",
    "SELEC 1",
    "SELECT\n  date_diff('week', ts, ts) AS w FROM trades",
    "SELECT account_id, arg_max(price, ts) AS last FROM trades GROUP BY account_id",
])
def test_a_skill_holds_the_spark_sql_the_runner_translates(duckdb: str) -> None:
    """The build translates the tree its SQL report read (one parse); the runner translates the text: the same."""
    from compiler.skill.compile import spark_text

    assert spark_text(duckdb, frozenset()) == to_spark(duckdb).text


def test_a_subquery_that_correlates_on_other_than_the_group_keys_is_left_to_spark() -> None:
    # FIRST() is the same value only when every row of the group gives the subquery the same outer values.
    text = spark("SELECT t.maker_account_id AS a, count(*) AS n, (SELECT max(p.size) FROM position_snapshots AS p "
                 "WHERE p.account_id = t.maker_account_id) AS s FROM trades AS t GROUP BY t.maker_account_id, t.symbol")
    assert "FIRST(" in text
    ungrouped = spark("SELECT t.maker_account_id AS a, (SELECT max(p.size) FROM position_snapshots AS p "
                      "WHERE p.account_id = t.maker_account_id) AS s FROM trades AS t")
    assert "FIRST(" not in ungrouped
