"""The pieces of the ready-to-run queries: $parameters found in SQL, computed values said in words (table-driven)."""

from __future__ import annotations

import datetime
import html
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.check import check_files
from compiler.files import discover, read_all
from compiler.i18n.translation import translated_sops
from compiler.model import Sop, build
from compiler.sitegen.escape import text
from compiler.sitegen.queries import computed_fields, computed_params, input_form, sql_html, sql_number, sql_pieces
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


GROUP = "step <code>members</code> of the SOP included at [step 3](#step-group)"


@pytest.mark.parametrize(("expr", "words", "kind"), [
    ("group.members.rows.map(r, r.account_id)",
     f"every <code>{text('account_id')}</code> returned by {GROUP}", "list"),
    ("group.members.rows.map(r, r.account_id) + [inputs.account_id]",
     f"every <code>{text('account_id')}</code> returned by {GROUP}, plus the input "
     f"<code>{text('account_id')}</code>", "list"),
    ("group.members.rows.map(r, r.account_id).filter(a, a != inputs.account_id)",
     f"every <code>{text('account_id')}</code> returned by {GROUP}, except the input "
     f"<code>{text('account_id')}</code>", "list"),
    ("group.members.rows.filter(r, r.link_type == 'parent').map(r, r.account_id)",
     f"every <code>{text('account_id')}</code> returned by {GROUP} in the rows where "
     f"<code>{text('link_type =')} 'parent'</code>", "list"),
    ("linked_volume.rows[0].volume_usd",
     f"<code>{text('volume_usd')}</code> of the first row returned by [step 4](#step-linked_volume)", "value"),
    ("group.members.row_count", f"the number of rows returned by {GROUP}", "number"),
    ("replay.note", "<code>note</code> recorded at [step 10](#step-replay)", "value"),
    ("inputs.start_ts", f"the input <code>{text('start_ts')}</code>", "value"),
    ("[group.members.row_count > 0, replay.row_count > 0].filter(x, x).size()",
     f"how many of these hold: {GROUP} returned rows; "
     "[step 10](#step-replay) returned rows", "number"),
    ("size(linked_volume.rows) * 2",
     "computed from [step 4](#step-linked_volume) (the exact expression is under “Expressions as written”)",
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


ZH_GROUP = "[步骤 3](#step-group)所引用 SOP 的步骤 <code>members</code>"


@pytest.mark.parametrize(("expr", "words"), [
    ("group.members.rows.map(r, r.account_id)", f"{ZH_GROUP}返回的每个 <code>{text('account_id')}</code>"),
    ("group.members.rows.map(r, r.account_id) + [inputs.account_id]",
     f"{ZH_GROUP}返回的每个 <code>{text('account_id')}</code>，加上输入 <code>{text('account_id')}</code>"),
    ("group.members.rows.map(r, r.account_id).filter(a, a != inputs.account_id)",
     f"{ZH_GROUP}返回的每个 <code>{text('account_id')}</code>（输入 <code>{text('account_id')}</code> 除外）"),
    ("group.members.rows.filter(r, r.link_type == 'parent').map(r, r.account_id)",
     f"{ZH_GROUP}返回的、满足 <code>{text('link_type =')} 'parent'</code> 的行中的每个 <code>{text('account_id')}</code>"),
    ("linked_volume.rows[0].volume_usd", f"[步骤 4](#step-linked_volume)返回的第一行中的 <code>{text('volume_usd')}</code>"),
    ("group.members.row_count", f"{ZH_GROUP}返回的行数"),
    ("replay.note", "[步骤 10](#step-replay)记录的 <code>note</code>"),
    ("inputs.start_ts", f"输入 <code>{text('start_ts')}</code>"),
    ("[group.members.row_count > 0, replay.row_count > 0].filter(x, x).size()",
     f"以下条件中成立的个数：{ZH_GROUP}返回了行；[步骤 10](#step-replay)返回了行"),
    ("size(linked_volume.rows) * 2", "由[步骤 4](#step-linked_volume)计算得出（确切的表达式见“原始表达式（CEL）”）"),
])
def test_computed_values_in_chinese_words(expr: str, words: str) -> None:
    sop = _speaker().sop
    said = Speaker(sop, numbering(sop), "zh").describe(expr)
    assert said.words == words and said.kind == _speaker().describe(expr).kind


_NOT_UI = re.compile(r"<code>.*?</code>|\]\(#[^)]*\)|<span class=\"sop-form__hint\">.*?</span>|"
                     r"<option value=\"([^\"]*)\"[^>]*>\1</option>|<pre>.*?</pre>", re.S)
_SAID_ATTRIBUTES = re.compile(r"\b(?:placeholder|aria-label|title)=\"([^\"]*)\"")
TECHNICAL = {"SQL", "DuckDB", "ISO", "UTC", "SOP", "CEL"}
"""Names that stay as they are in a Chinese sentence."""


def english_words(markup: str, names: set[str]) -> set[str]:
    """Words in Latin letters that the page says in its own voice: what is left after removing code, link targets,
    the SOP's own descriptions, values and names (an attribute has no code span), and markup (keeping the
    attributes a reader sees or hears)."""
    said = _NOT_UI.sub(" ", markup)
    said = " ".join([re.sub(r"<[^>]*>", " ", said), *_SAID_ATTRIBUTES.findall(said)])
    return latin_words(html.unescape(said)) - names


def latin_words(said: str) -> set[str]:
    """Words in Latin letters, but for identifiers (names with an underscore) and technical names."""
    return set(re.findall(r"[A-Za-z]{2,}", re.sub(r"\w*_\w*", " ", said))) - TECHNICAL


def _shipped(lang: str) -> list[Sop]:
    checked = check_files(read_all(discover([str(ROOT / "sops")])), datetime.date(2026, 11, 22))
    return translated_sops(checked.sops, checked.documents, checked.translations, lang) if lang != "en" \
        else list(checked.sops)


def _names(sop: Sop) -> set[str]:
    return set(sop.inputs) | {name for step in sop.steps for name in step.params}


def _generated_ui(sop: Sop, lang: str) -> str:
    """The query forms and every computed value in words of one SOP's page."""
    numbers = numbering(sop)
    speaker = Speaker(sop, numbers, lang)
    parts = input_form(inputs_schema(sop), lang)
    for step in sop.steps:
        if step.sql:
            parts += [sql_html(sop, step, lang), *computed_fields(step, computed_params(sop, step, speaker), lang)]
        parts += [speaker.describe(e).words for e in [step.target, *step.bindings.values()] if e]
    return "\n".join(parts)


def test_the_query_forms_and_computed_values_of_every_chinese_page_say_nothing_in_english() -> None:
    sops = _shipped("zh")
    assert len(sops) == 13
    for sop in sops:
        assert english_words(_generated_ui(sop, "zh"), _names(sop)) == set(), sop.id
    # The same check finds the English words of the English pages: it can fail.
    english = set().union(*(english_words(_generated_ui(sop, "en"), _names(sop)) for sop in _shipped("en")))
    assert {"Fill", "Clear", "optional", "returned", "every", "step", "input", "computed"} <= english
