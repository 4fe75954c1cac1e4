"""`sopc serve`: a local preview of the runbook site that follows the SOP files as they are edited.

Two parts: `mkdocs serve` in a child process (the venv's own MkDocs, with
live reload, not strict so that the preview keeps going while a page has a
problem), and a watcher here that polls the modification times of sops/ every
half second and regenerates site/docs/runbooks/ and site/docs/reference/ when
an SOP file changes; MkDocs notices the new pages, rebuilds and reloads the
browser.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from compiler.check import check_files
from compiler.files import UsageError, discover, read_all
from compiler.model import Sop
from compiler.reporters import text as text_report
from compiler.sitegen import render_site
from compiler.sitegen.write import write_site

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


@dataclass
class Preview:
    """Regenerates the site's pages from the SOP files of one repository."""

    root: Path
    drafts: bool = True
    today: datetime.date | None = None
    """Date to flag review_by against; None means the current date at each regeneration."""
    last_good: dict[str, Sop] = field(default_factory=dict)
    """Last valid model of each SOP file, by path."""

    def regenerate(self, echo: Echo) -> None:
        """Check every SOP, report problems, and rewrite the generated pages."""
        today = self.today or datetime.date.today()
        sops_dir = self.root / "sops"
        files = read_all(discover([str(sops_dir)])) if sops_dir.is_dir() else []
        checked = check_files(files, today)
        if checked.diagnostics:
            echo(text_report(checked.diagnostics, len(files)).rstrip("\n"))
        present = {path for path, _ in files}
        valid = {s.path: s for s in checked.valid_sops()}
        self.last_good = {p: s for p, s in self.last_good.items() if p in present} | valid
        sops = [self.last_good[p] for p in sorted(self.last_good)]
        skills = load_skills(self.root / "skills", sorted({s.id for s in sops}))
        write_site(self.root / "site" / "docs", render_site(sops, skills, today=today, drafts=self.drafts))
        echo(f"sopc serve: pages generated from {len(sops)} SOP{'s' * (len(sops) != 1)}")


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(root: Path, addr: str, *, drafts: bool = True, today: datetime.date | None = None,
          interval: float = 0.5, echo: Echo = print) -> int:
    """Run the preview until interrupted; returns the exit status."""
    config = root / "site" / "mkdocs.yml"
    if not config.is_file():
        raise UsageError(f"no MkDocs project at {config}")
    preview = Preview(root, drafts=drafts, today=today)
    preview.regenerate(echo)
    seen = snapshot(root / "sops")
    command = [sys.executable, "-m", "mkdocs", "serve", "--no-strict", "-f", str(config), "-a", addr]
    child = subprocess.Popen(command, cwd=root)
    previous = signal.signal(signal.SIGTERM, _stop)
    echo(f"Serving the runbook site at http://{addr}/ (Ctrl-C to stop)")
    try:
        while child.poll() is None:
            time.sleep(interval)
            now = snapshot(root / "sops")
            if now != seen:
                seen = now
                try:
                    preview.regenerate(echo)
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
