"""The site target: SOP models in, the generated Markdown pages of the runbook site out.

`render_site` is what `sopc build` calls. Its output is every generated file
by path relative to site/docs/, all under `runbooks/`, `reference/` and
`alerts/` (a page per alert name; the folders git ignores and
`write.write_site` replaces). Same input, same
bytes: everything is sorted, and the only date used is `today`, to flag a
review date that has passed.

Compiled skill files are copied beside the SOP's page
(`runbooks/<domain>/<id>/skill.json`). A Markdown file among them is copied
as `<name>.txt` (SKILL.md -> SKILL.md.txt): MkDocs renders every `.md` in the
docs folder as a page, which would put the skill into the navigation and
search and render any raw HTML in it; as `.txt` it is served verbatim.

The diagnostics reference takes its examples from tests/cases/ beside the
package (the golden cases of `sopc validate`); that folder is read here, the
one read `render_site` does. `render_pages` is the same without any read.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from compiler.codes import CODES
from compiler.model import Sop
from compiler.resources import schema_json
from compiler.sitegen.alerts import alert_entries, alert_page, alerts_index, has_page
from compiler.sitegen.cases import Example, load_cases, pick_examples
from compiler.sitegen.common import ALERTS, REFERENCE, RUNBOOKS, SLUG, Library, alert_path, page_path
from compiler.sitegen.indexes import domain_index, runbooks_index, severity_index
from compiler.sitegen.memo import PageMemo
from compiler.sitegen.nav import NAV_FILE, nav_yaml
from compiler.sitegen.page import sop_page
from compiler.sitegen.reference import diagnostics_page, format_page

__all__ = ["default_cases_dir", "render_library_pages", "render_pages", "render_site", "render_sop_pages", "site_name"]

FOLDERS = (RUNBOOKS, REFERENCE, ALERTS)
PREFERRED = ("skill.json", "SKILL.md")
"""Skill files linked first, in this order."""


def default_cases_dir() -> Path:
    """tests/cases/ of the source checkout the package runs from (may not exist)."""
    return Path(__file__).resolve().parent.parent.parent / "tests" / "cases"


def site_name(name: str) -> str:
    """The name a compiled skill file gets on the site (a .md file is served as .md.txt)."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") or "\\" in p for p in parts):
        raise ValueError(f"unsafe skill file name {name!r}")
    return name + ".txt" if name.lower().endswith(".md") else name


def _check_names(sop: Sop) -> None:
    for what, value in (("id", sop.id), ("domain", sop.domain)):
        if not SLUG.match(value):
            raise ValueError(f"cannot publish {sop.path}: its {what} {value!r} is not a slug")


def _memoized(memo: PageMemo | None, library: Library, path: str, sops: Sequence[Sop], extra: Sequence[str],
              render: Callable[[Library], str]) -> str | bytes:
    """The page rendered, or taken from the memo when nothing it is made from changed."""
    if memo is None:
        return render(library)
    return memo.page(path, memo.key(library, path, sops, *extra), library, render)


def render_pages(
    sops: Sequence[Sop],
    skills: Mapping[str, Mapping[str, bytes]],
    *,
    today: datetime.date,
    drafts: bool = False,
    examples: Mapping[str, Example] | None = None,
    schema: Mapping[str, Any] | None = None,
    lang: str = "en",
    memo: PageMemo | None = None,
) -> dict[str, bytes]:
    """`render_site` with the diagnostic examples and the schema given (pure but for the memo, which it updates):
    the library's pages (`render_library_pages`) and the SOPs' (`render_sop_pages`)."""
    files = render_library_pages(sops, today=today, drafts=drafts, examples=examples, schema=schema, lang=lang)
    files |= render_sop_pages(sops, skills, today=today, drafts=drafts, lang=lang, memo=memo)
    return dict(sorted(files.items()))


def _library(sops: Sequence[Sop], today: datetime.date, drafts: bool, lang: str) -> tuple[list[Sop], Library]:
    """The SOPs published (one per id, drafts only if asked) and the library they form."""
    chosen: dict[str, Sop] = {}
    for sop in sorted(sops, key=lambda s: (s.id, s.path)):
        if sop.status == "draft" and not drafts:
            continue
        _check_names(sop)
        chosen.setdefault(sop.id, sop)
    return [chosen[k] for k in sorted(chosen)], Library(chosen, today, lang)


def render_library_pages(
    sops: Sequence[Sop],
    *,
    today: datetime.date,
    drafts: bool = False,
    examples: Mapping[str, Example] | None = None,
    schema: Mapping[str, Any] | None = None,
    lang: str = "en",
) -> dict[str, bytes]:
    """The pages that list the whole library (the indexes, a domain's index, the navigation) and the reference.

    Apart from the SOPs' pages because an edit of one SOP changes them too and they are the slow ones: a
    preview serves the edited SOP's page first and renders these after."""
    published, library = _library(sops, today, drafts, lang)
    files: dict[str, str] = {
        f"{RUNBOOKS}/index.md": runbooks_index(published, library),
        f"{RUNBOOKS}/alerts.md": alerts_index(published, library),
        f"{RUNBOOKS}/severity.md": severity_index(published, library),
        NAV_FILE: nav_yaml(published, lang),
    }
    if lang == "en":  # the reference pages are for SOP authors and English only; other languages link to them
        files[f"{REFERENCE}/diagnostics.md"] = diagnostics_page(CODES.values(), examples or {})
        files[f"{REFERENCE}/format.md"] = format_page(schema if schema is not None else schema_json("sop.schema.json"))
    for domain in sorted({s.domain for s in published}):
        files[f"{RUNBOOKS}/{domain}/index.md"] = domain_index(domain, published, library)
    return {path: data.encode("utf-8") for path, data in sorted(files.items())}


def render_sop_pages(
    sops: Sequence[Sop],
    skills: Mapping[str, Mapping[str, bytes]],
    *,
    today: datetime.date,
    drafts: bool = False,
    lang: str = "en",
    memo: PageMemo | None = None,
) -> dict[str, bytes]:
    """Each published SOP's page with its compiled skill files beside it, and each alert's page."""
    published, library = _library(sops, today, drafts, lang)
    files: dict[str, str | bytes] = {}
    for entry in alert_entries(published):
        if has_page(entry.alert):
            path = alert_path(entry.alert)
            files[path] = _memoized(memo, library, path, [s for s, _ in entry.runbooks], [w for _, w in entry.runbooks],
                                    partial(alert_page, entry))
    for sop in published:
        page = page_path(sop)
        folder = page.removesuffix(".md")
        compiled = skills.get(sop.id, {})
        links: list[tuple[str, str]] = []
        for name in sorted(compiled, key=lambda n: (PREFERRED.index(n) if n in PREFERRED else len(PREFERRED), n)):
            path = f"{folder}/{site_name(name)}"
            files[path] = compiled[name]
            links.append((name, path))
        files[page] = _memoized(memo, library, page, [sop], [f"{name}={path}" for name, path in links],
                                partial(sop_page, sop, skill_files=links))
    if memo is not None:
        memo.keep_only(files, published)
    return {path: data if isinstance(data, bytes) else data.encode("utf-8") for path, data in sorted(files.items())}


def render_site(
    sops: Sequence[Sop],
    skills: Mapping[str, Mapping[str, bytes]],
    *,
    today: datetime.date,
    drafts: bool = False,
    lang: str = "en",
    memo: PageMemo | None = None,
) -> dict[str, bytes]:
    """Generated files by path relative to site/docs/ (e.g. 'runbooks/market-abuse/wash-trading-linked-accounts.md',
    'runbooks/alerts.md', 'reference/diagnostics.md', 'reference/format.md').

    With lang, the pages of that language (for its docs folder, e.g. site/docs-zh/): the SOPs are given
    already translated (`i18n.translation.translated_sops`); lang sets the fixed words of the pages.
    With a memo, pages whose inputs did not change are taken from it (`memo.PageMemo`)."""
    examples = pick_examples(load_cases(default_cases_dir()))
    return render_pages(sops, skills, today=today, drafts=drafts, examples=examples, lang=lang, memo=memo)
