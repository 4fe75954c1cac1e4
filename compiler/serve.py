"""`sopc serve`: a local preview of the runbook site that follows the SOP files as they are edited.

Two parts: `mkdocs serve --dirty` in a child process (the venv's own MkDocs,
with live reload, not strict so that the preview keeps going while a page has
a problem), and a watcher here that polls the modification times of sops/
(four times a second) and, when SOP files change, checks those files (with the SOPs they include)
and regenerates the generated folders of site/docs/. Only what the edit
changed is rendered again (`sitegen.memo`) and written, file by file in
place (an unchanged page keeps its file and its modification time), so
MkDocs' dirty rebuild renders only those pages: one edited SOP in a library of a thousand shows in the
browser within about two seconds (`benchmarks/bench_serve.py`). The price of
`--dirty`, said by MkDocs itself: a page that did not change keeps the
navigation it was built with until the preview restarts (the navigation
lists domains, so only a new domain is missing from older pages).

While a file has errors its diagnostics are printed and its page keeps the
last version that was valid, so the page does not vanish mid-edit. Drafts are
shown by default (an author previews their draft). The compiled skill files
linked from each page are read from skills/<id>/ as they are on disk; run
`sopc build` to refresh them.
"""

from __future__ import annotations

import datetime
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import yaml

from compiler.check import check_files
from compiler.files import UsageError, discover, is_sop_file, read_all
from compiler.model import Sop
from compiler.reporters import text as text_report
from compiler.sitegen import default_cases_dir, render_pages
from compiler.sitegen.cases import Example, load_cases, pick_examples
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


@dataclass
class Preview:
    """Regenerates the site's pages from the SOP files of one repository, as they change."""

    root: Path
    drafts: bool = True
    today: datetime.date | None = None
    """Date to flag review_by against; None means the current date at each regeneration."""
    last_good: dict[str, Sop] = field(default_factory=dict)
    """Last valid model of each SOP file, by path."""
    skills: dict[str, dict[str, bytes]] = field(default_factory=dict)
    """The compiled files of each SOP id, as read from skills/ when its file was first or last checked."""
    memo: PageMemo = field(default_factory=PageMemo)
    """Every page with what it was rendered from: only what an edit changed is rendered again."""
    examples: dict[str, Example] | None = None
    """The diagnostics reference's examples (tests/cases/), read once."""
    written: dict[str, bytes] = field(default_factory=dict)
    """The generated files as last written, by path relative to site/docs/."""

    def regenerate(self, echo: Echo, changed: Iterable[str] | None = None) -> None:
        """Check the SOP files that changed (None: all of them), report problems, and rewrite the pages.

        A changed file is checked with the SOPs it includes, so that what it asks of them is checked too;
        the checks across the whole library (an id used twice, the SOPs that include it) are `sopc validate`'s.
        """
        started = time.perf_counter()
        today = self.today or datetime.date.today()
        sops_dir = self.root / "sops"
        present = {str(p) for p in discover([str(sops_dir)])} if sops_dir.is_dir() else set()
        wanted = sorted(present if changed is None else set(changed) & present)
        if changed is not None:
            wanted = [p for p in wanted if is_sop_file(Path(p))]
        files = read_all(Path(p) for p in wanted)
        if changed is not None:
            files += self._included_files(files)
        checked = check_files(files, today)
        if checked.diagnostics:
            echo(text_report(checked.diagnostics, len(files)).rstrip("\n"))
        valid = {s.path: s for s in checked.valid_sops() if s.path in wanted}
        self.last_good = {p: s for p, s in self.last_good.items() if p in present} | valid
        sops = [self.last_good[p] for p in sorted(self.last_good)]
        fresh = {s.id for s in valid.values()} | ({s.id for s in sops} - set(self.skills))
        self.skills = {i: f for i, f in self.skills.items() if i in {s.id for s in sops}}
        self.skills |= load_skills(self.root / "skills", sorted(fresh))
        if self.examples is None:
            self.examples = pick_examples(load_cases(default_cases_dir()))
        pages = render_pages(sops, self.skills, today=today, drafts=self.drafts, examples=self.examples,
                             memo=self.memo)
        docs = self.root / "site" / "docs"
        if self.written:
            update_site(docs, pages, self.written)
        else:
            write_site(docs, pages)  # the first time, whole folders (the site server starts after it)
        self.written = pages
        echo(f"sopc serve: pages generated from {len(sops)} SOP{'s' * (len(sops) != 1)} in "
             f"{time.perf_counter() - started:.2f} s ({self.memo.rendered} rendered, {self.memo.reused} unchanged)")
        self.memo.rendered = self.memo.reused = 0

    def _included_files(self, files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
        """The files of the SOPs these files include, and of those they include, from the last good models."""
        by_id = {s.id: path for path, s in self.last_good.items()}
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
            wanted |= {step.sop for step in self.last_good[path].steps if step.kind == "include" and step.sop}
        return found


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(root: Path, addr: str, *, drafts: bool = True, today: datetime.date | None = None,
          interval: float = 0.25, echo: Echo = print, zensical: Path | None = None) -> int:
    """Run the preview until interrupted; returns the exit status.

    With zensical (the path of a `zensical` executable), Zensical serves the same project instead of MkDocs,
    with its own cache of what it built."""
    config = root / "site" / "mkdocs.yml"
    if not config.is_file():
        raise UsageError(f"no MkDocs project at {config}")
    preview = Preview(root, drafts=drafts, today=today)
    seen = snapshot(root / "sops")
    preview.regenerate(echo)
    command = [sys.executable, "-m", "mkdocs", "serve", "--dirty", "--no-strict", "-f", str(config), "-a", addr]
    if zensical is not None:
        command = [str(zensical), "serve", "-f", str(config), "-a", addr]
    child = subprocess.Popen(command, cwd=root)
    previous = signal.signal(signal.SIGTERM, _stop)
    echo(f"Serving the runbook site at http://{addr}/ (Ctrl-C to stop)")
    try:
        while child.poll() is None:
            time.sleep(interval)
            now = snapshot(root / "sops")
            if now != seen:
                changed = {path for path in now.keys() | seen.keys() if now.get(path) != seen.get(path)}
                seen = now
                try:
                    preview.regenerate(echo, changed)
                except (OSError, ValueError, UsageError) as err:
                    echo(f"sopc serve: could not regenerate the pages: {err}")
        return child.returncode or 0
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
