"""`sopc serve`: starts, regenerates a page when its SOP changes, keeps the last good page on errors, stops."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from compiler.sitegen.project import copy_skeleton, repo_site

ROOT = Path(__file__).resolve().parent.parent
SOP = Path("sops/market-abuse/wash-trading-linked-accounts.yaml")
INCLUDED = Path("sops/user-risk/linked-account-group.yaml")
"""The SOP the wash-trading SOP includes: without it the library does not validate."""
PAGE = Path("site/docs/runbooks/market-abuse/wash-trading-linked-accounts.md")
URL_PATH = "runbooks/market-abuse/wash-trading-linked-accounts/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body: bytes = response.read()
            return body.decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for path in (SOP, INCLUDED):
        (tmp_path / path).parent.mkdir(parents=True)
        shutil.copy(ROOT / path, tmp_path / path)
    copy_skeleton(repo_site(), tmp_path / "site")
    return tmp_path


TRANSLATIONS = (SOP.with_suffix(".zh.yaml"), INCLUDED.with_suffix(".zh.yaml"))


@pytest.fixture
def served(repo: Path, request: pytest.FixtureRequest) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    if getattr(request, "param", "") == "zh":  # the library has Chinese translations: /zh/ is served too
        for path in TRANSLATIONS:
            shutil.copy(ROOT / path, repo / path)
    port = free_port()
    command = [sys.executable, "-m", "compiler", "serve", "--root", str(repo), "--addr", f"127.0.0.1:{port}",
               "--today", "2026-11-22"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    lines: list[str] = []
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: lines.extend(iter(stdout.readline, "")), daemon=True).start()
    base = f"http://127.0.0.1:{port}/"
    try:
        yield process, base, lines
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_serve_regenerates_the_page_when_the_sop_changes(repo: Path,
                                                         served: tuple[subprocess.Popen[str], str, list[str]]) -> None:
    process, base, lines = served
    wait_for(lambda: any(f"Serving the runbook site at {base}" in line for line in lines), 180, "the URL line")
    wait_for(lambda: "Self-trade and linked-account wash trading" in (fetch(base + URL_PATH) or ""), 90,
             "the SOP page to be served")

    source = repo / SOP
    source.write_text(source.read_text().replace("title: Self-trade and linked-account wash trading",
                                                 "title: Edited live wash trading title"))
    wait_for(lambda: "Edited live wash trading title" in (repo / PAGE).read_text(), 15, "the page to be regenerated")
    wait_for(lambda: "Edited live wash trading title" in (fetch(base + URL_PATH) or ""), 60,
             "the served page to change")
    # The index pages that list it follow, built after the page itself.
    for index in ("runbooks/market-abuse/", "runbooks/", "runbooks/alerts/"):
        wait_for(lambda url=base + index: "Edited live wash trading title" in (fetch(url) or ""), 60, f"{index} to change")

    # A mistake while typing: the problem is reported and the page keeps its last good version.
    source.write_text(source.read_text().replace("severity: high", "severity: hgih"))
    wait_for(lambda: any("SOP105" in line for line in lines), 15, "the diagnostic")
    assert "Edited live wash trading title" in (repo / PAGE).read_text()

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) in (0, 130)
    wait_for(lambda: fetch(base) is None, 15, "the server to stop")


@pytest.mark.parametrize("served", ["zh"], indirect=True)
def test_serve_keeps_both_languages_live(repo: Path, served: tuple[subprocess.Popen[str], str, list[str]]) -> None:
    """An edit of the SOP shows on the English page, an edit of its translation on the Chinese one (/zh/),
    each in its own site, with the rest of that page and the other language's page as they were."""
    process, base, lines = served
    zh_url = base + "zh/" + URL_PATH
    wait_for(lambda: "自成交与关联账户对敲" in (fetch(zh_url) or ""), 90, "the Chinese page to be served")
    english = fetch(base + URL_PATH) or ""
    assert "Self-trade and linked-account wash trading" in english and 'lang="en"' in english
    assert 'lang="zh"' in (fetch(zh_url) or "")

    source = repo / SOP
    source.write_text(source.read_text().replace("    title: ", "    title: Edited step of the live preview ", 1))
    wait_for(lambda: "Edited step of the live preview" in (fetch(base + URL_PATH) or ""), 60, "the English edit")
    translation = repo / TRANSLATIONS[0]
    translation.write_text(translation.read_text().replace("text: 自成交与关联账户对敲", "text: 自成交对敲（已编辑）"))
    wait_for(lambda: "自成交对敲（已编辑）" in (fetch(zh_url) or ""), 60, "the Chinese edit")
    assert "自成交对敲" not in (fetch(base + URL_PATH) or "")

    def titles() -> list[str]:
        """The titles of the page's entries in the Chinese search index (written after the pages)."""
        docs = json.loads(fetch(base + "zh/search/search_index.json") or '{"docs": []}')["docs"]
        return ["".join(d["title"].split()).replace("\u200b", "") for d in docs if d["location"] == URL_PATH]

    wait_for(lambda: "自成交对敲（已编辑）" in titles(), 60, "the search index to follow")
    assert titles() == ["自成交对敲（已编辑）"]  # the page's entry replaced, not added beside the old one
    assert process.poll() is None, "".join(lines)


def test_an_edit_is_checked_with_what_it_includes_and_only_its_pages_are_rewritten(repo: Path) -> None:
    """In process: the preview re-checks the edited file alone (with the SOP it includes) and rewrites only
    the files whose bytes changed; an unchanged page keeps its file, so MkDocs' dirty rebuild skips it."""
    from compiler.serve import Preview

    shutil.copy(ROOT / "sops/market-abuse/spoofing-layering.yaml", repo / "sops/market-abuse/spoofing-layering.yaml")
    said: list[str] = []
    preview = Preview(repo, today=datetime.date(2026, 11, 22))
    preview.regenerate(said.append)
    assert said[-1].startswith("sopc serve: pages generated from 3 SOPs"), said
    other = repo / "site/docs/runbooks/market-abuse/spoofing-layering.md"
    before = other.stat()

    source = repo / SOP
    source.write_text(source.read_text().replace("title: Self-trade and linked-account wash trading",
                                                 "title: Edited wash trading title"))
    said.clear()
    preview.regenerate(said.append, {str(source)})
    assert len(said) == 1 and "SOP503" not in said[0], said  # the included SOP was checked with it
    assert "Edited wash trading title" in (repo / PAGE).read_text()
    assert other.stat().st_ino == before.st_ino and other.stat().st_mtime_ns == before.st_mtime_ns
    rendered = int(said[0].split("(")[1].split(" rendered")[0])
    alerts = source.read_text().count("- alert:")
    assert rendered == 1 + alerts, said  # the page and the alert pages that show its title

    source.unlink()
    preview.regenerate(said.append, {str(source)})
    assert not (repo / PAGE).exists()


@pytest.mark.parametrize("addr", ["nonsense", "taken"])
def test_an_address_it_cannot_listen_on_is_a_one_line_error_before_any_build(repo: Path, addr: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        if addr == "taken":
            addr = f"127.0.0.1:{taken.getsockname()[1]}"
        result = subprocess.run([sys.executable, "-m", "compiler", "serve", "--root", str(repo), "--addr", addr],
                                cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert not (repo / PAGE).exists()  # nothing was generated


def test_a_site_server_that_fails_is_one_line_not_its_traceback() -> None:
    """Another program's server (Zensical) that stops with a Python traceback: its log lines pass, the traceback
    is held back, and its last line is what sopc serve says when the child stops."""
    from compiler.serve import _relay

    program = ("import sys; print('Serving on http://127.0.0.1:1', flush=True); "
               "raise RuntimeError('Search field text exceeds the search index limit')")
    child = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    said: list[str] = []
    last: list[str] = []
    _relay(child, said.append, last)
    assert child.wait(timeout=30) == 1
    assert said == ["Serving on http://127.0.0.1:1"]
    assert last == ["RuntimeError: Search field text exceeds the search index limit"]
