"""Where a built runbook site's search puts the right runbook, for every alert of skills/index.json.

Serves a built site (MkDocs' or Zensical's HTML folder) on 127.0.0.1, types
each alert name into the search box in Chromium, and prints the rank of the
first result that leads to a runbook of that alert (its alert page or the
runbook itself), then how many alerts have it first. The browser test
(tests/test_site_browser.py) requires rank 1 for every alert on the MkDocs
build; this script gives the same figure for any build, e.g. Zensical's:

    .venv-zensical/bin/zensical build -f site/mkdocs.yml      # after sopc build
    .venv/bin/python benchmarks/site_search_ranks.py site/site
"""

from __future__ import annotations

import functools
import http.server
import json
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
RESULTS = "li.md-search-result__item > a:first-child, a[role=option]"
"""A result: Material's (one per page), or Zensical's (in a shadow root, which Playwright's CSS reaches)."""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def leads_to(href: str, alerts: dict[str, set[str]]) -> set[str]:
    """The SOP ids a result link leads to."""
    path = href.split("://", 1)[-1].split("/", 1)[-1].split("#")[0].split("?")[0].strip("/")
    if path.startswith("alerts/"):
        return alerts.get(path.removeprefix("alerts/"), set())
    parts = path.split("/")
    return {parts[2]} if len(parts) == 3 and parts[0] == "runbooks" else set()


def ranks(site: Path) -> dict[str, int]:
    from playwright.sync_api import sync_playwright

    alerts: dict[str, set[str]] = {}
    for skill in json.loads((ROOT / "skills" / "index.json").read_text(encoding="utf-8"))["skills"]:
        for alert in skill["triggers"]:
            alerts.setdefault(alert, set()).add(skill["id"])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    found: dict[str, int] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
            for alert, sops in sorted(alerts.items()):
                page.goto(base)
                page.keyboard.press("/")  # both themes focus their search box
                page.wait_for_timeout(300)
                page.keyboard.type(alert, delay=20)
                page.wait_for_timeout(1200)  # the last keystroke's results
                links = page.locator(RESULTS).all()
                hrefs = [a.get_attribute("href") or "" for a in links]
                found[alert] = next((i for i, h in enumerate(hrefs, start=1) if sops & leads_to(h, alerts)), 0)
                print(f"{alert:<40} {found[alert] or 'not listed'}", flush=True)
            browser.close()
    finally:
        server.shutdown()
    return found


def main() -> int:
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "index.html").is_file():
        print("usage: site_search_ranks.py BUILT_SITE_FOLDER (the folder with index.html)", file=sys.stderr)
        return 2
    found = ranks(Path(sys.argv[1]))
    first = sum(1 for r in found.values() if r == 1)
    print(f"the right runbook first for {first} of {len(found)} alerts; "
          f"not in the results for {sum(1 for r in found.values() if r == 0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
