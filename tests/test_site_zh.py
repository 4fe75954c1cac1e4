"""The Chinese runbook site (/zh/) beside the English one (/): built by MkDocs, read in a real browser.

Both configurations are built into one folder, English at the root and
Chinese under zh/, as they are published, and served by a local
http.server; every request to another host is blocked and recorded, as in
test_site_browser.py. Search runs in Chromium against the index Material's
search plugin wrote with jieba and the glossary's user dictionary.
"""

from __future__ import annotations

import datetime
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_site_queries import latin_words

from compiler.build import SEARCH_DICT
from compiler.check import Checked, check_files
from compiler.files import discover, read_all
from compiler.i18n.search import jieba_user_dict
from compiler.i18n.translation import STALE_NOTE, translated_sops
from compiler.serve import load_skills
from compiler.sitegen import render_pages, render_site
from compiler.sitegen.project import build_html, copy_skeleton, repo_site
from compiler.sitegen.write import write_site

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
TODAY = datetime.date(2026, 11, 22)
WASH = "runbooks/market-abuse/wash-trading-linked-accounts/"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _checked() -> Checked:
    return check_files(read_all(discover([str(ROOT / "sops")])), TODAY)


def test_zh_pages_are_chinese_and_a_stale_field_shows_its_english_with_a_note() -> None:
    checked = _checked()
    sops = translated_sops(checked.sops, checked.documents, checked.translations, "zh")
    pages = render_pages(sops, {}, today=TODAY, examples={}, lang="zh")
    page = pages["runbooks/market-abuse/wash-trading-linked-accounts.md"].decode()
    for heading in ("# 自成交与关联账户对敲", "## 何时使用", "## 检查清单", "## 流程图", "## 结果"):
        assert f"\n{heading}" in page, heading
    assert "stp&#95;prevented&#95;match&#95;spike" in page and "## Checklist" not in page and STALE_NOTE["zh"] not in page
    # The English of one instruction changes: that field, and only it, shows the English behind the note.
    wash = next(d for d in checked.documents if d.data["id"] == "wash-trading-linked-accounts")
    changed = "Open the order-book replay and record the replay link."
    wash.data["steps"][8]["instruction"] = changed
    stale = translated_sops(checked.sops, checked.documents, checked.translations, "zh")
    page = render_pages(stale, {}, today=TODAY, examples={}, lang="zh")[
        "runbooks/market-abuse/wash-trading-linked-accounts.md"].decode()
    assert page.count(STALE_NOTE["zh"]) == 1 and changed in page
    assert "Look for mirrored orders" not in page


ENGLISH_UI = ("Fill in the queries", ">Clear<", "Type the values from the alert", "(optional)", "whole number",
              "UTC unless an offset", "Values this query needs", "one value per line", 'aria-label="type of',
              "returned by", "of the SOP included at", "the input <code>", "computed from", "as written”",
              "**and**", "**or**", "*where*", "[step ", 'title="threshold ', "| no-finding |", "| escalated |",
              "AI operations")
"""What the page generators write in English around the SOP's own text (form, values in words, conditions)."""


def test_no_english_ui_text_is_left_on_the_chinese_pages() -> None:
    checked = _checked()
    zh = translated_sops(checked.sops, checked.documents, checked.translations, "zh")
    chinese = render_pages(zh, {}, today=TODAY, examples={}, lang="zh")
    english = render_pages(checked.sops, {}, today=TODAY, examples={})
    runbooks = [p for p in chinese if p.startswith("runbooks/")]
    assert len(runbooks) >= 20
    for path in runbooks:
        page = chinese[path].decode()
        assert [s for s in ENGLISH_UI if s in page] == [], path
    # Each of those strings is on some English page: the check looks for what is really written.
    every = "".join(english[p].decode() for p in runbooks)
    assert [s for s in ENGLISH_UI if s not in every] == []


def _serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both sites built as `sopc build` and the two mkdocs runs make them; returns the HTML root."""
    project = tmp_path_factory.mktemp("bilingual")
    config = copy_skeleton(repo_site(), project)
    checked = _checked()
    skills = load_skills(ROOT / "skills", sorted(s.id for s in checked.sops))
    write_site(project / "docs", render_site(checked.sops, skills, today=TODAY))
    zh = translated_sops(checked.sops, checked.documents, checked.translations, "zh")
    write_site(project / "docs-zh", render_site(zh, skills, today=TODAY, lang="zh"))
    assert checked.glossary is not None
    (project / SEARCH_DICT.format(lang="zh")).write_text(jieba_user_dict(checked.glossary), encoding="utf-8")
    for name in (config, project / "mkdocs.zh.yml"):
        result = build_html(name)
        assert result.returncode == 0, result.stdout + result.stderr
    return project / "site"


@pytest.mark.slow
def test_every_page_has_the_language_switcher(built: Path) -> None:
    pages = sorted(built.rglob("index.html"))
    chinese = [p for p in pages if p.relative_to(built).parts[0] == "zh"]
    assert len(chinese) >= 20 and len(pages) - len(chinese) >= 20
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert 'href="/zh/" hreflang="zh"' in html and 'href="/" hreflang="en"' in html, page
    assert '<html lang="zh"' in (built / "zh" / WASH / "index.html").read_text(encoding="utf-8")


THEME_ENGLISH = ("Switch to dark mode", "Switch to light mode", 'title="Permanent link"', "Made with")
"""The theme's words set in mkdocs.yml (palette toggles, headings' permalinks) and Material's footer notice."""


def test_the_chinese_configuration_is_the_english_one_but_for_its_words() -> None:
    """A whole configuration of its own (Zensical's INHERIT would append the English lists), kept in step."""
    import yaml

    english = yaml.safe_load((ROOT / "site" / "mkdocs.yml").read_text(encoding="utf-8"))
    chinese = yaml.safe_load((ROOT / "site" / "mkdocs.zh.yml").read_text(encoding="utf-8"))
    assert chinese.pop("INHERIT") == "docs-zh/runbooks/.nav.yml" and english.pop("INHERIT") == "docs/runbooks/.nav.yml"
    for key, zh in {"site_name": "风控处置手册", "docs_dir": "docs-zh", "site_dir": "site/zh"}.items():
        assert chinese.pop(key) == zh
        english.pop(key)
    assert "P2P" in chinese.pop("site_description") and english.pop("site_description")
    assert chinese["theme"].pop("language") == "zh" and english["theme"].pop("language") == "en"
    palette = chinese["theme"]["palette"]
    assert [p["toggle"].pop("name") for p in palette] == ["切换到深色模式", "切换到浅色模式"]
    for p in english["theme"]["palette"]:
        p["toggle"].pop("name")
    toc = next(e["toc"] for e in chinese["markdown_extensions"] if isinstance(e, dict) and "toc" in e)
    assert toc.pop("permalink_title") == "永久链接"
    assert chinese["extra"].pop("generator") is False
    search = chinese.pop("plugins")[0]["search"]
    assert search["jieba_dict_user"] == "search-dict.zh.txt" and search["lang"] == "en"
    english.pop("plugins")
    assert chinese == english


@pytest.mark.slow
def test_the_theme_speaks_chinese_on_zh(built: Path) -> None:
    for page in sorted(built.rglob("index.html")):
        html = page.read_text(encoding="utf-8")
        left = [s for s in THEME_ENGLISH if s in html]
        if page.relative_to(built).parts[0] == "zh":
            assert left == [], page
        elif page.parent == built / WASH.rstrip("/"):
            assert left == list(THEME_ENGLISH), page  # the check finds them where they are


@pytest.fixture(scope="module")
def site(built: Path) -> Iterator[str]:
    server, base = _serve(built)
    yield base
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, site: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(site):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    yield context.new_page()
    context.close()
    assert blocked == [], f"requests to other hosts: {blocked}"


def _search(page: Any, query: str) -> list[str]:
    page.keyboard.press("/")
    box = page.locator("input.md-search__input")
    box.wait_for(state="visible")
    if query.isascii():
        box.press_sequentially(query, delay=20)  # typed, as test_site_browser.py types alert names
    else:
        box.fill(query)  # a Chinese word arrives whole, as an input method commits it
        box.dispatch_event("keyup")  # the key that commits it; Material reads the query on keyup, not on input
    results = page.locator(".md-search-result__item > a, .md-search-result__link")
    results.first.wait_for(state="visible", timeout=15_000)
    return [a.get_attribute("href") or "" for a in results.all()]


@pytest.mark.slow
def test_zh_page_renders_in_chinese_and_switches_to_english(page: Any, site: str) -> None:
    page.goto(site + "zh/" + WASH)
    assert page.locator("h1").first.inner_text().rstrip("¶ \n") == "自成交与关联账户对敲"
    assert page.locator("h2#_5, h2:has-text('检查清单')").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "zh-runbook.png"), full_page=False)
    page.locator(".md-header__option .md-select").hover()
    english = page.locator(".md-select__link[hreflang=en]")
    english.wait_for(state="visible")
    english.click()
    page.wait_for_load_state()
    assert "/zh/" not in page.url
    assert page.locator(".md-select__link[hreflang=zh]").count() == 1


@pytest.mark.slow
@pytest.mark.parametrize(("query", "expected"), [
    ("对敲", WASH),
    ("幌骗", "runbooks/market-abuse/spoofing-layering/"),
    ("跑分", "runbooks/p2p/p2p-money-mule-review/"),
    ("关联账户", WASH),
    ("强平", "runbooks/derivatives/liquidation-suicide-attack/"),
    ("stp_prevented_match_spike", WASH),
    ("liquidation_beyond_bankruptcy", "runbooks/derivatives/liquidation-suicide-attack/"),
])
def test_chinese_search_finds_the_runbook_first(page: Any, site: str, query: str, expected: str) -> None:
    page.goto(site + "zh/")
    hrefs = _search(page, query)
    page.screenshot(path=str(ARTIFACTS / f"zh-search-{len(query)}.png"))
    assert "/zh/" in page.url and "/zh/" in hrefs[0], hrefs[:12]
    if "/zh/alerts/" in hrefs[0]:  # the alert's own page, which sends the browser on to its one runbook
        page.goto(hrefs[0])
        page.wait_for_url(f"**/zh/{expected}", timeout=15_000)
    else:
        assert expected in hrefs[0], hrefs[:12]


_UI_TEXT = """() => {
    // What runbook.js and the query forms say: their text without code (names, values) and without the SOP's
    // own descriptions, and the attributes a reader sees or hears.
    const parts = [];
    for (const el of document.querySelectorAll('.sop-progress, form.sop-form, .sop-form--computed')) {
        const copy = el.cloneNode(true);
        copy.querySelectorAll('code, .sop-form__hint').forEach((c) => c.remove());
        const walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) parts.push(walker.currentNode.nodeValue);
        copy.querySelectorAll('[placeholder], [aria-label], [title]').forEach((c) => parts.push(
            c.getAttribute('placeholder') || '', c.getAttribute('aria-label') || '', c.getAttribute('title') || ''));
    }
    return parts.join(' ');
}"""


def _ui_words(page: Any) -> set[str]:
    """Latin words in the UI text of the page once every piece of it was shown: the checklist bar after a tick,
    and an error under a form field and under a pasted value."""
    page.evaluate("localStorage.clear()")
    page.reload()
    page.locator(".sop-progress").wait_for(state="visible")
    page.locator("article .task-list-control input[type=checkbox]").nth(0).evaluate("box => box.click()")
    page.fill("[data-sop-value='start_ts']", "2026-02-30T00:00:00Z")
    page.locator("[data-sop-as='linked_volume.linked_ids']").select_option("number")
    page.fill("[data-sop-value='linked_volume.linked_ids']", "A1\nA2")
    assert page.locator("[data-sop-error='start_ts']").is_visible()
    assert page.locator("[data-sop-error='linked_volume.linked_ids']").is_visible()
    return latin_words(page.evaluate(_UI_TEXT))


@pytest.mark.slow
def test_the_checklist_bar_and_the_query_forms_speak_chinese_on_zh(page: Any, site: str) -> None:
    page.goto(site + "zh/" + WASH)
    assert _ui_words(page) == set()
    total = page.locator("article .task-list-control input[type=checkbox]").count()
    bar = page.locator(".sop-progress").inner_text()
    assert f"已勾选 1 / {total}" in bar and "最后勾选于" in bar and "重置检查清单" in bar, bar
    assert page.locator("[data-sop-error='start_ts']").inner_text() == "此值不是真实存在的日期和时间。"
    assert page.locator("[data-sop-error='linked_volume.linked_ids']").inner_text() == "此值第 1 行不是数字。"
    page.locator(".sop-progress").screenshot(path=str(ARTIFACTS / "zh-checklist-progress.png"))
    # The same page on / says all of it in English: the check sees English where it is.
    page.goto(site + WASH)
    assert {"Reset", "checklist", "ticked", "This", "value", "line", "number", "Clear", "type"} <= _ui_words(page)
    assert f"1 of {total} ticked" in page.locator(".sop-progress").inner_text()
