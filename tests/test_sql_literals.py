"""Which queries hold a parameter inside a string literal (they take sqlglot's long way to SOP306).

The literals are DuckDB's own tokens: an apostrophe in a comment opens no
string, and a dollar-quoted string is one.
"""

from __future__ import annotations

import pytest

from compiler.lint.sql import _spliced_in_text

CASES = {
    "SELECT 1 -- the step's rows\nFROM trades WHERE account_id = $account_id": False,
    "/* it's '$x' */ SELECT 1": False,
    "SELECT 'a' || $x": False,
    'SELECT "$x" FROM t': False,
    "SELECT '$x'": True,
    "SELECT 'it''s {name}'": True,
    "SELECT $$ $x $$": True,
    "SELECT E'\\'$x'": True,
    "SELECT 1 -- it's\n, '{account_id}'": True,
    # DuckDB's token offsets count UTF-8 bytes; the parameters are found in characters
    "-- Übersicht — offene Posten\nSELECT * FROM trades WHERE note = '$account_id'": True,
    "SELECT 'éééééé', $account_id FROM trades": False,
    "SELECT '风险 {name}' AS note": True,
    "SELECT '风险' AS note, $x AS y": False,
}


@pytest.mark.parametrize("sql", sorted(CASES))
def test_a_parameter_in_a_literal_is_found_and_only_there(sql: str) -> None:
    assert _spliced_in_text(sql) is CASES[sql]



@pytest.mark.parametrize("literal", ["'x $account_id'", "$$x $account_id$$", "$q$x {account_id}$q$"])
def test_the_long_way_reports_a_parameter_in_a_quoted_or_dollar_quoted_string(literal: str) -> None:
    from compiler.sqlcheck import analyze

    sql = f"SELECT count(*) AS n FROM trades WHERE symbol = {literal}"
    assert _spliced_in_text(sql)
    problems = analyze(sql, {"account_id"}).problems
    assert [p.code for p in problems] == ["SOP306"], problems
    assert (problems[0].line, problems[0].col) == (1, sql.index("account_id")), problems  # at its $ or {
