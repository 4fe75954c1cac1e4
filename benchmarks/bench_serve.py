"""Benchmark of `sopc serve` on a large library: how long one edited SOP takes to show in the served page.

Writes N SOPs (default 1,000) with benchmarks/corpus.py in a temporary
folder, starts `sopc serve` on it (a real child process, with MkDocs'
`serve --dirty` under it), waits for an SOP page to be served, then, one at
a time, edits several SOP files and polls the served page over HTTP until
the edit is in it: the seconds from the write to the page are the figure.
Two kinds of edit: a step's title (what authoring mostly is: it changes that
SOP's page alone) and the SOP's title (which is also on the index pages and
the alert pages, so they are rendered and built again too). Beside it, from
the same run: what the same edit cost before pages were rendered and built
incrementally, the preview's first, full regeneration (every file checked,
every page rendered and written) and MkDocs' first, full build of the site,
as each of them reports it.

With --zensical PATH, Zensical serves the site instead of MkDocs (`sopc serve
--zensical PATH`; Zensical is kept out of the lock: install it in a throwaway
venv, `python3 -m venv /tmp/zensical && /tmp/zensical/bin/pip install zensical`).

Run: .venv/bin/python -m benchmarks.bench_serve [--count 1000] [--edits 5] [--keep DIR] [--zensical PATH]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import write_corpus  # noqa: E402
from compiler.sitegen.project import copy_skeleton, repo_site  # noqa: E402

TODAY = "2026-11-22"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            body: bytes = response.read()
            return body.decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return ""


def wait_for(url: str, text: str, timeout: float, poll: float = 0.05) -> float:
    """Seconds until the page at url holds text (polling); raises after timeout."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if text in fetch(url):
            return time.perf_counter() - start
        time.sleep(poll)
    raise TimeoutError(f"{text!r} did not show at {url} within {timeout:.0f} s")


EDITS = {"a step's title": "    title: ", "the SOP's title": "title: "}
"""Kind of edit -> the start of the line it replaces (the first such line)."""


def retitle(path: Path, prefix: str, title: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith(prefix))
    lines[index] = f"{prefix}{title}\n"
    path.write_text("".join(lines), encoding="utf-8")


def url_of(work: Path, path: Path) -> str:
    relative = path.relative_to(work / "sops")
    return f"runbooks/{relative.parent.as_posix()}/{relative.stem}/"


def first_seconds(lines: list[str], pattern: str) -> float | None:
    """The seconds in the first line of the log matching pattern (one group), if there is one."""
    for line in lines:
        found = re.search(pattern, line)
        if found:
            return float(found.group(1))
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--zensical", type=Path, help="serve with this zensical executable instead of MkDocs")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-serve-"))
    work.mkdir(parents=True, exist_ok=True)
    paths = write_corpus(work, args.count)
    copy_skeleton(repo_site(), work / "site")
    print(f"{len(paths)} SOPs in {work}")

    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "compiler", "serve", "--root", str(work), "--addr", f"127.0.0.1:{port}",
               "--today", TODAY, *(["--zensical", str(args.zensical)] if args.zensical else [])]
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    lines: list[str] = []
    assert server.stdout is not None
    output = server.stdout
    threading.Thread(target=lambda: lines.extend(iter(output.readline, "")), daemon=True).start()
    edited = paths[:: max(1, len(paths) // args.edits)][: args.edits]
    seconds: dict[str, list[float]] = {kind: [] for kind in EDITS}
    try:
        first = edited[0]
        title = next(line for line in first.read_text(encoding="utf-8").splitlines() if line.startswith("title: "))
        wait_for(base + url_of(work, first), title.removeprefix("title: ").split(" (")[0], 1800, poll=1)
        print(f"{'first page served (check and build all)':<44} {time.perf_counter() - started:8.1f} s", flush=True)
        time.sleep(3)  # let the first build's watchers settle
        for kind, prefix in EDITS.items():
            for number, path in enumerate(edited):
                marker = f"Edited title number {number} {time.time_ns()}"
                retitle(path, prefix, marker)
                try:
                    took = wait_for(base + url_of(work, path), marker, 300)
                except TimeoutError:
                    print("".join(lines[-30:]))  # what the preview and the site server said last
                    raise
                seconds[kind].append(took)
                said = next((line.strip() for line in reversed(lines) if "pages generated" in line), "")
                print(f"{kind + ': ' + path.stem:<60} {took:6.2f} s   ({said.removeprefix('sopc serve: ')})",
                      flush=True)
                time.sleep(2)
    finally:
        server.send_signal(signal.SIGTERM)  # SIGINT is ignored by a child of a shell's background job
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    regenerate = first_seconds(lines, r"pages generated from .* in ([0-9.]+) s") or 0.0
    site_build = first_seconds(lines, r"Documentation built in ([0-9.]+) seconds")  # MkDocs says it; Zensical not
    print(f"{'full regeneration (check, render, write all)':<44} {regenerate:8.1f} s")
    if site_build is not None:
        print(f"{'full mkdocs build (the first, in mkdocs serve)':<44} {site_build:8.1f} s")
    full = regenerate + (site_build or 0.0)
    print()
    for kind, figures in seconds.items():
        median = statistics.median(figures)
        print(f"one SOP edited in {len(paths)}, {kind}: visible in the served page after {median:.2f} s "
              f"(median of {len(figures)}, max {max(figures):.2f} s); a full rebuild: {full:.1f} s ({full / median:.0f}x)"
              + ("" if site_build is not None else ", without the site generator's own full build"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
