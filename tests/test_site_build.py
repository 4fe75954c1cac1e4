"""The whole site of the shipped library builds with `mkdocs build --strict`, offline, searchable."""

from __future__ import annotations

import datetime
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from compiler.check import check_files
from compiler.files import discover, is_sop_file, read_all
from compiler.sitegen import render_site
from compiler.sitegen.project import build_html, copy_skeleton, repo_site
from compiler.sitegen.samples import html_hazards
from compiler.sitegen.write import write_site

ROOT = Path(__file__).resolve().parent.parent
TODAY = datetime.date(2026, 11, 22)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of site/ with the shipped library's pages, built to HTML; returns the HTML folder."""
    project = tmp_path_factory.mktemp("site")
    config = copy_skeleton(repo_site(), project)
    checked = check_files(read_all(discover([str(ROOT / "sops")])), TODAY)
    write_site(project / "docs", render_site(checked.valid_sops(), {}, today=TODAY))
    result = build_html(config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr
    return project / "site"


class _Resources(HTMLParser):
    """URLs a page loads by itself (not links a person follows)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed") and values.get("src"):
            self.urls.append(str(values["src"]))
        if tag == "link" and values.get("href") and values.get("rel") not in ("canonical",):
            self.urls.append(str(values["href"]))


def test_every_page_is_offline_and_safe(built: Path) -> None:
    pages = sorted(built.rglob("*.html"))
    assert len(pages) > 8
    for page in pages:
        html = page.read_text(encoding="utf-8")
        parser = _Resources()
        parser.feed(html)
        external = [u for u in parser.urls if re.match(r"^(https?:)?//", u)]
        assert external == [], (page, external)
        assert html_hazards(html) == [], page
    for css in built.rglob("*.css"):
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", css.read_text(encoding="utf-8")), css


def test_every_shipped_sop_has_a_page_with_its_flowchart(built: Path) -> None:
    for path in sorted(p for p in (ROOT / "sops").rglob("*.yaml") if is_sop_file(p)):
        html = (built / "runbooks" / path.parent.name / path.stem / "index.html").read_text(encoding="utf-8")
        assert '<figure class="sop-flow" data-search-exclude>' in html and "<svg" in html
        assert 'class="task-list-control"' in html


def test_search_index_has_alert_names_ids_and_titles(built: Path) -> None:
    index = json.loads((built / "search" / "search_index.json").read_text(encoding="utf-8"))
    sop_docs = [d for d in index["docs"] if d["location"].startswith("runbooks/market-abuse/wash-trading")]
    text = " ".join(d["title"] + " " + d["text"] for d in sop_docs)
    for needle in ("stp_prevented_match_spike", "wash-trading-linked-accounts", "Self-trade and linked-account"):
        assert needle in text


def test_generated_skill_links_and_reference_pages_exist(built: Path) -> None:
    assert (built / "reference" / "diagnostics" / "index.html").is_file()
    assert (built / "reference" / "format" / "index.html").is_file()
    assert (built / "runbooks" / "alerts" / "index.html").is_file()
    assert (built / "runbooks" / "severity" / "index.html").is_file()


def test_the_example_in_writing_an_sop_validates(tmp_path: Path) -> None:
    page = (ROOT / "site" / "docs" / "writing-an-sop.md").read_text(encoding="utf-8")
    match = re.search(r'```yaml title="(sops/[^"]+)"\n(.*?)\n```\n', page, re.S)
    assert match is not None
    target = tmp_path / match.group(1)
    target.parent.mkdir(parents=True)
    target.write_text(match.group(2) + "\n", encoding="utf-8")
    checked = check_files(read_all(discover([str(tmp_path / "sops")])), TODAY)
    assert checked.diagnostics == ()
