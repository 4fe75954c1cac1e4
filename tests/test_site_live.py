"""The site `sopc serve` keeps loaded (sitegen/live.py) gives the same files as `mkdocs build`, after edits too."""

from __future__ import annotations

import datetime
import shutil
import threading
from pathlib import Path

import pytest
from mkdocs.structure.pages import Page

from compiler.serve import Preview
from compiler.sitegen.live import LiveSite
from compiler.sitegen.project import build_html, copy_skeleton, repo_site

ROOT = Path(__file__).resolve().parent.parent
SOPS = ("sops/market-abuse/wash-trading-linked-accounts.yaml", "sops/user-risk/linked-account-group.yaml",
        "sops/market-abuse/spoofing-layering.yaml")
EDITED = Path(SOPS[2])
UNCOMPARED = {"sitemap.xml.gz"}
"""Gzip records the time it was written (MkDocs: the newest page's; here 0); its sitemap.xml is compared."""


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in UNCOMPARED}


def mkdocs_build(repo: Path, lang: str) -> dict[str, bytes]:
    """What `mkdocs build` makes of the project as it is now (the Chinese site is built into site/zh)."""
    shutil.rmtree(repo / "site" / "site", ignore_errors=True)
    config = repo / "site" / ("mkdocs.yml" if lang == "en" else f"mkdocs.{lang}.yml")
    result = build_html(config, strict=False)
    assert result.returncode == 0, result.stderr
    return tree(repo / "site" / "site" / ("" if lang == "en" else lang))


def settle(site: LiveSite) -> None:
    while site.build_stale():
        pass


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for name in SOPS:
        for path in (Path(name), Path(name).with_suffix(".zh.yaml")):
            if (ROOT / path).exists():
                (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(ROOT / path, tmp_path / path)
    copy_skeleton(repo_site(), tmp_path / "site")
    return tmp_path


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_built_then_updated_page_by_page_as_mkdocs_builds_it_whole(repo: Path, tmp_path: Path, lang: str) -> None:
    preview = Preview(repo, today=datetime.date(2026, 11, 22))
    preview.regenerate(lambda _: None)
    assert set(preview.last_good) == {"en", "zh"}
    config = repo / "site" / ("mkdocs.yml" if lang == "en" else f"mkdocs.{lang}.yml")
    live = LiveSite(config, tmp_path / "out")
    live.build()
    assert tree(tmp_path / "out") == mkdocs_build(repo, lang)

    # A step's title (its page only) and the SOP's title (the index pages that list it too).
    source = repo / EDITED
    for old, new in (("    title: ", "    title: Edited step "), ("title: Spoofing", "title: Edited spoofing")):
        source.write_text(source.read_text().replace(old, new, 1))
        written = preview.regenerate(lambda _: None, {str(source)})
        assert written[lang], written
        live.update(written[lang])
        settle(live)
        built = tree(tmp_path / "out")
        assert built == mkdocs_build(repo, lang)
    assert "Edited spoofing" in built["runbooks/index.html"].decode() or lang != "en"

    # A new SOP adds a page and its skill files: everything is built again, as MkDocs would.
    added = repo / "sops/market-abuse/spoofing-copy.yaml"
    added.write_text(source.read_text().replace("id: spoofing-layering", "id: spoofing-copy"))
    live.update(preview.regenerate(lambda _: None, {str(added)})[lang])
    assert "runbooks/market-abuse/spoofing-copy/index.html" in tree(tmp_path / "out")
    assert tree(tmp_path / "out") == mkdocs_build(repo, lang)

    added.unlink()
    live.update(preview.regenerate(lambda _: None, {str(added)})[lang])
    assert tree(tmp_path / "out") == mkdocs_build(repo, lang)


def test_an_edit_is_built_while_an_index_page_converts_and_the_site_ends_as_mkdocs_builds_it(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An index page's Markdown is converted outside the site's lock: an edit's page is built meanwhile, and
    what that conversion made is not taken when the page changed again before it ended."""
    preview = Preview(repo, today=datetime.date(2026, 11, 22))
    preview.regenerate(lambda _: None)
    live = LiveSite(repo / "site" / "mkdocs.yml", tmp_path / "out")
    live.build()
    source = repo / EDITED
    source.write_text(source.read_text().replace("title: Spoofing", "title: Edited spoofing", 1))
    live.update(preview.regenerate(lambda _: None, {str(source)})["en"])
    assert live.stale

    converting, release = threading.Event(), threading.Event()
    convert = live._convert

    def held(page: Page) -> bool:  # the first conversion waits until the edits below are built
        if not converting.is_set():
            converting.set()
            assert release.wait(300)
        return convert(page)

    monkeypatch.setattr(live, "_convert", held)
    worker = threading.Thread(target=settle, args=(live,))
    worker.start()
    try:
        assert converting.wait(60)
        source.write_text(source.read_text().replace("    title: ", "    title: Edited step ", 1)
                          .replace("title: Edited spoofing", "title: Spoofing again", 1))
        edit = threading.Thread(target=live.update, args=(preview.regenerate(lambda _: None, {str(source)})["en"],))
        edit.start()
        edit.join(30)
        assert not edit.is_alive(), "the edit waited for the index page's conversion"
        page = (tmp_path / "out" / "runbooks/market-abuse/spoofing-layering/index.html").read_text()
        assert "Edited step" in page and "Spoofing again" in page
    finally:
        release.set()
        worker.join(120)
    settle(live)
    built = tree(tmp_path / "out")
    assert "Spoofing again" in built["runbooks/index.html"].decode()
    assert built == mkdocs_build(repo, "en")
