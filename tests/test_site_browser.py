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
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser_fixtures import ARTIFACTS, DESKTOP, NEEDS_CHROMIUM, Tab, chromium, offline_tab

from compiler.check import check_files
from compiler.files import discover, read_all
from compiler.model import build
from compiler.serve import load_skills
from compiler.sitegen import render_pages, render_site
from compiler.sitegen.project import build_html, copy_skeleton, repo_site
from compiler.sitegen.samples import PAYLOAD, hostile
from compiler.sitegen.write import write_site

pytestmark = NEEDS_CHROMIUM

ROOT = Path(__file__).resolve().parent.parent
TODAY = datetime.date(2026, 11, 22)
SOP_PATH = "runbooks/market-abuse/wash-trading-linked-accounts/"
SOP_TITLE = "Self-trade and linked-account wash trading"
ALERT = "stp_prevented_match_spike"
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}


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
    yield from chromium()


@pytest.fixture
def tab(browser: Any, library_site: Served) -> Iterator[Tab]:
    yield from _tab(browser, library_site)


@pytest.fixture
def hostile_tab(browser: Any, hostile_site: Served) -> Iterator[Tab]:
    yield from _tab(browser, hostile_site)


@pytest.fixture(params=sorted(SIZES))
def sized(request: pytest.FixtureRequest, browser: Any, library_site: Served) -> Iterator[tuple[str, Tab]]:
    """A tab of the shipped library's site at desktop (1366x900) and at phone (390x844) size."""
    for opened in _tab(browser, library_site, SIZES[request.param]):
        yield request.param, opened


def _tab(browser: Any, site: Served, viewport: dict[str, int] = DESKTOP, *, script: bool = True) -> Iterator[Tab]:
    """A page that may load only from the site's own server."""
    with offline_tab(browser, lambda url: url.startswith(site.base), viewport, script=script) as opened:
        yield opened


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
    assert first is not None and f"/alerts/{ALERT}/" in first  # the alert's own page, which opens the runbook
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


def test_sql_block_is_expanded_with_a_copy_button(tab: Tab, library_site: Served) -> None:
    page = tab.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=library_site.base.rstrip("/"))
    page.goto(library_site.url(SOP_PATH))
    block = page.locator("[data-sop-sql='subject_profile']")
    assert block.locator("pre code").is_visible()  # no click needed
    block.hover()
    copy = block.locator("button.md-clipboard, button.md-code__button[data-md-type=copy]")
    copy.first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("SELECT account_id, user_id") and "WHERE account_id = $account_id" in copied
    block.screenshot(path=str(ARTIFACTS / "sql.png"))


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


# -- the site at 3am: alerts, search, flowchart, checklist, queries, at desktop and phone size -----------------

INDEX = json.loads((ROOT / "skills" / "index.json").read_text(encoding="utf-8"))["skills"]
DOMAIN_OF = {s["id"]: s["domain"] for s in INDEX}
ALERT_SOPS: dict[str, set[str]] = {}
for _skill in INDEX:
    for _alert in _skill["triggers"]:
        ALERT_SOPS.setdefault(_alert, set()).add(_skill["id"])
FIRST_RESULTS = "li.md-search-result__item > a.md-search-result__link:first-child"


def _runbooks_of(href: str) -> set[str]:
    """The SOPs a search result leads to: an alert page's runbooks, or the runbook page itself."""
    path = href.split("://", 1)[-1].split("/", 1)[-1].split("#")[0].split("?")[0]
    if path.startswith("alerts/"):
        return ALERT_SOPS.get(path.removeprefix("alerts/").strip("/"), set())
    parts = path.strip("/").split("/")
    return {parts[2]} if len(parts) == 3 and parts[0] == "runbooks" else set()


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways: {width}"


def test_every_alert_page_reaches_its_runbook(tab: Tab, library_site: Served) -> None:
    page = tab.page
    assert len(ALERT_SOPS) == sum(len(s["triggers"]) for s in INDEX)  # every alert has one runbook here
    for alert, sops in sorted(ALERT_SOPS.items()):
        (sop_id,) = sops
        page.goto(library_site.url(f"alerts/{alert}/"))
        page.wait_for_url(f"**/runbooks/{DOMAIN_OF[sop_id]}/{sop_id}/", timeout=5_000)
        assert alert in page.locator("article").inner_text(), alert


def test_alert_page_without_script_links_its_runbook(browser: Any, library_site: Served) -> None:
    for size, viewport in SIZES.items():
        for opened in _tab(browser, library_site, viewport, script=False):
            page = opened.page
            page.goto(library_site.url(f"alerts/{ALERT}/"))
            page.wait_for_url(f"**/{SOP_PATH}")  # the refresh needs no script
            opened.page.screenshot(path=str(ARTIFACTS / f"alert-page-{size}.png"))


def test_search_lists_the_right_runbook_first_for_every_alert(sized: tuple[str, Tab], library_site: Served) -> None:
    size, opened = sized
    page = opened.page
    ranks: dict[str, int] = {}
    firsts: dict[str, str] = {}
    for alert, sops in sorted(ALERT_SOPS.items()):
        page.goto(library_site.url())
        _search(page, alert)
        page.wait_for_timeout(150)  # the last keystroke's results
        hrefs = [a.get_attribute("href") or "" for a in page.locator(FIRST_RESULTS).all()]
        firsts[alert] = hrefs[0] if hrefs else ""
        ranks[alert] = next((i for i, h in enumerate(hrefs, start=1) if sops & _runbooks_of(h)), 0)
        if alert == "related_account_volume_share":
            page.screenshot(path=str(ARTIFACTS / f"search-alert-{size}.png"))
    print(f"\n{size}: rank of the right runbook per alert: " + ", ".join(f"{a} {r}" for a, r in ranks.items()))
    wrong = {a: (ranks[a], firsts[a]) for a in ranks if ranks[a] != 1 or not firsts[a].split("?")[0].endswith(f"/alerts/{a}/")}
    assert len(ranks) == len(ALERT_SOPS) and wrong == {}, wrong  # every alert name of skills/index.json


def _measure_flowchart(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate("""() => {
        const svg = document.querySelector('figure.sop-flow > svg');
        const scale = svg.getScreenCTM().a;
        let smallest = 1e9;
        for (const el of svg.querySelectorAll('text, tspan')) {
            if (!Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())) continue;
            smallest = Math.min(smallest, parseFloat(getComputedStyle(el).fontSize) * scale);
        }
        // Edge labels beside their lines: sample every path and count points inside any label's box.
        const paths = Array.from(svg.querySelectorAll('.sop-flow__edge path'));
        let onLine = 0;
        const labels = Array.from(svg.querySelectorAll('.sop-flow__edge text'));
        for (const label of labels) {
            const b = label.getBBox();
            for (const path of paths) {
                const length = path.getTotalLength();
                for (let t = 0; t <= length; t += 1) {
                    const p = path.getPointAtLength(t);
                    if (p.x > b.x + 0.5 && p.x < b.x + b.width - 0.5 && p.y > b.y + 0.5 && p.y < b.y + b.height - 0.5) {
                        onLine += 1; break;
                    }
                }
            }
        }
        const figure = svg.parentElement.getBoundingClientRect();
        const box = svg.getBoundingClientRect();
        return {smallest, scale, labels: labels.length, onLine, width: box.width, height: box.height,
                frame: figure.width, pannable: svg.parentElement.scrollWidth > svg.parentElement.clientWidth};
    }""")
    return result


def test_flowchart_is_readable_at_both_sizes(sized: tuple[str, Tab], library_site: Served) -> None:
    size, opened = sized
    page = opened.page
    figures = {}
    for skill in INDEX:
        page.goto(library_site.url(f"runbooks/{skill['domain']}/{skill['id']}/"))
        found = _measure_flowchart(page)
        figures[skill["id"]] = found
        _no_sideways_scroll(page)
        assert found["labels"] > 0 and found["onLine"] == 0, (skill["id"], found)
        if size == "phone":  # drawn at its own size: 1 unit is 1 CSS px, give or take layout rounding
            assert round(found["smallest"], 2) >= 11 and round(found["scale"], 2) == 1, (skill["id"], found)
            assert found["pannable"] or found["width"] <= found["frame"], (skill["id"], found)
    print(f"\n{size}: " + "; ".join(f"{k}: text ≥ {v['smallest']:.1f}px, chart {v['width']:.0f}×{v['height']:.0f}px"
                                    for k, v in figures.items()))
    page.goto(library_site.url(SOP_PATH))
    page.locator("figure.sop-flow").screenshot(path=str(ARTIFACTS / f"flowchart-{size}.png"))
    if size == "desktop":
        # Drawn at its own size, never enlarged: the whole shipped library's charts stay under two screens.
        assert max(v["height"] for v in figures.values()) < 2 * DESKTOP["height"], figures


def test_flowchart_needs_no_script(browser: Any, library_site: Served) -> None:
    for opened in _tab(browser, library_site, PHONE, script=False):
        opened.page.goto(library_site.url(SOP_PATH))
        svg = opened.page.locator("figure.sop-flow > svg")
        box = svg.bounding_box()
        assert box is not None and box["height"] > 400
        assert "Replay" in (svg.text_content() or "") and svg.locator("text").count() > 10


def test_ticked_boxes_survive_a_reload(sized: tuple[str, Tab], library_site: Served) -> None:
    size, opened = sized
    page = opened.page
    page.goto(library_site.url(SOP_PATH))
    page.evaluate("localStorage.clear()")
    page.reload()
    boxes = page.locator("article .task-list-control input[type=checkbox]")
    total = boxes.count()
    assert total >= 11 and not any(boxes.nth(i).is_checked() for i in range(total))
    page.wait_for_load_state("networkidle")  # the browser's own late requests (the favicon) are not the page's
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.mouse.click(*_checkbox_centre(page, 0))
    page.mouse.click(*_checkbox_centre(page, 3))
    assert requests == []  # ticking sends nothing anywhere
    bar = page.locator(".sop-progress")
    assert f"2 of {total} ticked" in bar.inner_text() and "last tick" in bar.inner_text()
    page.reload()
    boxes = page.locator("article .task-list-control input[type=checkbox]")
    assert [boxes.nth(i).is_checked() for i in range(5)] == [True, False, False, True, False]
    assert f"2 of {total} ticked" in page.locator(".sop-progress").inner_text()
    version = next(s["version"] for s in INDEX if s["id"] == "wash-trading-linked-accounts")
    stored = json.loads(page.evaluate(f"localStorage.getItem('sopc:checklist:wash-trading-linked-accounts@{version}')"))
    assert len(stored["ticked"]) == 2 and stored["at"]
    page.locator(".sop-progress").screenshot(path=str(ARTIFACTS / f"checklist-progress-{size}.png"))
    # Another runbook keeps its own ticks; another version of this one starts afresh.
    page.goto(library_site.url("runbooks/market-abuse/spoofing-layering/"))
    assert not page.locator("article .task-list-control input[type=checkbox]").nth(0).is_checked()
    page.goto(library_site.url(SOP_PATH))
    store = "([key, value]) => localStorage.setItem(key, value)"
    page.evaluate(store, [f"sopc:checklist:wash-trading-linked-accounts@{version}", '{"ticked": {}, "at": null}'])
    page.evaluate(store, ["sopc:checklist:wash-trading-linked-accounts@0.0.1", json.dumps(stored)])
    page.reload()
    assert not page.locator("article .task-list-control input[type=checkbox]").nth(0).is_checked()
    # Reset clears the ticks and what was kept.
    page.mouse.click(*_checkbox_centre(page, 1))
    page.locator(".sop-progress__reset").click()
    page.reload()
    assert not page.locator("article .task-list-control input[type=checkbox]").nth(1).is_checked()
    assert page.evaluate(f"localStorage.getItem('sopc:checklist:wash-trading-linked-accounts@{version}')") is None


HOSTILE_TEXT = "it's a \"test\" \\ back\\slash </script><img src=x onerror=window.__xss=1> '; DROP TABLE trades; --"


def _literals(page: Any, step: str) -> list[str]:
    spans = page.locator(f"[data-sop-sql='{step}'] .sop-param")
    return [spans.nth(i).inner_text() for i in range(spans.count())]


def _duckdb_value(literal: str) -> Any:
    import duckdb

    row = duckdb.connect().execute(f"SELECT {literal}").fetchone()
    assert row is not None
    return row[0]


def _run_filled(sql: str) -> None:
    """The filled query runs in DuckDB against empty canonical tables: every literal parsed and typed."""
    import duckdb

    con = duckdb.connect()
    con.execute((ROOT / "schema" / "exchange.sql").read_text(encoding="utf-8"))
    con.execute(sql).fetchall()


def test_query_form_fills_and_quotes_values(sized: tuple[str, Tab], library_site: Served) -> None:
    size, opened = sized
    page = opened.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=library_site.base.rstrip("/"))
    page.goto(library_site.url(SOP_PATH))
    form = page.locator("form[data-sop-form]")
    assert form.is_visible()
    page.fill("[data-sop-value='account_id']", "WR-1")
    page.fill("[data-sop-value='start_ts']", "2026-01-05T01:30:00+01:00")
    page.fill("[data-sop-value='end_ts']", "2026-01-06T00:00:00.25Z")
    page.fill("[data-sop-value='linked_volume.linked_ids']", "A'1\nB\\2\n</script><b>x</b>\n")
    assert _literals(page, "subject_profile") == ["'WR-1'"]
    literals = _literals(page, "linked_volume")
    assert "TIMESTAMP '2026-01-05 00:30:00'" in literals and "TIMESTAMP '2026-01-06 00:00:00.25'" in literals
    assert "['A''1', 'B\\2', '</script><b>x</b>']" in literals
    assert _duckdb_value("TIMESTAMP '2026-01-05 00:30:00'") == datetime.datetime(2026, 1, 5, 0, 30)
    assert _duckdb_value("['A''1', 'B\\2', '</script><b>x</b>']") == ["A'1", "B\\2", "</script><b>x</b>"]
    sql = page.locator("[data-sop-sql='linked_volume'] pre code").text_content() or ""
    assert "$" not in sql
    _run_filled(sql)
    # The SQL is shown expanded; long lines wrap inside the block instead of being cut off.
    block = page.locator("[data-sop-sql='linked_volume'] pre code")
    assert block.is_visible()
    assert page.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1", block.element_handle())
    _no_sideways_scroll(page)
    # The copy button copies the query as filled in.
    page.locator("[data-sop-sql='linked_volume']").hover()
    copy = page.locator("[data-sop-sql='linked_volume'] button.md-clipboard, "
                        "[data-sop-sql='linked_volume'] button.md-code__button[data-md-type=copy]")
    copy.first.click()
    assert page.evaluate("navigator.clipboard.readText()").strip() == sql.strip()
    page.locator("[data-sop-sql='linked_volume']").screenshot(path=str(ARTIFACTS / f"query-filled-{size}.png"))
    # A value the input's pattern refuses is named, and the query keeps its placeholder.
    page.fill("[data-sop-value='account_id']", "x' OR 1=1 --")
    assert page.locator("[data-sop-error='account_id']").is_visible()
    assert _literals(page, "subject_profile") == ["$account_id"]
    page.fill("[data-sop-value='start_ts']", "2026-02-30T00:00:00Z")
    assert "exists" in page.locator("[data-sop-error='start_ts']").inner_text()
    form.screenshot(path=str(ARTIFACTS / f"query-form-{size}.png"))


def test_query_form_quotes_hostile_text_exactly(tab: Tab, library_site: Served) -> None:
    page = tab.page
    page.goto(library_site.url("runbooks/ai-operations/agent-closed-alert-quality-review/"))
    page.fill("[data-sop-value='sample_seed']", HOSTILE_TEXT)
    seeds = {lit for step in ("sample_cases", "recheck_sample") for lit in _literals(page, step) if lit.startswith("'it")}
    assert seeds, _literals(page, "sample_cases")
    for literal in seeds:
        assert _duckdb_value(literal) == HOSTILE_TEXT
    page.goto(library_site.url("runbooks/p2p/p2p-third-party-payment-chargeback/"))
    multi_line = "a'b\nc\\d </script>"
    field = page.locator("[data-sop-value='buyer_profile.buyer_id']")
    field.fill(multi_line)
    (literal,) = {lit for lit in _literals(page, "buyer_profile") if lit.startswith("'")}
    assert literal == "'a''b\nc\\d </script>'" and _duckdb_value(literal) == multi_line
    page.locator("[data-sop-as='buyer_profile.buyer_id']").select_option("number")
    assert page.locator("[data-sop-error='buyer_profile.buyer_id']").is_visible()
    field.fill("42.5e1")
    assert "42.5e1" in _literals(page, "buyer_profile")
    assert page.evaluate("typeof window.__xss") == "undefined" and tab.dialogs == []


def test_query_form_with_xss_payloads(hostile_tab: Tab, hostile_site: Served) -> None:
    page = hostile_tab.page
    page.goto(hostile_site.url("runbooks/market-abuse/xss-everywhere/"))
    fields = page.locator("input[data-sop-value], textarea[data-sop-value]")
    assert fields.count() >= 3
    for i in range(fields.count()):
        fields.nth(i).fill(PAYLOAD + "\n" + HOSTILE_TEXT)
    page.wait_for_timeout(200)
    page.mouse.click(*_checkbox_centre(page, 0))
    page.reload()
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert hostile_tab.dialogs == []
    page.screenshot(path=str(ARTIFACTS / "xss-form.png"))


def test_alert_index_fits_a_phone(sized: tuple[str, Tab], library_site: Served) -> None:
    size, opened = sized
    page = opened.page
    page.goto(library_site.url("runbooks/alerts/"))
    _no_sideways_scroll(page)
    names = page.locator(".sop-alerts__name a")
    assert names.count() == len(ALERT_SOPS)
    for i in range(names.count()):
        name = names.nth(i).inner_text()
        assert (names.nth(i).get_attribute("href") or "").endswith(f"alerts/{name}/"), name
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"\n{size}: alert index {height}px tall for {names.count()} alerts")
    page.screenshot(path=str(ARTIFACTS / f"alerts-index-{size}.png"), full_page=True)
    for item in page.locator("li:has(> .sop-alerts__name)").all()[:5]:
        assert item.locator(".sop-badge").count() >= 1 and item.locator(".sop-alerts__when").is_visible()


def test_domain_labels_come_from_one_table(tab: Tab, library_site: Served) -> None:
    from compiler.domains import DOMAIN_TITLES

    page = tab.page
    page.goto(library_site.url("runbooks/"))
    shown = page.locator(".md-nav--primary").inner_text()
    for domain in {s["domain"] for s in INDEX}:
        assert DOMAIN_TITLES[domain] in shown, domain
    assert "Ai operations" not in shown and "P2p" not in shown
