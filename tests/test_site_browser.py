"""The built runbook site in a real browser (Debian's Chromium driven by Playwright).

Two sites are built into a temporary folder: the shipped library, and one
holding an SOP with XSS payloads in every field. Each is served by a local
http.server on 127.0.0.1; every request to any other host is blocked and
recorded, and each test asserts that none was attempted. Screenshots (and a
PDF of the printed checklist) go to tests/artifacts/.
"""

from __future__ import annotations

import datetime
import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.check import check_files
from compiler.files import discover, read_all
from compiler.model import build
from compiler.serve import load_skills
from compiler.sitegen import render_pages, render_site
from compiler.sitegen.project import build_html, copy_skeleton, repo_site
from compiler.sitegen.samples import hostile
from compiler.sitegen.write import write_site

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium "
                                                     "(apt-get install chromium)"),
]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
TODAY = datetime.date(2026, 11, 22)
SOP_PATH = "runbooks/market-abuse/wash-trading-linked-accounts/"
SOP_TITLE = "Self-trade and linked-account wash trading"
ALERT = "stp_prevented_match_spike"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Served:
    """A built site on a local port."""

    folder: Path
    server: http.server.ThreadingHTTPServer
    base: str = ""

    def url(self, path: str = "") -> str:
        return self.base + path


def _serve(folder: Path) -> Served:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Served(folder, server, f"http://127.0.0.1:{server.server_address[1]}/")


def _build(project: Path, files: dict[str, bytes]) -> Path:
    config = copy_skeleton(repo_site(), project)
    write_site(project / "docs", files)
    result = build_html(config)
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "site"


@pytest.fixture(scope="module")
def library_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    checked = check_files(read_all(discover([str(ROOT / "sops")])), TODAY)
    sops = checked.valid_sops()
    skills = load_skills(ROOT / "skills", sorted(s.id for s in sops))
    served = _serve(_build(tmp_path_factory.mktemp("library"), render_site(sops, skills, today=TODAY)))
    yield served
    served.server.shutdown()


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data = yaml.safe_load((ROOT / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml").read_text())
    sop = build("sops/market-abuse/xss-everywhere.yaml", hostile(data))
    payload = b"<script>window.__xss=1</script>"
    files = render_pages([sop], {sop.id: {"skill.json": b"{}", "SKILL.md": payload}}, today=TODAY, examples={})
    served = _serve(_build(tmp_path_factory.mktemp("hostile"), files))
    yield served
    served.server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@dataclass
class Tab:
    """A page whose requests to other hosts are blocked and recorded."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def tab(browser: Any, library_site: Served) -> Iterator[Tab]:
    yield from _tab(browser, library_site)


@pytest.fixture
def hostile_tab(browser: Any, hostile_site: Served) -> Iterator[Tab]:
    yield from _tab(browser, hostile_site)


def _tab(browser: Any, site: Served) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    opened = Tab(page)

    def route(r: Any) -> None:
        if r.request.url.startswith(site.base):
            r.continue_()
        else:
            opened.blocked.append(r.request.url)
            r.abort()

    def dialog(d: Any) -> None:
        opened.dialogs.append(d.message)
        d.dismiss()

    context.route("**/*", route)
    page.on("dialog", dialog)
    yield opened
    context.close()
    assert opened.blocked == [], f"requests to other hosts: {opened.blocked}"


def _search(page: Any, query: str) -> Any:
    page.keyboard.press("/")
    box = page.locator("input.md-search__input")
    box.wait_for(state="visible")
    box.press_sequentially(query, delay=20)
    results = page.locator(".md-search-result__item > a, .md-search-result__link")
    results.first.wait_for(state="visible", timeout=15_000)
    return results


def _checkbox_centre(page: Any, index: int) -> tuple[float, float]:
    """Where a person clicks Material's custom checkbox: the ::before box of its indicator."""
    box: list[float] = page.evaluate(
        """(i) => {
            const el = document.querySelectorAll('.task-list-indicator')[i];
            el.scrollIntoView({block: 'center'});
            const r = el.getBoundingClientRect();
            const s = getComputedStyle(el, '::before');
            const left = r.left + parseFloat(s.left), top = r.top + parseFloat(s.top);
            return [left + parseFloat(s.width) / 2, top + parseFloat(s.height) / 2];
        }""", index)
    return box[0], box[1]


def test_home_page(tab: Tab, library_site: Served) -> None:
    tab.page.goto(library_site.url())
    assert tab.page.locator("h1").first.inner_text().rstrip("¶ \n") == "Risk runbooks"
    assert tab.page.locator("a[href='runbooks/alerts/']").count() >= 1
    tab.page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)


def test_search_by_alert_name_leads_to_the_sop(tab: Tab, library_site: Served) -> None:
    page = tab.page
    page.goto(library_site.url())
    results = _search(page, ALERT)
    page.screenshot(path=str(ARTIFACTS / "search-alert.png"))
    first = results.first.get_attribute("href")
    assert first is not None and SOP_PATH in first
    results.first.click()
    page.wait_for_url(f"**/{SOP_PATH}**")
    assert page.locator("h1").first.inner_text().startswith(SOP_TITLE)
    assert ALERT in page.locator("article").inner_text()


@pytest.mark.parametrize("query", ["wash-trading-linked-accounts", "linked-account wash trading"])
def test_search_by_id_and_title_words(tab: Tab, library_site: Served, query: str) -> None:
    tab.page.goto(library_site.url())
    hrefs = [a.get_attribute("href") for a in _search(tab.page, query).all()[:3]]
    assert any(SOP_PATH in (h or "") for h in hrefs), hrefs


def test_flowchart_is_inline_svg_and_links_to_steps(tab: Tab, library_site: Served) -> None:
    page = tab.page
    page.goto(library_site.url(SOP_PATH))
    svg = page.locator("figure.sop-flow > svg")
    assert svg.count() == 1
    box = svg.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 400
    assert page.locator("figure.sop-flow svg a").count() == 12  # one link per step of the wash-trading SOP
    svg.screenshot(path=str(ARTIFACTS / "flowchart.png"))
    page.locator("figure.sop-flow svg a[href='#step-replay']").click()
    page.wait_for_function("location.hash === '#step-replay'")


def test_checkboxes_toggle_on_click(tab: Tab, library_site: Served) -> None:
    page = tab.page
    page.goto(library_site.url(SOP_PATH))
    boxes = page.locator(".task-list-control input[type=checkbox]")
    assert boxes.count() >= 11
    assert not boxes.nth(0).is_checked()
    page.mouse.click(*_checkbox_centre(page, 0))
    assert boxes.nth(0).is_checked()
    page.mouse.click(*_checkbox_centre(page, 0))
    assert not boxes.nth(0).is_checked()
    page.mouse.click(*_checkbox_centre(page, 2))
    assert boxes.nth(2).is_checked()
    page.screenshot(path=str(ARTIFACTS / "checklist.png"))


def test_sql_block_is_collapsible_with_a_copy_button(tab: Tab, library_site: Served) -> None:
    page = tab.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=library_site.base.rstrip("/"))
    page.goto(library_site.url(SOP_PATH))
    details = page.locator("details.example").first
    assert details.get_attribute("open") is None
    details.locator("summary").click()
    copy = details.locator("button.md-clipboard, button.md-code__button[data-md-type=copy]")
    copy.wait_for(state="visible")
    copy.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("SELECT account_id, user_id") and "WHERE account_id = $account_id" in copied
    details.screenshot(path=str(ARTIFACTS / "sql.png"))


def test_prints_as_a_clean_checklist(tab: Tab, library_site: Served) -> None:
    page = tab.page
    page.goto(library_site.url(SOP_PATH))
    page.emulate_media(media="print")
    for selector in (".md-header", ".md-sidebar--primary", ".md-sidebar--secondary", ".md-footer", ".md-search"):
        assert not page.locator(selector).first.is_visible(), selector
    assert page.locator("h3#step-escalate").is_visible()
    assert page.locator("li.task-list-item").first.is_visible()
    box = page.evaluate("""(() => {
        const s = getComputedStyle(document.querySelector('.task-list-indicator'), '::before');
        return [s.display, s.borderTopStyle, s.width, s.visibility];
    })()""")
    assert box[0] != "none" and box[1] == "solid" and box[2] != "0px" and box[3] == "visible", box
    page.screenshot(path=str(ARTIFACTS / "print.png"), full_page=True)
    page.pdf(path=str(ARTIFACTS / "print.pdf"))


def test_xss_payloads_never_run(hostile_tab: Tab, hostile_site: Served) -> None:
    page = hostile_tab.page
    for path in ("runbooks/market-abuse/xss-everywhere/", "runbooks/", "runbooks/alerts/", "runbooks/severity/",
                 "runbooks/market-abuse/"):
        page.goto(hostile_site.url(path))
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__xss") == "undefined", path
    page.goto(hostile_site.url("runbooks/market-abuse/xss-everywhere/"))
    assert "<script>window.__xss=1</script>" in page.locator("h1").first.inner_text()  # shown as text
    for summary in page.locator("details > summary").all():
        summary.click()
    page.mouse.click(*_checkbox_centre(page, 0))
    page.locator("figure.sop-flow svg a").first.hover()
    page.screenshot(path=str(ARTIFACTS / "xss-page.png"))
    for query in ("onerror", "script", "click"):
        page.goto(hostile_site.url("runbooks/market-abuse/xss-everywhere/"))
        results = _search(page, query)
        results.first.hover()
        page.wait_for_timeout(300)
        assert page.evaluate("typeof window.__xss") == "undefined", query
    page.screenshot(path=str(ARTIFACTS / "xss-search.png"))
    page.goto(hostile_site.url("runbooks/market-abuse/xss-everywhere/SKILL.md.txt"))
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert hostile_tab.dialogs == []
