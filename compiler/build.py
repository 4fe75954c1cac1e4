"""`sopc build`: check the library, compile skills and site pages, write them all at once.

The pipeline reads a straight line: read SOPs -> check -> compile skills ->
check versions against the lock -> render site pages -> write (or compare,
with --check). Nothing is written when any SOP has an error or a version
problem.

Site pages are rendered again only when what they are made from changed:
each language's page memo is kept in `.sopc-cache/pages/<lang>.json`
(digests, not pages; safe to delete), and a page whose file still has its
digest is reused (`compiler.sitegen.memo`). Unchanged files are linked, not
rewritten, into each folder's new tree before the atomic swap, and a folder
whose files are all unchanged is not swapped: a build of an unchanged
library writes nothing.

Skills are compiled again only when what they are made from changed: each
SOP's compiled files are kept in the compiled-skill cache
(`compiler.skill.cache`, in the results cache's folder), and the version
lock is checked on every build. When every skill is there and no site is
built, the build loads no SOP document at all.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from compiler import results_cache
from compiler.check import Checked, check_files
from compiler.files import diff_tree, discover, project_lock, read_all, replace_tree, sop_and_side_files, write_atomic
from compiler.skill import cache as skill_cache
from compiler.skill.cache import Skill, Source
from compiler.skill.library import LOCK, Compiled, assemble, cached_or_compiled, compile_library, read_lock
from compiler.skill.versions import VersionProblem

if TYPE_CHECKING:
    from compiler.document import Document
    from compiler.i18n.translation import Translation
    from compiler.model import Sop
    from compiler.sitegen.memo import PageMemo

SITE_FOLDERS = ("runbooks", "reference", "alerts")
"""The folders of site/docs/ that the site target generates (compiler.sitegen.FOLDERS)."""
DOCS = {"en": "docs", "zh": "docs-zh"}
"""The docs folder of each language's MkDocs configuration (site/mkdocs.yml, site/mkdocs.<lang>.yml)."""
SEARCH_DICT = "search-dict.{lang}.txt"
"""The search's user dictionary of a language, in site/ (read by mkdocs.<lang>.yml)."""
MEMO = ".sopc-cache/pages/{lang}.json"
"""Where the page memo of a language is kept, relative to the project folder."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build found and did."""

    checked: Checked
    """What checking found (without models or documents when every skill came from the cache and no site was
    built)."""
    problems: tuple[VersionProblem, ...] = ()
    written: tuple[str, ...] = ()
    """Folders and files written (build; none when everything was current) or nothing (check)."""
    differences: tuple[str, ...] = field(default=())
    """With --check: the files that are missing, stale or extra."""
    skills: int = 0


def _relative_files(root: Path) -> list[tuple[str, bytes]]:
    """SOP files under root/sops as (path relative to root, bytes): outputs never depend on the cwd."""
    paths = discover([str(root / "sops")])
    return [(path.relative_to(root).as_posix(), data) for path, (_, data) in zip(paths, read_all(paths), strict=True)]


def _site_files(compiled: Compiled, checked: Checked, today: datetime.date, drafts: bool,
                lang: str, memo: PageMemo) -> dict[str, bytes]:
    from compiler.i18n.translation import translated_sops
    from compiler.sitegen import render_site

    sops = checked.sops if lang == "en" else translated_sops(checked.sops, checked.documents, checked.translations, lang)
    return render_site(sops, compiled.per_skill, today=today, drafts=drafts, lang=lang, memo=memo)


def _read_page(docs: Path) -> Callable[[str], bytes | None]:
    def read(rel: str) -> bytes | None:
        try:
            return (docs / rel).read_bytes()
        except OSError:
            return None

    return read


def _load_memo(path: Path, docs: Path, fingerprint: str) -> PageMemo:
    from compiler.sitegen.memo import load_memo

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    return load_memo(text, fingerprint, _read_page(docs))


def _write_changed(path: Path, data: bytes) -> bool:
    """Write the file atomically unless it already holds data (a build that changes nothing writes nothing)."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomic(path, data)
    return True


def _site_languages(checked: Checked) -> list[str]:
    """English, and every language the library has a translation in."""
    return ["en", *sorted({t.lang for t in checked.translations} & set(DOCS))]


def build(root: Path, today: datetime.date, *, check: bool = False, drafts: bool = False,
          site: bool = True) -> BuildResult:
    """Build (or, with check=True, verify) skills/ and the generated site pages under root.

    One build at a time per project: a build holds a lock on root from reading
    the version lock to the last swap, so two builds never interleave and the
    second one sees the first one's lock.json.
    """
    if check:
        return _build(root, today, check=True, drafts=drafts, site=site)
    with project_lock(root):
        return _build(root, today, check=False, drafts=drafts, site=site)


def _skill_keys(files: list[tuple[str, bytes]], checked: Checked) -> dict[str, str]:
    """Each SOP file's key in the compiled-skill cache, from the models."""
    sop_files, side = sop_and_side_files(files)
    raw = dict(sop_files)
    sources = [Source(sop.path, raw[sop.path], sop.id, sop.status,
                      tuple(step.sop for step in sop.steps if step.kind == "include" and step.sop))
               for sop in checked.sops if sop.path in raw]
    return skill_cache.keys(sources, side)


def _from_cache(files: list[tuple[str, bytes]], today: datetime.date, cache: Path,
                lock: Mapping[str, Any]) -> tuple[Checked, Compiled] | None:
    """A build without a site: the library checked without models, each skill from the compiled-skill cache,
    and only the SOPs whose entry is missing compiled, from the documents of them and the SOPs they include
    (when every skill is there, no document is loaded). None when the library has errors or version problems
    (reported from the models) or a file did not load."""
    checked = check_files(files, today, cache=cache, models=False)
    if not checked.ok:
        return None
    sop_files, side = sop_and_side_files(files)
    sources: list[Source] = []
    for path, raw in sop_files:
        if (entry := checked.entries.get(path)) is None:
            return None
        sources.append(Source(path, raw, entry.id, entry.status, tuple(i.sop for i in entry.includes)))
    names = skill_cache.keys(sources, side)
    library = {source.id: source for source in sources}  # the last file of an id wins, as in compile_library
    published = sorted((source for source in sources if source.status != "draft"), key=lambda s: s.id)
    skills = cached_or_compiled([(source.id, names[source.path]) for source in published], cache,
                                lambda ids: _compile_missed([library[i] for i in ids], library, side))
    if skills is None:
        return None
    compiled = assemble([(source.path, skill.row["version"], skill)
                         for source, skill in zip(published, skills, strict=True)], lock)
    return None if compiled.problems else (checked, compiled)


class _Unloadable(Exception):
    """An SOP that loaded when the library was checked does not load now (from the same bytes: never expected)."""


class _Loaded:
    """The documents and models of a library's SOPs, each loaded from its bytes when first asked for: in the
    worker that compiles it (or an SOP including it), so the loading is spread over the cores too."""

    def __init__(self, library: Mapping[str, Source]) -> None:
        self.library = library
        self._loaded: dict[str, tuple[Document, Sop]] = {}
        self.sops: Mapping[str, Sop] = _View(self, 1)
        self.documents: Mapping[str, Document] = _View(self, 0)

    def get(self, sop_id: str) -> tuple[Document, Sop] | None:
        if sop_id not in self._loaded and (source := self.library.get(sop_id)) is not None:
            from compiler.check_one import load_model

            doc, sop = load_model(source.path, source.raw)
            if doc is None or sop is None:  # checked before: it loaded then, from the same bytes
                raise _Unloadable(source.path)
            self._loaded[sop_id] = doc, sop
        return self._loaded.get(sop_id)


class _View(Mapping[str, Any]):
    """The documents (part 0) or the models (part 1) of a _Loaded library. Compiling only looks SOPs up by id:
    iterating the values would load the whole library."""

    def __init__(self, loaded: _Loaded, part: int) -> None:
        self._loaded, self._part = loaded, part

    def __getitem__(self, sop_id: str) -> Any:
        found = self._loaded.get(sop_id)
        if found is None:
            raise KeyError(sop_id)
        return found[self._part]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded.library)

    def __len__(self) -> int:
        return len(self._loaded.library)


def _compile_missed(missed: list[Source], library: Mapping[str, Source],
                    side: list[tuple[str, bytes]]) -> list[Skill] | None:
    """The skills of these SOPs, compiled from the models of them and every SOP they include (each loaded by
    the worker that needs it; an SOP with a translation, here, where the translation is read against it), with
    the translations of those (what their keys hold); None when one does not load."""
    from compiler.i18n.prose import translation_file
    from compiler.lint.translations import read_translation
    from compiler.skill.library import compile_many
    from compiler.yamlload import load_bytes

    loaded = _Loaded(library)
    needed = {sop_id for source in missed for sop_id in skill_cache.closure(source, library)}
    by_sop: dict[str, list[Translation]] = {}
    try:
        for path, raw in side:  # in the order check_files reads them
            named = translation_file(PurePath(path).name)
            if named is not None and named[0] in needed:
                translated, _ = load_bytes(path, raw)
                translation = read_translation(translated, loaded.documents)[0] if translated is not None else None
                if translation is not None:
                    by_sop.setdefault(translation.sop_id, []).append(translation)
        return compile_many([source.id for source in missed], (loaded.sops, loaded.documents, by_sop))
    except _Unloadable:
        return None


def _build(root: Path, today: datetime.date, *, check: bool, drafts: bool, site: bool) -> BuildResult:
    files = _relative_files(root)
    cache = results_cache.folder(root)
    skills_dir = root / "skills"
    lock_path = skills_dir / LOCK
    lock = read_lock(lock_path.read_text(encoding="utf-8") if lock_path.is_file() else None)
    cached = _from_cache(files, today, cache, lock) if not site else None
    if cached is not None:
        checked, compiled = cached
    else:
        checked = check_files(files, today, cache=cache)
        if not checked.ok:
            return BuildResult(checked)
        compiled = compile_library(checked, lock, cache=cache, keys=_skill_keys(files, checked))
        if compiled.problems:
            return BuildResult(checked, compiled.problems)
    count = len(compiled.per_skill)
    if check:
        return BuildResult(checked, differences=tuple(diff_tree(skills_dir, compiled.files)), skills=count)
    written = ["skills/"] if replace_tree(skills_dir, compiled.files) else []
    if site:
        from compiler.sitegen.memo import code_fingerprint
        from compiler.sitegen.write import write_site

        fingerprint = code_fingerprint()
        for lang in _site_languages(checked):
            docs = root / "site" / DOCS[lang]
            memo_path = root / MEMO.format(lang=lang)
            memo = _load_memo(memo_path, docs, fingerprint)
            replaced = write_site(docs, _site_files(compiled, checked, today, drafts, lang, memo))
            _write_changed(memo_path, memo.dumps().encode("utf-8"))
            written += [f"site/{DOCS[lang]}/{folder}/" for folder in replaced]
            if lang != "en" and checked.glossary is not None:
                from compiler.i18n.search import jieba_user_dict

                name = SEARCH_DICT.format(lang=lang)
                if _write_changed(root / "site" / name, jieba_user_dict(checked.glossary).encode("utf-8")):
                    written.append(f"site/{name}")
    return BuildResult(checked, written=tuple(written), skills=count)
