"""The browser the browser tests share: Debian's Chromium driven by Playwright, offline.

A test module marks itself with `pytestmark = NEEDS_CHROMIUM` and makes its
module-scoped `browser` fixture from `chromium()`; `offline_tab` opens a page
on which every request the test does not allow is aborted and recorded (the
test fails when one was attempted), and every dialog is dismissed and recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
"""Screenshots and PDFs the browser tests leave for people to look at."""
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
"""Nothing of Chromium's own reaches the network: no background fetches, component updates or sync."""
NEEDS_CHROMIUM = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium "
                                                     "(apt-get install chromium)"),
]
DESKTOP = {"width": 1366, "height": 900}


def chromium() -> Iterator[Any]:
    """Chromium started with the flags that keep it off the network, until the generator is closed."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@dataclass
class Tab:
    """A page whose requests are recorded: all of them, and those that were blocked."""

    page: Any
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@contextmanager
def offline_tab(browser: Any, allowed: Callable[[str], bool], viewport: dict[str, int] = DESKTOP, *,
                script: bool = True) -> Iterator[Tab]:
    """A page in its own context that may load only the URLs `allowed` accepts; fails the test on any other."""
    context = browser.new_context(viewport=viewport, java_script_enabled=script)
    opened = Tab(context.new_page())

    def route(r: Any) -> None:
        opened.requests.append(r.request.url)
        if allowed(r.request.url):
            r.continue_()
        else:
            opened.blocked.append(r.request.url)
            r.abort()

    def dialog(d: Any) -> None:
        opened.dialogs.append(d.message)
        d.dismiss()

    context.route("**/*", route)
    opened.page.on("dialog", dialog)
    try:
        yield opened
    finally:
        context.close()
    assert opened.blocked == [], f"requests the page may not make: {opened.blocked}"
