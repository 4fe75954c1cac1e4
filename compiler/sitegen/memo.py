"""Rendered pages kept with what they were rendered from, so that a page is rendered again only when that changed.

Rendering a runbook page costs tens of milliseconds (the flowchart's layout,
the Markdown of every step): a whole 1,000-SOP library takes most of a
minute, while one edited SOP changes one page and the few lists it is on.
A page per SOP and a page per alert are pure functions of:

- the generator (sopc's code and schemas: `code_fingerprint`) and the language;
- their own SOPs, by value (the digest of the model's `repr`), and
  `today` only through whether each one's review date has passed;
- the SOPs they link to: what `Library.link` was asked is recorded while the
  page renders (`_Asked`), and each of those SOPs' state (or its absence) is
  checked again before the page is reused.

So a page is reused when its key and the state of every SOP it asked for
are what they were. The index pages and the navigation, which read every
SOP, are always rendered (they are cheap). `tests/test_site_incremental.py`
renders libraries after edits of every kind, with and without a memo, and
requires the same bytes.

A memo lives in memory (`sopc serve` keeps one for its whole run) or is
saved beside the project (`sopc build`: `.sopc-cache/pages/<lang>.json`,
safe to delete); a saved memo holds digests, not pages, and a page is taken
from the file written last time only when that file still has the digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from compiler.model import Sop
from compiler.sitegen.common import Library, review_overdue

ABSENT = "-"
"""The recorded state of an SOP id a page asked for and did not find."""
FORMAT = 1
"""Version of the saved memo's layout."""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def code_fingerprint() -> str:
    """A digest of what renders the pages besides the SOPs: sopc's version, its Python code and its schemas.

    Any change of the generator renders every page again; reads the package's files (the one read here)."""
    package = Path(__file__).resolve().parent.parent
    try:
        release = version("sopc")
    except PackageNotFoundError:
        release = "unknown"
    digest = hashlib.sha256(release.encode("utf-8"))
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.json"), *(package.parent / "schema").glob("*.json")]):
        digest.update(path.as_posix().encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Rendered:
    """One page as it was last rendered."""

    key: str
    """Digest of the generator, the language, the path and the page's own SOPs."""
    asked: tuple[tuple[str, str], ...]
    """(SOP id, its state then) for every SOP the page linked to or looked for."""
    digest: str
    """sha256 of the page's bytes."""
    data: bytes | None = None
    """The page itself when kept in memory; None when it is to be read back from where it was written."""


class _Asked(Mapping[str, Sop]):
    """The library's SOPs by id, remembering which ids were asked for."""

    def __init__(self, sops: Mapping[str, Sop]) -> None:
        self._sops = sops
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> Sop:
        self.asked.add(key)
        return self._sops[key]

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return key in self._sops

    def __iter__(self) -> Iterator[str]:
        raise TypeError("a memoized page may look SOPs up by id, not list them")  # it would depend on all of them

    def __len__(self) -> int:
        raise TypeError("a memoized page may look SOPs up by id, not count them")


class PageMemo:
    """Pages by path (relative to the docs folder) with what they were rendered from."""

    def __init__(self, fingerprint: str = "", entries: Mapping[str, Rendered] | None = None,
                 read: Callable[[str], bytes | None] | None = None, keep: bool = True) -> None:
        self.fingerprint = fingerprint
        self.entries: dict[str, Rendered] = dict(entries or {})
        self._read = read
        """Reads a page written last time (for entries saved without their bytes)."""
        self._keep = keep
        """Keep each page's bytes in memory (a long-running preview) or only its digest (a build)."""
        self._states: dict[int, tuple[Sop, str]] = {}
        self.rendered = 0
        self.reused = 0

    def state(self, sop: Sop, library: Library) -> str:
        """What a page can see of one SOP: its value, and whether its review is overdue."""
        known = self._states.get(id(sop))
        if known is None or known[0] is not sop:
            known = (sop, _digest(repr(sop))[:32])
            self._states[id(sop)] = known
        return known[1] + ("!" if review_overdue(sop, library.today) else "")

    def key(self, library: Library, path: str, sops: Iterable[Sop], *extra: str) -> str:
        """The key of a page made from these SOPs (and extra words) in this library's language."""
        return _digest(self.fingerprint, library.lang, path, *(self.state(s, library) for s in sops), *extra)

    def _asked_state(self, library: Library, sop_id: str) -> str:
        found = library.sops.get(sop_id)
        return ABSENT if found is None else self.state(found, library)

    def _reuse(self, path: str, key: str, library: Library) -> bytes | None:
        entry = self.entries.get(path)
        if entry is None or entry.key != key:
            return None
        if any(self._asked_state(library, sop_id) != state for sop_id, state in entry.asked):
            return None
        if entry.data is not None:  # kept in memory since it was rendered: bytes do not change
            return entry.data
        data = self._read(path) if self._read else None  # written last time: it may have been changed since
        if data is None or hashlib.sha256(data).hexdigest() != entry.digest:
            return None
        return data

    def page(self, path: str, key: str, library: Library, render: Callable[[Library], str]) -> bytes:
        """The page at path: the one rendered before if nothing it was made from changed, else rendered now."""
        data = self._reuse(path, key, library)
        if data is not None:
            self.reused += 1
            return data
        watched = _Asked(library.sops)
        data = render(replace(library, sops=watched)).encode("utf-8")
        asked = tuple(sorted((i, self._asked_state(library, i)) for i in watched.asked))
        self.entries[path] = Rendered(key, asked, hashlib.sha256(data).hexdigest(), data if self._keep else None)
        self.rendered += 1
        return data

    def keep_only(self, paths: Iterable[str], sops: Iterable[Sop]) -> None:
        """Forget pages no longer generated and SOP models no longer in the library (a long run stays small)."""
        wanted = set(paths)
        self.entries = {p: e for p, e in self.entries.items() if p in wanted}
        current = {id(s) for s in sops}
        self._states = {k: v for k, v in self._states.items() if k in current}

    def dumps(self) -> str:
        """The memo as JSON: keys and digests, never the pages."""
        pages = {p: {"key": e.key, "asked": [list(a) for a in e.asked], "digest": e.digest}
                 for p, e in sorted(self.entries.items())}
        return json.dumps({"format": FORMAT, "fingerprint": self.fingerprint, "pages": pages}, sort_keys=True) + "\n"


def load_memo(text: str | None, fingerprint: str, read: Callable[[str], bytes | None]) -> PageMemo:
    """A saved memo, or an empty one when there is none, it is unreadable or the generator changed."""
    empty = PageMemo(fingerprint, read=read, keep=False)
    if not text:
        return empty
    try:
        saved = json.loads(text)
        if saved.get("format") != FORMAT or saved.get("fingerprint") != fingerprint:
            return empty
        entries = {str(path): Rendered(str(e["key"]), tuple((str(i), str(s)) for i, s in e["asked"]), str(e["digest"]))
                   for path, e in saved["pages"].items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        return empty  # a damaged or foreign file is never trusted
    return PageMemo(fingerprint, entries, read=read, keep=False)
