"""Unit tests of the generated Markdown (compiler/sitegen): content, escaping, lifecycle, determinism."""

from __future__ import annotations

import datetime
import html as html_module
import random
import re
from pathlib import Path
from typing import Any

import markdown  # type: ignore[import-untyped]
import pytest
import yaml

from compiler.codes import CODES
from compiler.model import Sop, build
from compiler.resources import schema_json
from compiler.sitegen import render_pages, render_site, site_name
from compiler.sitegen.cases import load_cases, pick_examples
from compiler.sitegen.conditions import clauses, readable
from compiler.sitegen.escape import meta_title, rich_block, rich_inline, text
from compiler.sitegen.samples import PAYLOAD, hostile, html_hazards, variant

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml"
TODAY = datetime.date(2026, 11, 22)
PAGE = "runbooks/market-abuse/wash-trading-linked-accounts.md"


def shipped_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    return data


def model(data: dict[str, Any], path: str = "sops/x.yaml") -> Sop:
    return build(path, data)


def render(sops: list[Sop], *, drafts: bool = False, today: datetime.date = TODAY,
           skills: dict[str, dict[str, bytes]] | None = None) -> dict[str, str]:
    files = render_pages(sops, skills or {}, today=today, drafts=drafts, examples={})
    return {path: data.decode("utf-8") for path, data in files.items()}


def to_html(md_text: str) -> str:
    """The page through Python-Markdown with the extensions of site/mkdocs.yml, as MkDocs renders it."""
    config = yaml.safe_load((ROOT / "site" / "mkdocs.yml").read_text(encoding="utf-8"))
    names: list[str] = []
    options: dict[str, Any] = {}
    for entry in config["markdown_extensions"]:
        if isinstance(entry, dict):
            (name, opts), = entry.items()
            names.append(name)
            options[name] = opts or {}
        else:
            names.append(entry)
    body = md_text.split("\n---\n", 1)[1] if md_text.startswith("---\n") else md_text
    rendered: str = markdown.markdown(body, extensions=names, extension_configs=options)
    return rendered


# -- the shipped SOP's page ------------------------------------------------------


def test_page_has_every_section_and_the_facts() -> None:
    files = render([model(shipped_data(), str(SHIPPED))],
                   skills={"wash-trading-linked-accounts": {"skill.json": b"{}\n", "SKILL.md": b"# skill\n"}})
    page = files[PAGE]
    for heading in ("## When to use it", "## Inputs", "## Thresholds", "## Flowchart", "## Checklist",
                    "## Escalation", "## Outcomes", "## Edge cases and blind spots", "## References",
                    "## Changelog", "## Compiled agent skill"):
        assert heading in page
    html = html_module.unescape(to_html(page))  # entities decoded, as the browser shows the text
    for needle in ("wash-trading-linked-accounts", "1.2.0", "trading-risk", "2027-05-31", "stp_prevented_match_spike",
                   "related_account_volume_share", "wash_trade_ring_detected", "linked-accounts"):
        assert needle in html
    assert "<svg" in html and "</svg>" in html
    # the input checks, with the message an analyst sees when one fails
    assert "<code>inputs.end_ts > inputs.start_ts</code>" in html
    assert "The review window must end after it starts" in html
    # numbered steps in run order, each with an anchor the flowchart links to
    assert re.search(r'<h3 id="step-subject_profile">1\. Load the subject account', html)
    assert '<h3 id="step-force_stp">12. Force self-trade prevention' in html
    assert 'href="#step-replay"' in html
    # task-list checkboxes, kind badges, approval gates, the SQL expanded with its parameters marked
    assert html.count('type="checkbox"') >= 11
    assert "sop-badge--kind-query" in html and "sop-badge--gate" in html and "approval: risk-manager" in html
    assert '<div class="sop-sql" data-sop-sql="linked_volume"><pre><code>WITH subject_trades AS (' in html
    assert '<span class="sop-param" data-param="account_id" data-kind="string">$account_id</span>' in html
    assert 'data-param="linked_volume.linked_ids" data-kind="computed">$linked_ids</span>' in html
    # a value computed from an earlier step is said in words, with a field to paste it
    assert '<code>$linked_ids</code>: every <code>account_id</code> returned by step <code>members</code> of the SOP ' \
           'included at <a href="#step-group">step 3</a>, except the input <code>account_id</code>' in html
    assert 'data-sop-value="linked_volume.linked_ids" data-kind="list"' in html
    # the inputs form, typed from the skill's input schema; the checklist's progress bar
    assert 'data-sop-value="start_ts" data-kind="timestamp"' in html
    assert 'data-sop-value="account_id" data-kind="string" data-pattern="^[A-Za-z0-9_-]+$"' in html
    assert f'data-sop-progress="wash-trading-linked-accounts" data-sop-version="{shipped_data()["version"]}"' in html
    # escalation with time limits; outcomes; skill files linked and copied (SKILL.md served as text)
    assert "<strong>compliance</strong> within <strong>24h</strong>" in html
    assert 'id="outcome-escalated"' in html
    assert "wash-trading-linked-accounts/skill.json" in page
    assert "wash-trading-linked-accounts/SKILL.md.txt" in page
    assert files["runbooks/market-abuse/wash-trading-linked-accounts/SKILL.md.txt"] == "# skill\n"


def test_conditions_are_written_in_words() -> None:
    page = html_module.unescape(to_html(render([model(shipped_data())])[PAGE]))
    assert "<code>subject_profile.row_count = 1</code><br><strong>and</strong> " \
           "<code>not subject_profile.rows[0].is_market_maker</code>" in page
    assert "≥ thresholds.related_match_ratio" in page
    assert "related_match_ratio = 0.2 ratio (20%)" in page
    # the CEL as written stays available beside it
    assert "subject_profile.row_count == 1 && !subject_profile.rows[0].is_market_maker" in page


@pytest.mark.parametrize(("expr", "words"), [
    ("a && b", "a and b"),
    ("a || !b", "a or not b"),
    ("x >= 1 && y <= 2 && z != 'q'", "x ≥ 1 and y ≤ 2 and z ≠ 'q'"),
    ("!(a == b)", "not (a = b)"),
    ("s == \"a && b\"", "s = \"a && b\""),
    ("f(x, -1) > -2", "f(x, -1) > -2"),
])
def test_readable_conditions(expr: str, words: str) -> None:
    assert readable(expr) == words


def test_mixed_and_or_is_not_split_into_misleading_clauses() -> None:
    assert len(clauses("a && b || c")) == 1
    assert len(clauses("a && b ? c : d")) == 1
    assert [c.connective for c in clauses("a && (b || c) && d")] == ["", "and", "and"]


# -- escaping ---------------------------------------------------------------------


def test_text_makes_markdown_inert() -> None:
    assert text("<b>&") == "&lt;b&gt;&amp;"
    source = "[x](javascript:alert(1)) *y* {: onclick=z } `c` # | _"
    escaped = text(source)
    assert not set(re.sub(r"&#?\w+;", "", escaped)) & set("[]()*{}`#|_<>")
    rendered = to_html(escaped)
    assert "<a" not in rendered and "<em>" not in rendered and "<code>" not in rendered
    assert html_module.unescape(rendered) == f"<p>{source}</p>"


def test_rich_text_renders_markdown_but_no_html_and_no_script_links() -> None:
    html = to_html(rich_block("**bold** [ok](https://example.org) [bad](javascript:alert(1)) <b>raw</b>"))
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.org">ok</a>' in html
    assert 'href="javascript' not in html and "[bad](javascript:alert(1))" in html_module.unescape(html)
    assert "&lt;b&gt;raw&lt;/b&gt;" in html
    inline = to_html(f"| a |\n|---|\n| {rich_inline('`x|y` and ![img](https://evil.example/t.png)')} |")
    assert "<img" not in inline and "<code>x|y</code>" in html_module.unescape(inline)


def test_meta_title_cannot_become_a_tag() -> None:
    title = meta_title('</title><img src=x onerror="a()"> &lt;b&gt;')
    assert "<" not in title and ">" not in title
    assert "&amp;lt;b&amp;gt;" in title  # decoded once by a template, still text


def test_every_sop_field_with_payloads_renders_without_hazards() -> None:
    sop = model(hostile(shipped_data()))
    files = render([sop], drafts=True, skills={"xss-everywhere": {"SKILL.md": PAYLOAD.encode()}})
    assert "runbooks/market-abuse/xss-everywhere/SKILL.md.txt" in files  # served as text, never rendered
    for path, content in files.items():
        if not path.endswith(".md"):
            continue
        html = to_html(content)
        assert html_hazards(html) == [], path
        assert "<script" not in html.replace("&lt;script", ""), path
    page = to_html(files["runbooks/market-abuse/xss-everywhere.md"])
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page  # shown as text


def test_sql_with_backticks_cannot_close_its_fence() -> None:
    data = shipped_data()
    data["steps"][0]["sql"] = "SELECT 1\n```\n# heading?\n<script>x</script>\n````\n"
    html = to_html(render([model(data)])[PAGE])
    assert "<h1" not in html.split("Checklist", 1)[1]
    code_text = html_module.unescape(re.sub(r"<[^>]+>", "", html))
    assert "SELECT 1\n```\n# heading?\n<script>x</script>\n````" in code_text
    assert html_hazards(html) == []


# -- lifecycle ----------------------------------------------------------------------


def test_deprecated_sop_links_its_successor() -> None:
    old = shipped_data()
    old.update(id="old-wash", status="deprecated", superseded_by="wash-trading-linked-accounts")
    files = render([model(old), model(shipped_data())])
    page = files["runbooks/market-abuse/old-wash.md"]
    assert '!!! danger "Deprecated"' in page
    banner = page.split('!!! danger "Deprecated"', 1)[1].split("\n\n", 2)[1]
    assert "(wash-trading-linked-accounts.md)" in banner
    assert "deprecated: use [Self-trade" in files["runbooks/alerts.md"]


def test_successor_without_a_page_is_named_not_linked() -> None:
    old = shipped_data()
    old.update(status="deprecated", superseded_by="not-published")
    page = render([model(old)])[PAGE]
    assert "<code>not&#45;published</code>" in page or "<code>not-published</code>" in page
    assert "not-published.md" not in page


def test_drafts_only_when_asked() -> None:
    draft = shipped_data()
    draft.update(id="draft-wash", status="draft")
    sops = [model(draft), model(shipped_data())]
    hidden = render(sops)
    assert "runbooks/market-abuse/draft-wash.md" not in hidden
    assert not any("draft-wash" in content for content in hidden.values())
    shown = render(sops, drafts=True)
    assert '!!! warning "Draft"' in shown["runbooks/market-abuse/draft-wash.md"]
    assert "draft-wash" in shown["runbooks/index.md"]


def test_past_review_date_is_flagged() -> None:
    sop = model(shipped_data())
    late = render([sop], today=datetime.date(2027, 6, 1))
    assert '!!! warning "Review overdue"' in late[PAGE] and "⚠ overdue" in late[PAGE]
    assert "review overdue" in late["runbooks/index.md"]
    on_time = render([sop], today=datetime.date(2027, 5, 31))
    assert "overdue" not in on_time[PAGE].lower()


# -- indexes ------------------------------------------------------------------------


def test_indexes_by_domain_severity_and_alert() -> None:
    sops = [model(variant(shipped_data(), n)) for n in range(8)]
    files = render(sops)
    alerts = files["runbooks/alerts.md"]
    found = re.findall(r'^- <span class="sop-alerts__name">\[<code>([^<]+)</code>\]\(\.\./alerts/([^)]+)\.md\)', alerts,
                       re.M)
    names = [target for shown, target in found if html_module.unescape(shown) == target]
    assert len(names) == 24 and names == sorted(names)
    assert "(market-abuse/wash-trading-linked-accounts-0000.md)" in alerts
    assert sorted(p for p in files if p.startswith("alerts/")) == [f"alerts/{n}.md" for n in names]
    severity = files["runbooks/severity.md"]
    positions = [severity.index(f"## {s}") for s in ("Critical", "High", "Medium", "Low") if f"## {s}" in severity]
    assert positions == sorted(positions) and len(positions) >= 2
    for domain in {s.domain for s in sops}:
        assert f"runbooks/{domain}/index.md" in files
        assert f"]({domain}/index.md)" in files["runbooks/index.md"]


# -- determinism, paths ---------------------------------------------------------------


def test_same_input_same_bytes_whatever_the_order() -> None:
    sops = [model(variant(shipped_data(), n)) for n in range(12)]
    first = render_pages(sops, {}, today=TODAY, examples={})
    again = render_pages(sops, {}, today=TODAY, examples={})
    shuffled = list(sops)
    random.Random(7).shuffle(shuffled)
    assert first == again == render_pages(shuffled, {}, today=TODAY, examples={})
    assert all(p.startswith(("runbooks/", "reference/", "alerts/")) for p in first)
    assert all(v.endswith(b"\n") and b"\r" not in v for p, v in first.items() if p.endswith(".md"))


def test_render_site_is_the_interface_sopc_build_calls() -> None:
    files = render_site([model(shipped_data(), str(SHIPPED))], {}, today=TODAY)
    assert {PAGE, "runbooks/alerts.md", "reference/diagnostics.md", "reference/format.md"} <= set(files)
    assert files == render_site([model(shipped_data(), str(SHIPPED))], {}, today=TODAY)


def test_unsafe_names_are_refused() -> None:
    assert site_name("SKILL.md") == "SKILL.md.txt"
    assert site_name("references/a.json") == "references/a.json"
    for bad in ("../x", "/etc/passwd", "a//b", ""):
        with pytest.raises(ValueError):
            site_name(bad)
    data = shipped_data()
    data["id"] = "../escape"
    with pytest.raises(ValueError):
        render([model(data)])


# -- reference pages --------------------------------------------------------------------


def test_diagnostics_reference_lists_every_code_with_case_examples(tmp_path: Path) -> None:
    case = tmp_path / "unknown-key"
    (case / "sops" / "p2p").mkdir(parents=True)
    lines = [f"line: {i}" for i in range(1, 61)]
    (case / "sops" / "p2p" / "x.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (case / "expected.txt").write_text(
        f"{case}/sops/p2p/x.yaml:30:3: error[SOP101] unknown key 'titel'\n    hint: did you mean 'title'?\n"
        "1 error in 1 file\n", encoding="utf-8")
    examples = pick_examples(load_cases(tmp_path))
    page = render_pages([], {}, today=TODAY, examples=examples)["reference/diagnostics.md"].decode()
    for code in CODES:
        assert f"{{ #{code.lower()} }}" in page
    section = page.split("{ #sop101 }", 1)[1].split("### ", 1)[0]
    assert 'title="unknown-key/sops/p2p/x.yaml" linenums="24" hl_lines="7"' in section
    assert "line: 30" in section and "line: 20" not in section
    assert "error[SOP101] unknown key 'titel'" in section and "hint: did you mean" in section
    assert "Example" not in page.split("{ #sop102 }", 1)[1].split("### ", 1)[0]


def test_an_example_line_of_thousands_of_characters_is_cut(tmp_path: Path) -> None:
    """A hostile case's line (10,000 brackets) would make one page section longer than a site search indexes."""
    case = tmp_path / "deep-nesting"
    (case / "sops" / "p2p").mkdir(parents=True)
    (case / "sops" / "p2p" / "x.yaml").write_text("id: x\nedge_cases: " + "[" * 10_000 + "\n", encoding="utf-8")
    (case / "expected.txt").write_text(f"{case}/sops/p2p/x.yaml:2:76: error[SOP010] nesting deeper than 64 levels\n"
                                       "1 error in 1 file\n", encoding="utf-8")
    page = render_pages([], {}, today=TODAY, examples=pick_examples(load_cases(tmp_path)))["reference/diagnostics.md"]
    section = page.decode().split("{ #sop010 }", 1)[1].split("### ", 1)[0]
    assert "edge_cases: [[[" in section and "(9,852 more characters)" in section
    assert max(len(line) for line in section.splitlines()) <= 250


def test_format_reference_covers_every_schema_field() -> None:
    page = render_pages([], {}, today=TODAY, examples={})["reference/format.md"].decode()
    schema = schema_json("sop.schema.json")

    def names(node: Any) -> set[str]:
        found: set[str] = set()
        if isinstance(node, dict):
            for key, value in (node.get("properties") or {}).items():
                found.add(key)
                found |= names(value)
            for value in node.get("$defs", {}).values():
                found |= names(value)
        return found

    for name in names(schema):
        assert f"<code>{text(name)}</code>" in page, name
    for name in schema["$defs"]:
        assert f"{{ #def-{name.lower()} }}" in page
    assert "**Alert name** Exact name of the surveillance alert" in page
