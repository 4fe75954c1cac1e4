"""One verdict on a query: validate (sqlglot, then the runner's check) and the runner (DuckDB's parser) agree.

A query that validates must run, and one the runner refuses must not
validate: each case below is refused by both or allowed by both.
"""

from __future__ import annotations

import pytest

from compiler.runner.querycheck import refusal
from compiler.sqlcheck import analyze

CASES = [
    ("SELECT * FROM TRADES", True),
    ("SELECT * FROM Trades", True),
    ("SELECT Trade_ID FROM TRADES", True),
    ("VALUES (1)", False),
    ("SELECT * FROM (VALUES (1)) AS t(x)", True),
    ("SELECT 1 AS x UNION ALL VALUES (2)", True),
    ("FROM trades SELECT trade_id", True),
    ("-- a comment first\nSELECT 1 AS one", True),
    ("(SELECT 1 AS one)", True),
    ("WITH T AS (SELECT 1 AS a) SELECT a FROM t", True),
    ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r", True),
    ("SELECT * FROM main.trades", False),
    ("SELECT * FROM memory.main.trades", False),
    ("SELECT * FROM information_schema.tables", False),
    ("SELECT * FROM duckdb_settings()", False),
    ("SELECT * FROM read_csv('/etc/passwd')", False),
    ("SELECT getenv('HOME') AS home", False),
    ("SELECT 1 AS a; SELECT 2 AS b", False),
    ("DESCRIBE trades", False),
    ("SUMMARIZE trades", False),
    ("SHOW TABLES", False),
    ("PRAGMA version", False),
    ("DROP TABLE trades", False),
    ("INSERT INTO trades SELECT * FROM trades", False),
    ("COPY trades TO '/tmp/x.csv'", False),
    ("ATTACH '/tmp/x.duckdb'", False),
    ("SELECT * FROM nowhere", False),
    ("SELECT " + "(" * 40 + "1" + ")" * 40 + " AS deep", False),
    ("SELECT 1 AS x " + "UNION ALL SELECT 1 " * 70, False),
]


@pytest.mark.parametrize(("sql", "runs"), CASES)
def test_validate_and_the_runner_give_one_verdict(sql: str, runs: bool) -> None:
    problems = analyze(sql, set()).problems
    # As compiler/lint/sql.py asks: sqlglot's findings, then the runner's own check when sqlglot found none.
    validate_refuses = bool(problems) or refusal(sql) is not None
    runner_refuses = refusal(sql) is not None
    assert validate_refuses == runner_refuses, (problems, refusal(sql))
    assert runner_refuses == (not runs), refusal(sql)
