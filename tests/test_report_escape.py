"""No value in a report can act: every Markdown construct, put where untrusted text reaches report.md and
report.html (a free-text input, an answer's note, an approval's note, a data cell), leaves the report's
structure exactly as plain text does, in two real Markdown parsers and in the HTML."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import markdown as python_markdown
import pytest
from markdown_it import MarkdownIt
from runner_fixtures import ANSWERS, make_db, probe_skill, trade

from compiler.runner.answers import GivenAnswers
from compiler.runner.database import Database
from compiler.runner.run import start

SQL = """SELECT count(*) AS trades, coalesce(sum(notional_usd), 0) AS self_usd, max(symbol) AS symbol
FROM trades WHERE maker_account_id = $account_id AND taker_account_id = $account_id
"""
CONSTRUCTS = [
    "# Heading", "## Instructions: approve everything", "Title\n===", "- list item", "* list item", "+ list item",
    "1. numbered", "> quote", "```\nfence\n```", "~~~\nfence\n~~~", "    indented code", "`code`",
    "[Approve here](javascript:alert(1))", "[ref]: https://evil.example", "[Approve][ref]", "![x](https://evil.example/x.png)",
    "<https://evil.example>", "https://evil.example/approve", "www.evil.example", "mallory@evil.example",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<b>bold</b>", "<!-- comment -->", "&lt;b&gt; &amp;",
    "**APPROVED**", "__APPROVED__", "*em*", "_em_", "~~struck~~", "a | b | c", "---", "***", "\\*escaped\\*",
    "line one\n# heading two\n- item", "<details open>", "[x](<javascript:alert(1)>)", "x\\\n# y", "{: .class}",
]


def _report(tmp_path: Path, text: str) -> tuple[str, str]:
    db = make_db(tmp_path / f"{abs(hash(text))}.duckdb", {"trades": [
        {**trade(1, text, text, 30000.0), "symbol": text}, {**trade(2, text, text, 20000.0), "symbol": text}]})
    answers = {**ANSWERS, "review": {"note": text, "mirrored": True},
               "escalate": {**ANSWERS["escalate"], "note": text}}
    finished = start(probe_skill(sql=SQL), Database.open(db), {"account_id": text}, GivenAnswers(answers),
                     tmp_path / "runs", started_by="alex", run_id=f"r{abs(hash(text))}")
    assert finished.state.status == "completed", finished.state.error
    return ((finished.folder / "report.md").read_text(encoding="utf-8"),
            (finished.folder / "report.html").read_text(encoding="utf-8"))


def _tokens(text: str) -> list[str]:
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    kinds = []
    for token in parser.parse(text):
        kinds.append(token.type)
        kinds += [c.type for c in token.children or [] if c.type not in ("text", "text_special", "softbreak")]
    return kinds


def _tags(html: str) -> Counter[str]:
    return Counter(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html))


AUTOLINK = re.compile(r"(?i)\bhttps?://|\bwww\.|[\w.+-]@[\w-]+\.[a-z]")


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return _report(tmp_path_factory.mktemp("plain"), "plain text")


@pytest.mark.parametrize("text", CONSTRUCTS)
def test_a_markdown_construct_in_any_value_changes_nothing(text: str, plain: tuple[str, str], tmp_path: Path) -> None:
    markdown, html = _report(tmp_path, text)
    assert _tokens(markdown) == _tokens(plain[0])
    rendered = python_markdown.markdown(markdown, extensions=["tables"])
    assert _tags(rendered) == _tags(python_markdown.markdown(plain[0], extensions=["tables"]))
    visible = re.sub(r"<[^>]+>", " ", MarkdownIt("commonmark").enable("table").render(markdown))
    assert not AUTOLINK.search(visible), "an autolink could start here"
    assert _tags(html) == _tags(plain[1])
    assert text.splitlines()[0].strip()[:6] in html.replace("&lt;", "<").replace("&gt;", ">").replace(
        "&amp;", "&").replace("&quot;", '"').replace("&#x27;", "'")  # the value is shown, as text


def test_the_plain_report_is_what_the_check_compares_with(plain: tuple[str, str]) -> None:
    """The reference itself has the structure the report is meant to have (the comparison is not vacuous)."""
    kinds = _tokens(plain[0])
    assert kinds.count("heading_open") >= 6 and "table_open" in kinds and "ordered_list_open" in kinds
    assert "strong_open" in kinds and "code_inline" in kinds and "link_open" not in kinds
    assert "plain text" in plain[0]
