"""The HTML of one MkDocs configuration kept in process for `sopc serve`: loaded once, then only changed pages built.

`mkdocs serve --dirty` pays MkDocs' whole fixed cost on every change: it
loads the configuration again, compiles the theme's templates again, lists
every file of the docs folder and the theme, reads and renders every page's
Markdown (dirty or not, the navigation needs them), writes the 404 page and
the sitemap; at 1,000 SOPs that is about 16 of the 18 s of a one-page
rebuild. A `LiveSite` does that once (`build`) and keeps what it made: the
configuration with its plugins, the files, the navigation, the theme's
template environment and every page. Given the docs files that changed
(`update`), it reads and renders those pages again with MkDocs' own
functions (`_populate_page`, the theme's page template, the plugins' page
events), replaces their entries in the search index (Material's, written
again from the entries kept in memory), and writes each output file whole
(`files.write_atomic`: a reader sees the old page or the new one).

The pages of the navigation (the index pages, which list the whole library)
are built after, one at a time (`build_stale`), and their Markdown, seconds
of work at 1,000 SOPs, is converted without holding the site's lock: an
edit that comes meanwhile is built at once rather than after them.

What could change what other pages show builds every page again: a changed
path MkDocs does not know (the generated navigation file, a new page or
skill file), a file gone, or a page of the navigation whose title changed.
The navigation file is read through the configuration (`INHERIT`), so the
configuration is loaded again first.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import logging
import os
import threading
from collections.abc import Iterable
from itertools import chain
from pathlib import Path
from typing import Any

from jinja2 import Environment, TemplateNotFound
from mkdocs.commands.build import _build_template, _populate_page, get_context
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import Navigation, get_navigation
from mkdocs.structure.pages import Page

from compiler.files import write_atomic

log = logging.getLogger("mkdocs")

INCLUSION = InclusionLevel.is_in_serve
"""The pages a preview builds: drafts (`draft_docs`) too, as `mkdocs serve` does."""


class LiveSite:
    """One MkDocs configuration's site in site_dir, built whole once and page by page after."""

    def __init__(self, config_file: Path, site_dir: Path, site_url: str | None = None) -> None:
        self.config_file = config_file.resolve()
        self.site_dir = site_dir
        self.site_url = site_url
        self.config = self._load()
        self.files = Files([])
        self.nav = Navigation([], [])
        self.env = Environment()
        self.pages: list[File] = []
        self.outputs: set[str] = set()
        """Every output file the last build wrote a page to (to remove those of pages gone)."""
        self.search: dict[str, list[str]] = {}
        """Each page's search entries as JSON, by page URL in the order of the pages (the index is their join)."""
        self.search_stale = False
        """Whether the search index file is older than the entries."""
        self.stale: set[str] = set()
        """Pages of the navigation whose Markdown changed and that `build_stale` has not built yet."""
        self.lock = threading.Lock()
        """Held while the site is built: `update` runs in the server's build loop, `build_stale` after it."""
        self.generation = 0
        """How many times every page was built (`build`): a page converted before that is not taken."""

    def _load(self) -> MkDocsConfig:
        # Paths in a configuration (the Chinese search's dictionaries) are relative to its folder.
        with contextlib.chdir(self.config_file.parent):
            config = load_config(str(self.config_file), strict=False, site_dir=str(self.site_dir))
            if self.site_url is not None:  # where it is served (the configuration's own otherwise)
                config.site_url = self.site_url
            config.plugins.on_startup(command="serve", dirty=False)
            config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        return config

    @property
    def docs_dir(self) -> Path:
        return Path(self.config.docs_dir)

    def build(self, *, reload: bool = False) -> int:
        """Build every page, the static templates and the search index; returns how many pages."""
        if reload:
            self.config.plugins.on_shutdown()
            self.config = self._load()
        config = self.config
        files = get_files(config)
        env = config.theme.get_env()
        files.add_files_from_theme(env, config)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = config.plugins.on_nav(get_navigation(files, config), config=config, files=files)
        pages = list(files.documentation_pages(inclusion=INCLUSION))
        for file in pages:
            if file.page is None:
                Page(None, file, config)
            assert file.page is not None
            _populate_page(file.page, config, files)
        self.env = config.plugins.on_env(env, config=config, files=files)
        self.files, self.nav, self.pages = files, nav, pages
        self.generation += 1
        self.stale.clear()
        files.copy_static_files(dirty=True, inclusion=INCLUSION)  # theme assets: only those not copied yet
        for name in config.theme.static_templates:
            self._write_template(name)
        self.search = {}
        for file in pages:
            assert file.page is not None
            self._write_page(file.page)
        outputs = {file.abs_dest_path for file in pages}
        for gone in self.outputs - outputs:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(gone)
        self.outputs = outputs
        self._write_search_index()
        return len(pages)

    def update(self, changed: Iterable[str]) -> int:
        """Build again what these docs files (paths relative to docs_dir) change; returns how many pages.

        Pages outside the navigation (an SOP's page, an alert's page) are built now. Pages in it (the
        indexes, which list the whole library and are the slowest to convert) are marked stale, for
        `build_stale` to build after: an edit does not wait for them. A page whose Markdown fails keeps
        its last output; the error is logged, the other pages go on."""
        changed = sorted(set(changed))
        with self.lock:
            known = {path: self.files.get_file_from_path(path) for path in changed}
            if any(file is None or not os.path.isfile(file.abs_src_path or "") for file in known.values()):
                return self.build(reload=True)  # a new or removed file, or the navigation: what others show moves
            files = [file for file in known.values() if file is not None]
            in_nav = {page.file.src_uri for page in self.nav.pages}
            pages = [file.page for file in files if file.page is not None]
            self.stale |= {page.file.src_uri for page in pages if page.file.src_uri in in_nav}
            built = [page for page in pages if page.file.src_uri not in in_nav and self._populate(page)]
            for page in built:
                self._write_page(page)
            for file in files:
                if file.page is None and file.abs_src_path is not None:  # a skill file beside a page
                    write_atomic(Path(file.abs_dest_path), file.content_bytes, sync=False)
            return len(built)

    def build_stale(self) -> bool:
        """Build one stale page of the navigation (all pages if its title changed), or else write the search
        index if it is stale; False when nothing is left.

        The page's Markdown is converted outside the lock, into a copy of the page: an index page of a
        large library takes seconds to convert, and an edit's `update` does not wait for it. The copy is
        taken into the page, and written, under the lock, unless the page changed again meanwhile (it is
        stale again: converted again next) or the whole site was built again."""
        with self.lock:
            if not self.stale:
                if self.search_stale:
                    self._write_search_index()
                    return True
                return False
            path = min(self.stale)
            self.stale.discard(path)
            file = self.files.get_file_from_path(path)
            page = file.page if file is not None else None
            generation = self.generation
        if page is None:
            return True
        converted = copy.copy(page)
        if not self._convert(converted):
            return True  # the page keeps its last output
        with self.lock:
            if self.generation != generation or path in self.stale:
                return True
            title = page.title
            vars(page).update(vars(converted))
            self._validate(page)
            if page.title != title:  # the navigation shows it: every page
                for other in self.pages:
                    if other.page is not None:
                        self._write_page(other.page)
            else:
                self._write_page(page)
        return True

    def _populate(self, page: Page) -> bool:
        """Read and convert the page's Markdown again; False (MkDocs has logged why) if that failed."""
        if not self._convert(page):
            return False
        self._validate(page)
        return True

    def _convert(self, page: Page) -> bool:
        try:
            _populate_page(page, self.config, self.files)
        except Exception:  # the page keeps its last output
            return False
        return True

    def _validate(self, page: Page) -> None:
        page.validate_anchor_links(files=self.files, log_level=self.config.validation.links.anchors)

    def _write_page(self, page: Page) -> None:
        """MkDocs' `_build_page`, with the output written atomically and the page's old search entries replaced."""
        config = self.config
        config._current_page = page
        page.active = True
        try:
            context = get_context(self.nav, self.pages, config, page)
            template = self.env.get_template(page.meta.get("template", "main.html"))
            entries = _search_entries(config)
            entries.clear()
            context = config.plugins.on_page_context(context, page=page, config=config, nav=self.nav)
            self.search[page.url] = [json.dumps(e, separators=(",", ":"), default=str) for e in entries]
            entries.clear()
            self.search_stale = True
            output = config.plugins.on_post_page(template.render(context), page=page, config=config)
        finally:
            page.active = False
            config._current_page = None
        if output.strip():
            write_atomic(Path(page.file.abs_dest_path), output.encode("utf-8", errors="xmlcharrefreplace"),
                         sync=False)

    def _write_template(self, name: str) -> None:
        """A theme's static template (404.html, sitemap.xml), as MkDocs' `_build_theme_template` writes it."""
        try:
            template = self.env.get_template(name)
        except TemplateNotFound:
            return
        output = _build_template(name, template, self.files, self.config, self.nav)
        if output.strip():
            path = self.site_dir / name
            write_atomic(path, output.encode("utf-8"), sync=False)
            if name == "sitemap.xml":
                write_atomic(path.with_name(name + ".gz"), gzip.compress(output.encode("utf-8"), mtime=0),
                             sync=False)

    def _write_search_index(self) -> None:
        """Material's search_index.json, the same bytes as its own `generate_search_index` on every entry,
        joined from each page's entries as JSON (one page's change does not encode the others again)."""
        plugin = _search_plugin(self.config)
        if plugin is not None:
            plugin.search_index.entries = []
            empty: str = plugin.search_index.generate_search_index(None)  # the configuration part, "docs":[]
            if not empty.endswith('"docs":[]}'):
                raise ValueError(f"unexpected search index from the theme: {empty[-40:]!r}")
            data = empty[:-2] + ",".join(chain.from_iterable(self.search.values())) + "]}"
            write_atomic(self.site_dir / "search" / "search_index.json", data.encode("utf-8"), sync=False)
        self.search_stale = False


def _search_plugin(config: MkDocsConfig) -> Any:
    """Material's search plugin of the configuration (it keeps the index's entries in memory), if it has one."""
    return next((p for p in config.plugins.values() if hasattr(getattr(p, "search_index", None), "entries")), None)


def _search_entries(config: MkDocsConfig) -> list[dict[str, Any]]:
    plugin = _search_plugin(config)
    entries: list[dict[str, Any]] = plugin.search_index.entries if plugin is not None else []
    return entries
