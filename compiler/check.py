"""The validation pipeline: files in, located diagnostics and models out.

load -> schema -> model -> per-SOP lint (compiler.check_one, once per file:
from the results cache when the file is unchanged, in a process pool when
many files need it) -> review dates and library lint (every run) -> folding.
The caller reads the files and passes their bytes. This module imports no
parser or validator: a run whose files all hit the cache loads none.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from compiler import results_cache
from compiler.diagnostics import Diagnostic, Severity
from compiler.files import GLOSSARY, sop_and_side_files
from compiler.lint.causes import fold
from compiler.lint.library import LibraryEntry, check_library
from compiler.lint.lifecycle import review_passed
from compiler.results_cache import FileResult
from compiler.workers import cores, pool

if TYPE_CHECKING:
    from compiler.document import Document
    from compiler.i18n.glossary import Glossary
    from compiler.i18n.translation import Translation
    from compiler.model import Sop

POOL_FILES = 24
"""Files to check before a process pool pays for itself (each worker starts DuckDB and warms its caches)."""
CHUNK_FILES = 4
"""Files a worker takes at a time: small enough that the workers end close together."""


@dataclass(frozen=True, slots=True)
class Checked:
    """The result of checking a set of SOP files."""

    diagnostics: tuple[Diagnostic, ...]
    """Every problem, sorted by file and position."""
    sops: tuple[Sop, ...]
    """Models of every file that loaded (valid or not); empty when models were not asked for."""
    documents: tuple[Document, ...]
    """The loaded documents, in the same order as sops."""
    translations: tuple[Translation, ...] = ()
    """Well-formed translation files (`<id>.<lang>.yaml`) of SOPs in the library."""
    glossary: Glossary | None = None
    """sops/glossary.yaml, when it was among the files and is well-formed."""
    entries: Mapping[str, LibraryEntry] = field(default_factory=dict)
    """What the library checks read of each SOP file that loaded, by path (kept even without models)."""

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    def valid_sops(self) -> tuple[Sop, ...]:
        """SOPs whose own files have no errors."""
        bad = {d.path for d in self.diagnostics if d.severity is Severity.ERROR}
        return tuple(s for s in self.sops if s.path not in bad)


class _LazyDocuments(Mapping[str, "Document"]):
    """SOP documents by id, loaded when a translation asks for its SOP (most runs have none)."""

    def __init__(self, raw: dict[str, tuple[str, bytes]], loaded: dict[str, Document]) -> None:
        self._raw, self._loaded = raw, loaded

    def __getitem__(self, sop_id: str) -> Document:
        if sop_id not in self._loaded:
            from compiler.yamlload import load_bytes

            doc, _ = load_bytes(*self._raw[sop_id])
            if doc is None:
                raise KeyError(sop_id)
            self._loaded[sop_id] = doc
        return self._loaded[sop_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


Own = tuple[FileResult, "Document | None", "Sop | None"]
"""One file's own checks, and its document and model when they were asked for (and it loads)."""


def _checked_and_kept(path: str, raw: bytes, key: str, cache: Path | None, models: bool = False) -> Own:
    """One file's own checks, written to the results cache where there is one (by the worker: in parallel), with
    its document and model when models is set (sent back whole: unpickling them costs a fifth of loading them)."""
    from compiler import check_one

    result, doc, sop = check_one.check_file(path, raw)
    if cache is not None:
        results_cache.write(cache, key, result)
    return (result, doc, sop) if models else (result, None, None)


def _results(files: list[tuple[str, bytes]], keys: list[str], cache: Path | None, models: bool = False) -> list[Own]:
    """Each file's own checks, kept in the cache, in a process pool when there are enough files and cores."""
    if not files:
        return []
    import compiler.check_one  # noqa: F401  (imported before the workers fork, so each inherits it loaded)

    workers = min(cores(), len(files) // (POOL_FILES // 2) or 1)
    if workers < 2 or len(files) < POOL_FILES:
        return [_checked_and_kept(path, raw, key, cache, models)
                for (path, raw), key in zip(files, keys, strict=True)]
    from compiler.cel import warm

    warm()  # the CEL grammar is built once here and inherited by every forked worker
    # Largest files first, in small chunks: the workers finish together instead of one waiting on the last big chunk.
    order = sorted(range(len(files)), key=lambda index: -len(files[index][1]))
    with pool(workers) as running:
        done = running.map(_checked_and_kept, [files[i][0] for i in order], [files[i][1] for i in order],
                           [keys[i] for i in order], [cache] * len(files), [models] * len(files),
                           chunksize=max(1, min(CHUNK_FILES, len(files) // (workers * 8))))
        results: list[Own | None] = [None] * len(files)
        for index, result in zip(order, done, strict=True):
            results[index] = result
    return [r for r in results if r is not None]


def check_files(files: list[tuple[str, bytes]], today: datetime.date, strict: bool = False, *,
                cache: Path | None = None, models: bool = True) -> Checked:
    """Check every file and the library they form together.

    Besides SOPs, the files may hold translations (`<id>.<lang>.yaml`) and
    the glossary (`glossary.yaml`); they are checked after the SOPs, against
    them. With cache, each SOP file's own checks are read from (and written
    to) that results cache. With models=False the result holds the
    diagnostics only, and no document is kept in memory.
    """
    sop_files, side = sop_and_side_files(files)
    keys = [results_cache.key(path, raw) for path, raw in sop_files] if cache is not None else []
    results, checked = _own_checks(sop_files, keys, cache, models)
    sops, docs = _models(sop_files, results, checked) if models else ([], [])
    diagnostics = _sop_diagnostics(sop_files, results, today)
    loaded: dict[str, Document] = {}
    for sop, doc in zip(sops, docs, strict=True):
        loaded.setdefault(sop.id, doc)
    combined = results_cache.combined_key([*keys, *(results_cache.key(p, r) for p, r in side)]) \
        if cache is not None and side and not models else ""
    kept = results_cache.read_diagnostics(cache, combined) if cache is not None and combined else None
    translations: tuple[Translation, ...] = ()
    glossary: Glossary | None = None
    if kept is not None:  # validate only: the translation objects are not needed, their diagnostics are kept
        translated = list(kept)
    else:
        translated, translations, glossary = _side_files(side, sop_files, results, loaded)
        if cache is not None and combined:
            results_cache.write_diagnostics(cache, combined, translated)
    diagnostics += translated
    if strict:
        diagnostics = [d.escalated() for d in diagnostics]
    entries = {path: result.entry for (path, _), result in zip(sop_files, results, strict=True) if result.entry}
    return Checked(tuple(sorted(set(diagnostics))), tuple(sops), tuple(docs), translations, glossary, entries)


def _own_checks(sop_files: list[tuple[str, bytes]], keys: list[str], cache: Path | None,
                models: bool) -> tuple[list[FileResult], dict[str, tuple[Document, Sop]]]:
    """Each SOP file's own checks (from the cache where it has them), and the documents and models of the files
    checked now (when models are wanted)."""
    found: list[FileResult | None] = [None] * len(sop_files)
    if cache is not None:
        found = [results_cache.read(cache, key, path) for key, (path, _) in zip(keys, sop_files, strict=True)]
    misses = [index for index, result in enumerate(found) if result is None]
    checked: dict[str, tuple[Document, Sop]] = {}
    missed_keys = [keys[index] for index in misses] if cache is not None else [""] * len(misses)
    fresh = _results([sop_files[i] for i in misses], missed_keys, cache, models)
    for index, (result, doc, sop) in zip(misses, fresh, strict=True):
        found[index] = result
        if doc is not None and sop is not None:
            checked[sop_files[index][0]] = doc, sop
    return [r for r in found if r is not None], checked


def _models(sop_files: list[tuple[str, bytes]], results: list[FileResult],
            checked: dict[str, tuple[Document, Sop]]) -> tuple[list[Sop], list[Document]]:
    """The model and document of every SOP file that loads (loaded again where its checks came from elsewhere)."""
    from compiler.check_one import load_model

    sops: list[Sop] = []
    docs: list[Document] = []
    for (path, raw), result in zip(sop_files, results, strict=True):
        if result.entry is None:
            continue
        doc, sop = checked.get(path) or load_model(path, raw)
        if doc is not None and sop is not None:
            sops.append(sop)
            docs.append(doc)
    return sops, docs


def _sop_diagnostics(sop_files: list[tuple[str, bytes]], results: list[FileResult],
                     today: datetime.date) -> list[Diagnostic]:
    """Each file's own diagnostics, its review date and the library rules, folded per file."""
    by_path: dict[str, list[Diagnostic]] = {}
    diagnostics: list[Diagnostic] = []
    for (path, _), result in zip(sop_files, results, strict=True):
        if result.entry is None:
            diagnostics.extend(result.diagnostics)
            continue
        items = by_path.setdefault(path, [])
        items.extend(result.diagnostics)
        if result.review is not None:
            items.extend(review_passed(path, *result.review, today))
    for diagnostic in check_library([r.entry for r in results if r.entry is not None]):
        by_path[diagnostic.path].append(diagnostic)
    for items in by_path.values():
        diagnostics.extend(fold(sorted(set(items))))
    return diagnostics


def _side_files(side: list[tuple[str, bytes]], sop_files: list[tuple[str, bytes]], results: list[FileResult],
                loaded: dict[str, Document]) -> tuple[list[Diagnostic], tuple[Translation, ...], Glossary | None]:
    """Translations and the glossary, checked against the SOPs (loaded only when a translation reads one)."""
    if not side:
        return [], (), None
    from compiler.lint.translations import check_translations
    from compiler.yamlload import load_bytes

    diagnostics: list[Diagnostic] = []
    docs: list[Document] = []
    glossary: Document | None = None
    for path, raw in side:
        doc, loading = load_bytes(path, raw)
        diagnostics.extend(d for d in loading if d.code != "SOP012")  # a side file has its own schema's modeline
        if doc is not None and PurePath(path).name == GLOSSARY:
            glossary = glossary or doc
        elif doc is not None:
            docs.append(doc)
    raw_by_id: dict[str, tuple[str, bytes]] = {}
    for (path, raw), result in zip(sop_files, results, strict=True):
        if result.entry is not None:
            raw_by_id.setdefault(result.entry.id, (path, raw))
    translated = check_translations(docs, _LazyDocuments(raw_by_id, loaded), glossary)
    return [*diagnostics, *translated.diagnostics], translated.translations, translated.glossary
