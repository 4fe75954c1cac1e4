"""`sopc serve`: a local preview of the runbook site that follows the SOP files as they are edited.

One process, two parts. The pages: when files under sops/ change, the
preview (`Preview`) checks those files (with the SOPs they include and
their translations), renders again what the edit changed (`sitegen.memo`)
and writes it in place into site/docs/ (and site/docs-zh/ when the library
has Chinese translations), file by file, each whole. The HTML: MkDocs,
loaded once in this process (`sitegen.live.LiveSite`, one per language, the
Chinese site at /zh/), builds again only the pages whose Markdown changed
and updates the search index, and MkDocs' own server (`LiveReloadServer`,
as `mkdocs serve` uses) serves the result, holds requests back while a
rebuild runs and reloads the open pages after it. A change that can move
the navigation (a new or removed SOP or domain) builds every page again,
so no page keeps an old navigation.

While a file has errors its diagnostics are printed and its page keeps the
last version that was valid, so the page does not vanish mid-edit. Drafts are
shown by default (an author previews their draft). The compiled skill files
linked from each page are read from skills/<id>/ as they are on disk; run
`sopc build` to refresh them.
"""

from __future__ import annotations

import contextlib
import datetime
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import yaml
from mkdocs.livereload import LiveReloadServer

from compiler.build import DOCS
from compiler.check import check_files
from compiler.diagnostics import Severity
from compiler.files import UsageError, discover, is_sop_file, read_all
from compiler.i18n.prose import translation_file
from compiler.i18n.translation import translated_sops
from compiler.model import Sop
from compiler.reporters import text as text_report
from compiler.sitegen import default_cases_dir, render_library_pages, render_sop_pages
from compiler.sitegen.cases import Example, load_cases, pick_examples
from compiler.sitegen.live import LiveSite
from compiler.sitegen.memo import PageMemo
from compiler.sitegen.write import update_site, write_site

Echo = Callable[[str], None]
Snapshot = dict[str, tuple[int, int]]


def snapshot(folder: Path) -> Snapshot:
    """Path -> (mtime in ns, size) of every SOP file under folder."""
    found: Snapshot = {}
    if folder.is_dir():
        for path in folder.rglob("*"):
            if path.suffix in (".yaml", ".yml") and not any(p.startswith(".") for p in path.parts):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return found


def load_skills(folder: Path, ids: list[str]) -> dict[str, dict[str, bytes]]:
    """The compiled files in skills/<id>/ for each id that has that folder."""
    skills: dict[str, dict[str, bytes]] = {}
    for sop_id in ids:
        base = folder / sop_id
        if not base.is_dir():
            continue
        files = {}
        for path in sorted(base.rglob("*")):
            relative = path.relative_to(base)
            if path.is_file() and not any(p.startswith(".") for p in relative.parts):
                files[relative.as_posix()] = path.read_bytes()
        skills[sop_id] = files
    return skills


def _includes(raw: bytes) -> set[str]:
    """Ids of the SOPs a file includes, read quickly to know what to check it with (none if it does not parse).

    Only a hint of which files to check together: the check itself loads the file with every safety rule."""
    try:
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # a safe loader, in C
    except (yaml.YAMLError, ValueError, RecursionError):
        return set()
    steps = data.get("steps") if isinstance(data, dict) else None
    if not isinstance(steps, list):
        return set()
    return {str(s["sop"]) for s in steps if isinstance(s, dict) and s.get("kind") == "include" and s.get("sop")}


def _companions(path: Path) -> set[Path]:
    """The SOP file of a translation and the translations of an SOP file (same folder): what is checked with it."""
    names = translation_file(path.name)
    sop_id = names[0] if names else path.name.removesuffix(path.suffix)
    return {c for c in path.parent.glob(f"{sop_id}.*") if c.suffix in (".yaml", ".yml") and c != path
            and (c.name.removesuffix(c.suffix) == sop_id or translation_file(c.name) is not None)}


@dataclass
class Preview:
    """Regenerates the site's pages from the SOP files of one repository, as they change.

    English always; another language (DOCS) when the library has a translation into it, as `sopc build`
    does: its pages have each SOP's translated prose, or the English where there is no translation."""

    root: Path
    drafts: bool = True
    today: datetime.date | None = None
    """Date to flag review_by against; None means the current date at each regeneration."""
    last_good: dict[str, dict[str, Sop]] = field(default_factory=dict)
    """Last valid model of each SOP file, by language and path."""
    skills: dict[str, dict[str, bytes]] = field(default_factory=dict)
    """The compiled files of each SOP id, as read from skills/ when its file was first or last checked."""
    memos: dict[str, PageMemo] = field(default_factory=dict)
    """Every page with what it was rendered from, by language: only what an edit changed is rendered again."""
    examples: dict[str, Example] | None = None
    """The diagnostics reference's examples (tests/cases/), read once."""
    written: dict[str, dict[str, bytes]] = field(default_factory=dict)
    """The generated files as last written, by language and path relative to its docs folder."""
    sop_pages: dict[str, dict[str, bytes]] = field(default_factory=dict)
    """The SOPs' and alerts' pages (`render_sop_pages`) as last rendered, by language."""
    library_pages: dict[str, dict[str, bytes]] = field(default_factory=dict)
    """The library's pages (`render_library_pages`: indexes, navigation, reference) as last rendered."""
    library_stale: bool = False
    """Whether the SOPs changed since the library's pages were rendered (`regenerate_library` renders them)."""
    generation: int = 0
    """How many times `regenerate` ran: library pages rendered from older SOPs are not written."""

    def docs(self, lang: str) -> Path:
        return self.root / "site" / DOCS[lang]

    def regenerate(self, echo: Echo, changed: Iterable[str] | None = None, *,
                   library: bool = True) -> dict[str, list[str]]:
        """Check the SOP files that changed (None: all of them), report problems, and rewrite the pages.

        A changed file is checked with the SOPs it includes, and with its translations (or, for a
        translation, its SOP), so that what it asks of them is checked too; the checks across the whole
        library (an id used twice, the SOPs that include it) are `sopc validate`'s. With library=False
        the library's pages keep their last version until `regenerate_library`. Returns, by language,
        the files written or removed in its docs folder (relative to it).
        """
        started = time.perf_counter()
        today = self.today or datetime.date.today()
        sops_dir = self.root / "sops"
        present = {str(p) for p in discover([str(sops_dir)])} if sops_dir.is_dir() else set()
        if changed is None:
            wanted = sorted(present)
        else:
            edited = {Path(p) for p in set(changed) & present}
            wanted = sorted({str(p) for p in edited.union(*(_companions(p) for p in edited))} & present)
        files = read_all(Path(p) for p in wanted)
        if changed is not None:
            files += self._included_files(files)
        checked = check_files(files, today)
        if checked.diagnostics:
            echo(text_report(checked.diagnostics, len(files)).rstrip("\n"))
        if changed is None:  # the languages are those of the translations found at the start
            self.last_good = {lang: {} for lang in ("en", *sorted({t.lang for t in checked.translations} & set(DOCS)))}
        bad = {d.path for d in checked.diagnostics if d.severity is Severity.ERROR}
        kept = {p for p in wanted if is_sop_file(Path(p))}
        for lang, models in self.last_good.items():
            sops = checked.sops if lang == "en" else translated_sops(checked.sops, checked.documents,
                                                                     checked.translations, lang)
            valid = {s.path: s for s, original in zip(sops, checked.sops, strict=True)
                     if original.path in kept and original.path not in bad}
            self.last_good[lang] = {p: s for p, s in models.items() if p in present} | valid
        english = self.last_good["en"]
        ids = {s.id for s in english.values()}
        fresh = {s.id for p, s in english.items() if p in kept} | (ids - set(self.skills))
        self.skills = {i: f for i, f in self.skills.items() if i in ids}
        self.skills |= load_skills(self.root / "skills", sorted(fresh))
        if self.examples is None:
            self.examples = pick_examples(load_cases(default_cases_dir()))
        written: dict[str, list[str]] = {}
        counts = [0, 0]
        for lang, models in self.last_good.items():
            memo = self.memos.setdefault(lang, PageMemo())
            self.sop_pages[lang] = render_sop_pages([models[p] for p in sorted(models)], self.skills, today=today,
                                                    drafts=self.drafts, lang=lang, memo=memo)
            if library or lang not in self.library_pages:
                self._render_library(lang, today)
            written[lang] = self._write(lang)
            counts = [counts[0] + memo.rendered, counts[1] + memo.reused]
            memo.rendered = memo.reused = 0
        self.library_stale = not library
        self.generation += 1
        echo(f"sopc serve: pages generated from {len(english)} SOP{'s' * (len(english) != 1)} in "
             f"{time.perf_counter() - started:.2f} s ({counts[0]} rendered, {counts[1]} unchanged)")
        return written

    def regenerate_library(self, lock: AbstractContextManager[object] | None = None) -> dict[str, list[str]]:
        """Render the library's pages from the SOPs as they are now and write them; returns what changed.

        With a lock (the one `regenerate` runs under), only taking the SOPs and writing hold it: the
        pages, which list the whole library, are rendered without it, so an edit does not wait for them.
        If an edit came meanwhile, nothing is written (the library is stale again: render it again)."""
        lock = lock or contextlib.nullcontext()
        today = self.today or datetime.date.today()
        with lock:
            generation = self.generation
            models = {lang: [m[p] for p in sorted(m)] for lang, m in self.last_good.items()}
        pages = {lang: render_library_pages(sops, today=today, drafts=self.drafts, examples=self.examples, lang=lang)
                 for lang, sops in models.items()}
        with lock:
            if self.generation != generation:
                return {}
            written = {}
            for lang in self.last_good:
                self.library_pages[lang] = pages[lang]
                written[lang] = self._write(lang)
            self.library_stale = False
            return written

    def _render_library(self, lang: str, today: datetime.date) -> None:
        models = self.last_good[lang]
        self.library_pages[lang] = render_library_pages([models[p] for p in sorted(models)], today=today,
                                                        drafts=self.drafts, examples=self.examples, lang=lang)

    def _write(self, lang: str) -> list[str]:
        """Write a language's pages as last rendered; returns the files written or removed."""
        pages = dict(sorted((self.sop_pages[lang] | self.library_pages[lang]).items()))
        if lang in self.written:
            written = update_site(self.docs(lang), pages, self.written[lang])
        else:
            write_site(self.docs(lang), pages)  # the first time, whole folders (the site server starts after it)
            written = sorted(pages)
        self.written[lang] = pages
        return written

    def _included_files(self, files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
        """The files of the SOPs these files include, and of those they include, from the last good models."""
        english = self.last_good.get("en", {})
        by_id = {s.id: path for path, s in english.items()}
        done = {path for path, _ in files}
        wanted = set().union(*(_includes(raw) for _, raw in files))
        found: list[tuple[str, bytes]] = []
        while wanted:
            sop_id = wanted.pop()
            path = by_id.get(sop_id)
            if path is None or path in done:
                continue
            done.add(path)
            try:
                found += read_all([Path(path)])
            except UsageError:
                continue  # gone meanwhile: the include is reported as missing
            wanted |= {step.sop for step in english[path].steps if step.kind == "include" and step.sop}
        return found


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(root: Path, addr: str, *, drafts: bool = True, today: datetime.date | None = None,
          interval: float = 0.25, echo: Echo = print, zensical: Path | None = None, mkdocs_dirty: bool = False) -> int:
    """Run the preview until interrupted; returns the exit status.

    MkDocs runs in this process (`_serve_live`). With zensical (the path of a `zensical` executable),
    Zensical serves the same project instead, in a child process, with its own cache of what it built;
    with mkdocs_dirty, `mkdocs serve --dirty` does (English only), as sopc serve did before: both are kept
    to be measured beside it (benchmarks/bench_serve.py)."""
    root = root.resolve()
    config = root / "site" / "mkdocs.yml"
    if not config.is_file():
        raise UsageError(f"no MkDocs project at {config}; sopc init {root} adds one")
    host, _, port = addr.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"address {addr!r} is not IP:PORT")
    preview = Preview(root, drafts=drafts, today=today)
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        if zensical is not None:
            return _serve_child(preview, [str(zensical), "serve", "-f", str(config), "-a", addr], addr, interval, echo)
        if mkdocs_dirty:
            command = [sys.executable, "-m", "mkdocs", "serve", "--dirty", "--no-strict", "-f", str(config), "-a", addr]
            return _serve_child(preview, command, addr, interval, echo)
        return _serve_live(preview, host.strip("[]"), int(port), interval, echo)
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _serve_live(preview: Preview, host: str, port: int, interval: float, echo: Echo) -> int:
    """MkDocs' own server and live reload (`LiveReloadServer`), over sites kept loaded (`LiveSite`).

    The server's build loop calls `rebuild` when a file under sops/ changes; it holds the pages being
    built back from the browser until the rebuild is over, then tells the open pages to reload."""
    try:  # before the first build, which takes minutes on a large library
        socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET).close()
    except OSError as err:
        raise UsageError(f"cannot listen on {host}:{port}: {err.strerror or err}") from err
    sops = preview.root / "sops"
    seen = snapshot(sops)
    preview.regenerate(echo)
    with tempfile.TemporaryDirectory(prefix="sopc-serve-") as out:
        started = time.perf_counter()
        sites: dict[str, LiveSite] = {}
        for lang in preview.last_good:
            base = "" if lang == "en" else f"{lang}/"
            name = "mkdocs.yml" if lang == "en" else f"mkdocs.{lang}.yml"
            site = LiveSite(preview.root / "site" / name, Path(out, base), f"http://{host}:{port}/{base}")
            site.build()
            sites[lang] = site
        echo(f"sopc serve: site built in {time.perf_counter() - started:.2f} s "
             f"({sum(len(s.pages) for s in sites.values())} pages)")

        server = _Server(builder=lambda: None, host=host, port=port, root=out, polling_interval=interval)
        stale = threading.Event()
        pages_lock = threading.Lock()  # the preview's pages: rendered by the build loop and by build_stale

        def rebuild() -> None:
            nonlocal seen
            now = snapshot(sops)
            changed = {path for path in now.keys() | seen.keys() if now.get(path) != seen.get(path)}
            moved = bool(now.keys() ^ seen.keys())  # a file added or removed: the navigation may change at once
            seen = now
            if not changed:
                return
            started = time.perf_counter()
            try:
                with pages_lock:
                    written = preview.regenerate(echo, changed, library=moved)
                built = sum(site.update(written.get(lang, [])) for lang, site in sites.items())
            except Exception as err:  # the preview goes on: the server's build loop would hang the pages
                echo(f"sopc serve: could not rebuild the site: {type(err).__name__}: {err}")
                return
            echo(f"sopc serve: {built} page{'s' * (built != 1)} built in {time.perf_counter() - started:.2f} s")
            stale.set()

        def build_stale() -> None:
            """The index pages an edit changed, rendered and built after the pages it shows are served."""
            while stale.wait() and not stopping.is_set():
                stale.clear()
                started = time.perf_counter()
                count = 0
                try:
                    written = preview.regenerate_library(pages_lock) if preview.library_stale else {}
                    for lang, site in sites.items():
                        site.update(written.get(lang, []))
                    while any(site.build_stale() for site in sites.values()):
                        count += 1
                except Exception as err:  # the preview goes on with the last good index pages
                    echo(f"sopc serve: could not rebuild the index pages: {type(err).__name__}: {err}")
                if count:
                    server.reload_browsers()
                    echo(f"sopc serve: index pages and search index updated in {time.perf_counter() - started:.2f} s")

        stopping = threading.Event()
        worker = threading.Thread(target=build_stale, name="sopc-serve-index-pages", daemon=True)
        worker.start()
        server.builder = rebuild
        server.error_handler = lambda code: _error_page(Path(out), code)
        server.watch(str(sops))
        echo(f"Serving the runbook site at http://{host}:{port}/ (Ctrl-C to stop)")
        try:
            server.serve()  # type: ignore[no-untyped-call]
        finally:
            stopping.set()
            stale.set()
            server.shutdown()
            worker.join(timeout=60)
            for site in sites.values():
                site.config.plugins.on_shutdown()
    return 0


class _Server(LiveReloadServer):
    """MkDocs' server, able to reload the open pages after a build that its own build loop did not run."""

    def reload_browsers(self) -> None:
        """What the build loop does after a build (MkDocs 1.6's attributes; the lock pins that version).

        Not while the loop builds: it holds requests until then and reloads the pages itself after."""
        with self._epoch_cond:
            if self._visible_epoch == self._wanted_epoch:
                self._wanted_epoch = self._visible_epoch = max(self._visible_epoch + 1, round(time.monotonic() * 1000))
                self._epoch_cond.notify_all()


def _error_page(site_dir: Path, code: int) -> bytes | None:
    """The site's own 404 page, as `mkdocs serve` answers with it."""
    page = site_dir / f"{code}.html"
    return page.read_bytes() if page.is_file() else None


def _relay(child: subprocess.Popen[str], echo: Echo, last: list[str]) -> None:
    """The child server's output, line by line, but a Python traceback: held back, and only its last line (what
    went wrong) kept in last for the one-line message when the child stops."""
    assert child.stdout is not None
    held = False
    for line in child.stdout:
        line = line.rstrip("\n")
        if line.startswith("Traceback (most recent call last):"):
            held = True
        elif held and line and not line.startswith((" ", "\t")) and not line.startswith("During handling"):
            held = False
            last[:] = [line]
        elif not held:
            echo(line)


def _serve_child(preview: Preview, command: list[str], addr: str, interval: float, echo: Echo) -> int:
    """Another program's server in a child process, over the pages this process keeps regenerating."""
    seen = snapshot(preview.root / "sops")
    preview.regenerate(echo)
    child = subprocess.Popen(command, cwd=preview.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             errors="replace")
    last: list[str] = []
    relay = threading.Thread(target=_relay, args=(child, echo, last), daemon=True)
    relay.start()
    echo(f"Serving the runbook site at http://{addr}/ (Ctrl-C to stop)")
    try:
        while child.poll() is None:
            time.sleep(interval)
            now = snapshot(preview.root / "sops")
            if now != seen:
                changed = {path for path in now.keys() | seen.keys() if now.get(path) != seen.get(path)}
                seen = now
                try:
                    preview.regenerate(echo, changed)
                except (OSError, ValueError, UsageError) as err:
                    echo(f"sopc serve: could not regenerate the pages: {err}")
        relay.join(timeout=5)
        if child.returncode:
            said = f": {last[0]}" if last else ""
            echo(f"sopc serve: {Path(command[0]).name} stopped (exit status {child.returncode}){said}")
        return child.returncode or 0
    finally:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
