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
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from browser_fixtures import ARTIFACTS, NEEDS_CHROMIUM, Tab, chromium, offline_tab
from runner_fixtures import ANSWERS, make_db, probe_skill, trade

from compiler.runner.answers import GivenAnswers
from compiler.runner.database import Database
from compiler.runner.run import start

pytestmark = NEEDS_CHROMIUM
ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "tests" / "reports"
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
    yield from chromium()


@contextmanager
def _open(browser: Any, url: str) -> Iterator[Tab]:
    """The page at url, which may make no request but for itself."""
    with offline_tab(browser, lambda requested: requested == url, {"width": 1100, "height": 900}) as opened:
        opened.page.goto(url)
        opened.page.wait_for_load_state("load")
        yield opened


@pytest.mark.parametrize("name", sorted(p.name for p in REPORTS.iterdir() if (p / "report.html").is_file()))
def test_a_golden_report_is_self_contained_and_prints(browser: Any, reports: str, name: str) -> None:
    url = f"{reports}{name}/report.html"
    with _open(browser, url) as opened:
        page = opened.page
        assert opened.requests == [url] and opened.dialogs == []
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
        with _open(browser, f"{base}report.html") as opened:
            assert opened.requests == [f"{base}report.html"] and opened.dialogs == []
            assert opened.page.locator("script, img, a, iframe").count() == 0
            assert PAYLOAD in opened.page.locator("body").inner_text()
    finally:
        next(served, None)
