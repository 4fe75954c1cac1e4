"""The pieces of the ready-to-run queries: $parameters found in SQL, computed values said in words (table-driven)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.model import build
from compiler.sitegen.escape import text
from compiler.sitegen.queries import input_form, sql_html, sql_number, sql_pieces
from compiler.sitegen.steps import numbering
from compiler.sitegen.words import Speaker
from compiler.skill.compile import inputs_schema

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml"


@pytest.mark.parametrize(("sql", "pieces"), [
    ("SELECT 1", [("sql", "SELECT 1")]),
    ("a = $x AND b = $y_2", [("sql", "a = "), ("param", "x"), ("sql", " AND b = "), ("param", "y_2")]),
    ("'$x' || $x", [("sql", "'$x' || "), ("param", "x")]),
    ("'it''s $x' = $y", [("sql", "'it''s $x' = "), ("param", "y")]),
    ('"$col" = $v', [("sql", '"$col" = '), ("param", "v")]),
    ("-- $x\n$y", [("sql", "-- $x\n"), ("param", "y")]),
    ("/* $x */ $y", [("sql", "/* $x */ "), ("param", "y")]),
    ("$1 $", [("sql", "$1 $")]),
    ("'unterminated $x", [("sql", "'unterminated $x")]),
])
def test_sql_pieces(sql: str, pieces: list[tuple[str, str]]) -> None:
    assert sql_pieces(sql) == pieces
    assert "".join(v if k == "sql" else "$" + v for k, v in pieces) == sql


@pytest.mark.parametrize(("value", "literal"), [(10000, "10000"), (0.2, "0.2"), (True, "TRUE"), (1e-07, "1e-07"),
                                                ("it's", "'it''s'")])
def test_threshold_literals(value: Any, literal: str) -> None:
    assert sql_number(value) == literal


def _speaker() -> Speaker:
    sop = build(str(SHIPPED), yaml.safe_load(SHIPPED.read_text(encoding="utf-8")))
    return Speaker(sop, numbering(sop))


@pytest.mark.parametrize(("expr", "words", "kind"), [
    ("linked_accounts.rows.map(r, r.account_id)",
     f"every <code>{text('account_id')}</code> returned by [step 3](#step-linked_accounts)", "list"),
    ("linked_accounts.rows.map(r, r.account_id) + [inputs.account_id]",
     f"every <code>{text('account_id')}</code> returned by [step 3](#step-linked_accounts), plus the input "
     f"<code>{text('account_id')}</code>", "list"),
    ("linked_accounts.rows.filter(r, r.link_type == 'parent').map(r, r.account_id)",
     f"every <code>{text('account_id')}</code> returned by [step 3](#step-linked_accounts) in the rows where "
     f"<code>{text('link_type =')} 'parent'</code>", "list"),
    ("linked_volume.rows[0].volume_usd",
     f"<code>{text('volume_usd')}</code> of the first row returned by [step 4](#step-linked_volume)", "value"),
    ("linked_accounts.row_count", "the number of rows returned by [step 3](#step-linked_accounts)", "number"),
    ("replay.note", "<code>note</code> recorded at [step 9](#step-replay)", "value"),
    ("inputs.start_ts", f"the input <code>{text('start_ts')}</code>", "value"),
    ("[linked_accounts.row_count > 0, replay.row_count > 0].filter(x, x).size()",
     "how many of these hold: [step 3](#step-linked_accounts) returned rows; "
     "[step 9](#step-replay) returned rows", "number"),
    ("size(linked_accounts.rows) * 2",
     "computed from [step 3](#step-linked_accounts) (the exact expression is under “Expressions as written”)",
     "value"),
])
def test_computed_values_in_words(expr: str, words: str, kind: str) -> None:
    said = _speaker().describe(expr)
    assert (said.words, said.kind) == (words, kind)
    assert "rows.map" not in said.words and "&&" not in said.words


def test_sql_html_marks_inputs_computed_values_and_fills_thresholds() -> None:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    sop = build(str(SHIPPED), data)
    step = sop.step("linked_volume")
    assert step is not None
    shown = sql_html(sop, step)
    assert '<span class="sop-param" data-param="account_id" data-kind="string">$account_id</span>' in shown
    assert 'data-param="linked_volume.linked_ids" data-kind="computed">$linked_ids</span>' in shown
    assert "\n\n" not in shown  # one raw HTML block


def test_form_fields_follow_the_input_schema() -> None:
    sop = build(str(SHIPPED), yaml.safe_load(SHIPPED.read_text(encoding="utf-8")))
    form = "\n".join(input_form(inputs_schema(sop)))
    assert form.count("data-sop-value=") == len(sop.inputs)
    assert 'data-sop-value="start_ts" data-kind="timestamp"' in form
    assert 'data-pattern="^[A-Za-z0-9_-]+$"' in form
    assert input_form({"type": "object", "properties": {}}) == []
