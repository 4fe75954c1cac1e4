"""report.html in a real browser (Debian's Chromium driven by Playwright, as the site's browser tests do).

The golden reports are served from a local http.server; every request is
recorded and the page may make exactly one (itself): no fonts, scripts,
images or styles from anywhere. Each decisive figure has its chart, the
print stylesheet applies, and the page prints to PDF. A report whose values
hold HTML and script payloads runs nothing and loads nothing.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from runner_fixtures import ANSWERS, make_db, probe_skill, trade

from compiler.runner.answers import GivenAnswers
from compiler.runner.database import Database
from compiler.runner.run import start

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium "
                                                     "(apt-get install chromium)"),
]
ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "tests" / "reports"
ARTIFACTS = ROOT / "tests" / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PAYLOAD = "<img src=https://evil.example/x.png onerror=alert(1)><script>alert(2)</script>[x](javascript:alert(3))"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(folder: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def reports() -> Iterator[str]:
    yield from _serve(REPORTS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def _open(browser: Any, url: str) -> tuple[Any, Any, list[str], list[str]]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    dialogs: list[str] = []

    def route(r: Any) -> None:
        requests.append(r.request.url)
        (r.continue_ if r.request.url == url else r.abort)()

    context.route("**/*", route)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_load_state("load")
    return context, page, requests, dialogs


@pytest.mark.parametrize("name", sorted(p.name for p in REPORTS.iterdir() if (p / "report.html").is_file()))
def test_a_golden_report_is_self_contained_and_prints(browser: Any, reports: str, name: str) -> None:
    url = f"{reports}{name}/report.html"
    context, page, requests, dialogs = _open(browser, url)
    try:
        assert requests == [url] and dialogs == []
        assert page.locator("h1").inner_text().startswith("Findings: ")
        markdown = (REPORTS / name / "report.md").read_text(encoding="utf-8")
        found = next(line for line in markdown.splitlines() if line.startswith("- **Found:**"))
        charts = page.locator("figure.chart svg")
        assert charts.count() == len(re.findall(r": (?:not )?met", found))
        for number in range(charts.count()):
            box = charts.nth(number).bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 10
        assert page.locator("table").count() >= 2 and page.locator("ol > li").count() >= 3
        assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none"
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.body).maxWidth") == "none"
        page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"), full_page=True)
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
        (ARTIFACTS / f"report-{name}.pdf").write_bytes(pdf)
    finally:
        context.close()


def test_a_report_with_script_in_every_value_runs_and_loads_nothing(browser: Any, tmp_path: Path) -> None:
    rows = {"trades": [{**trade(1, "A1", "A1", 30000.0), "symbol": PAYLOAD}, trade(2, "A1", "A1", 20000.0)]}
    answers = {**ANSWERS, "review": {"note": PAYLOAD, "mirrored": True}, "escalate": {**ANSWERS["escalate"],
                                                                                         "note": PAYLOAD}}
    sql = ("SELECT count(*) AS trades, coalesce(sum(notional_usd), 0) AS self_usd, max(symbol) AS symbol "
           "FROM trades WHERE maker_account_id = $account_id AND taker_account_id = $account_id")
    finished = start(probe_skill(sql=sql), Database.open(make_db(tmp_path / "x.duckdb", rows)), {"account_id": "A1"},
                     GivenAnswers(answers), tmp_path / "runs", started_by="alex", run_id="hostile")
    served = _serve(finished.folder)
    base = next(served)
    try:
        context, page, requests, dialogs = _open(browser, f"{base}report.html")
        try:
            assert requests == [f"{base}report.html"] and dialogs == []
            assert page.locator("script, img, a, iframe").count() == 0
            assert PAYLOAD in page.locator("body").inner_text()
        finally:
            context.close()
    finally:
        next(served, None)
