"""Benchmark of `sopc serve` on a large library: how long one edited SOP takes to show in the served page.

Writes N SOPs (default 1,000) with benchmarks/corpus.py in a temporary
folder, starts a preview server on it (a real child process), waits for an
SOP page to be served, then, one at a time, edits several SOP files and
polls the served page over HTTP until the edit is in it: the seconds from
the write to the page are the figure. Two kinds of edit: a step's title
(what authoring mostly is: it changes that SOP's page alone) and the SOP's
title (which is also on the index pages and the alert pages, so they are
rendered and built again too). Beside it, from the same run: the preview's
first, full regeneration (every file checked, every page rendered and
written) and the first, full build of the site, as each reports it.

--servers runs several servers one after the other on the same library, for
the ratios: `sopc` (`sopc serve`: MkDocs loaded once in the process, only
changed pages built again), `mkdocs-dirty` (the same preview with `mkdocs
serve --dirty` in a child process, as sopc serve was before) and `zensical`
(`sopc serve --zensical PATH`; Zensical is kept out of the lock: install it
in a throwaway venv, `python3 -m venv /tmp/zensical && /tmp/zensical/bin/pip install zensical`).

Run: .venv/bin/python -m benchmarks.bench_serve [--count 1000] [--edits 5] [--keep DIR]
         [--servers sopc,mkdocs-dirty,zensical --zensical PATH]
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


def wait_for(url: str, text: str, timeout: float, poll: float = 0.05,
             server: subprocess.Popen[str] | None = None) -> float:
    """Seconds until the page at url holds text (polling); raises after timeout, or as soon as server stops."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if text in fetch(url):
            return time.perf_counter() - start
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"the server stopped (exit status {server.returncode}) before {url} showed {text!r}")
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


DIRTY = ("import sys, datetime; from pathlib import Path; from compiler.serve import serve; "
         "sys.exit(serve(Path(sys.argv[1]), sys.argv[2], today=datetime.date.fromisoformat(sys.argv[3]), "
         "mkdocs_dirty=True))")
"""`sopc serve` as it was before MkDocs ran in it: `mkdocs serve --dirty` in a child process."""


def command_of(server: str, work: Path, addr: str, zensical: Path | None) -> list[str]:
    if server == "mkdocs-dirty":
        return [sys.executable, "-c", DIRTY, str(work), addr, TODAY]
    extra = ["--zensical", str(zensical)] if server == "zensical" and zensical else []
    return [sys.executable, "-m", "compiler", "serve", "--root", str(work), "--addr", addr, "--today", TODAY, *extra]


def measure(server: str, work: Path, edited: list[Path], zensical: Path | None) -> tuple[dict[str, list[float]], float]:
    """Seconds from each edit to the served page showing it, by kind of edit; and the full first build's."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    print(f"\n{server}:", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(command_of(server, work, f"127.0.0.1:{port}", zensical), cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    lines: list[str] = []
    assert process.stdout is not None
    output = process.stdout
    threading.Thread(target=lambda: lines.extend(iter(output.readline, "")), daemon=True).start()
    seconds: dict[str, list[float]] = {kind: [] for kind in EDITS}
    try:
        first = edited[0]
        title = next(line for line in first.read_text(encoding="utf-8").splitlines() if line.startswith("title: "))
        try:
            wait_for(base + url_of(work, first), title.removeprefix("title: ").split(" (")[0], 3600, 1, process)
        except RuntimeError:
            print("".join(lines[-30:]))  # what the preview and the site server said last
            raise
        print(f"{'first page served (check and build all)':<44} {time.perf_counter() - started:8.1f} s", flush=True)
        time.sleep(3)  # let the first build's watchers settle
        for kind, prefix in EDITS.items():
            for number, path in enumerate(edited):
                marker = f"Edited title number {number} {time.time_ns()}"
                retitle(path, prefix, marker)
                try:
                    took = wait_for(base + url_of(work, path), marker, 300, server=process)
                except (TimeoutError, RuntimeError):
                    print("".join(lines[-30:]))  # what the preview and the site server said last
                    raise
                seconds[kind].append(took)
                time.sleep(0.5)  # the preview's last words come after the page
                said = [line.strip().removeprefix("sopc serve: ") for line in lines[-6:]
                        if "pages generated" in line or "built in" in line]
                print(f"{kind + ': ' + path.stem:<60} {took:6.2f} s   ({'; '.join(said[-2:])})", flush=True)
                time.sleep(2)
    finally:
        process.send_signal(signal.SIGTERM)  # SIGINT is ignored by a child of a shell's background job
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    regenerate = first_seconds(lines, r"pages generated from .* in ([0-9.]+) s") or 0.0
    # sopc's own MkDocs and `mkdocs serve` say how long the first build took; Zensical does not.
    site_build = first_seconds(lines, r"(?:site built in|Documentation built in) ([0-9.]+) s")
    print(f"{'full regeneration (check, render, write all)':<44} {regenerate:8.1f} s")
    if site_build is not None:
        print(f"{'full site build (the first)':<44} {site_build:8.1f} s")
    return seconds, regenerate + (site_build or 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--servers", default="sopc", help="comma-separated, run one after the other on the same "
                        "library: sopc (MkDocs in sopc serve), mkdocs-dirty (mkdocs serve --dirty), zensical")
    parser.add_argument("--zensical", type=Path, help="the zensical executable (for --servers zensical)")
    args = parser.parse_args()
    servers = args.servers.split(",")
    if "zensical" in servers and args.zensical is None:
        parser.error("--servers zensical needs --zensical PATH")
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-serve-"))
    work.mkdir(parents=True, exist_ok=True)
    paths = write_corpus(work, args.count)
    copy_skeleton(repo_site(), work / "site")
    print(f"{len(paths)} SOPs in {work}; load average {os.getloadavg()[0]:.1f}")
    edited = paths[:: max(1, len(paths) // args.edits)][: args.edits]
    results = {server: measure(server, work, edited, args.zensical) for server in servers}
    print(f"\none SOP edited in {len(paths)} SOPs until the served page shows it (median of {len(edited)}, max); "
          f"load average now {os.getloadavg()[0]:.1f}")
    for server, (seconds, full) in results.items():
        for kind, figures in seconds.items():
            median = statistics.median(figures)
            print(f"  {server:<13} {kind:<18} {median:7.2f} s (max {max(figures):6.2f} s)"
                  + (f"; full build {full:.1f} s, {full / median:.0f}x" if full else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
