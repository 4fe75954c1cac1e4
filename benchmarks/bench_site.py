"""Benchmark of the runbook site on a large library.

Generates N SOPs (default 1,000; several sizes with --count 100,300,1000) with
benchmarks/corpus.py (variants of the shipped SOPs, and the shared SOPs they
include) in a temporary folder, then times separately:

1. validation of the N files (`check_files`, for context),
2. our page generation (`render_site`), and again after one SOP is edited,
   with the page memo of the first (what `sopc build` and `sopc serve` do),
3. writing the pages (`write_site`),
4. `mkdocs build` of the whole site,
5. how long an SOP page takes to become usable in Chromium served locally:
   navigation start to the load event (and DOMContentLoaded), median of 5;
6. the size of the HTML: pages, megabytes, and on the SOP pages the bytes of
   the site navigation the theme writes into each (the tabs and the primary
   sidebar, not the page's own table of contents) and its share of the page;
   with several sizes, a table of them side by side: the navigation's bytes
   per page must not grow with the library;
7. with --zensical PATH (a `zensical` executable, kept out of the project's
   lock: `python3 -m venv .venv-zensical && .venv-zensical/bin/pip install zensical`),
   the same project built by Zensical, side by side with MkDocs.

Run: .venv/bin/python benchmarks/bench_site.py [--count 100,300,1000] [--keep DIR] [--no-browser] [--zensical PATH]
"""

from __future__ import annotations

import argparse
import datetime
import functools
import http.server
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import write_corpus  # noqa: E402
from compiler.check import check_files  # noqa: E402
from compiler.files import discover, read_all  # noqa: E402
from compiler.sitegen import render_site  # noqa: E402
from compiler.sitegen.memo import PageMemo  # noqa: E402
from compiler.sitegen.project import build_html, copy_skeleton, repo_site  # noqa: E402
from compiler.sitegen.write import write_site  # noqa: E402

TODAY = datetime.date(2026, 11, 22)
CHROMIUM = Path("/usr/bin/chromium")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def timed(label: str, results: dict[str, float]) -> Any:
    class _Timer:
        def __enter__(self) -> None:
            self.start = time.perf_counter()

        def __exit__(self, *exc: object) -> None:
            results[label] = time.perf_counter() - self.start
            print(f"{label:<34} {results[label]:8.2f} s", flush=True)

    return _Timer()


def page_load(site: Path, paths: list[str], rounds: int = 5) -> list[dict[str, float]]:
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    figures = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"])
            page = browser.new_page()
            page.goto(base)  # a first visit caches the theme's assets, as in real use
            for i in range(rounds):
                page.goto(base + paths[i % len(paths)])
                entry = json.loads(page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])"))
                figures.append({"dcl": entry["domContentLoadedEventEnd"], "load": entry["loadEventEnd"],
                                "bytes": entry["decodedBodySize"]})
            cold = browser.new_page()  # and one visit with nothing cached
            cold.goto(base + paths[0])
            entry = json.loads(cold.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])"))
            figures.append({"dcl": entry["domContentLoadedEventEnd"], "load": entry["loadEventEnd"],
                            "bytes": entry["decodedBodySize"], "cold": 1.0})
            browser.close()
    finally:
        server.shutdown()
    return figures


def html_size(folder: Path) -> tuple[int, float]:
    """HTML pages and megabytes of everything in a built site."""
    pages = sum(1 for _ in folder.rglob("*.html"))
    return pages, sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


NAV_START = re.compile(r'<nav class="(?:md-tabs|md-nav md-nav--primary)')
NAV_TAG = re.compile(r"<nav\b|</nav>")


def nav_bytes(html: str) -> int:
    """Bytes of the site navigation in a Material page: the tabs and the primary sidebar (nested navs included)."""
    total = 0
    for start in NAV_START.finditer(html):
        depth = 0
        for tag in NAV_TAG.finditer(html, start.start()):
            depth += 1 if tag.group() == "<nav" else -1
            if depth == 0:
                total += len(html[start.start():tag.end()].encode("utf-8"))
                break
    return total


def page_figures(html_dir: Path, sop_pages: list[str]) -> dict[str, float]:
    """Pages and megabytes of the built site; mean bytes, navigation bytes and its share on the SOP pages."""
    pages, megabytes = html_size(html_dir)
    sizes, navs = [], []
    for path in sop_pages:
        html = (html_dir / path / "index.html").read_text(encoding="utf-8")
        sizes.append(len(html.encode("utf-8")))
        navs.append(nav_bytes(html))
    return {"pages": pages, "megabytes": megabytes, "page_bytes": statistics.mean(sizes),
            "nav_bytes": statistics.mean(navs), "nav_share": sum(navs) / sum(sizes)}


def zensical_build(project: Path, zensical: Path, results: dict[str, float]) -> Path | None:
    """Build a copy of the MkDocs project (without MkDocs' output) with Zensical; its HTML folder, or None."""
    copy = project.parent / "zensical-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(project, copy, ignore=lambda folder, names: {"site"} if Path(folder) == project else set())
    with timed("zensical build", results):
        done = subprocess.run([str(zensical), "build", "-f", str(copy / "mkdocs.yml")], cwd=copy,
                              capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stdout + done.stderr)
        return None
    return copy / "site"


def one_size(work: Path, count: int, args: argparse.Namespace) -> dict[str, float] | None:
    """Generate, validate, render, write and build a library of count SOPs; its figures, or None if a build failed."""
    results: dict[str, float] = {}
    print(f"{count} SOPs in {work}")
    write_corpus(work, count)
    files = read_all(discover([str(work / "sops")]))
    with timed("validate (check_files)", results):
        checked = check_files(files, TODAY)
    assert checked.ok, [d for d in checked.diagnostics][:5]
    sops = checked.valid_sops()
    memo = PageMemo()
    with timed("generate pages (render_site)", results):
        pages = render_site(sops, {}, today=TODAY, memo=memo)
    size = sum(len(v) for v in pages.values())
    print(f"{'':<34} {len(pages)} files, {size / 1e6:.1f} MB of Markdown")
    edited = list(sops)
    edited[len(edited) // 2] = replace(edited[len(edited) // 2], summary="Edited. " + edited[len(edited) // 2].summary)
    memo.rendered = memo.reused = 0
    with timed("again after one edit (memo)", results):
        again = render_site(edited, {}, today=TODAY, memo=memo)
    assert again != pages
    print(f"{'':<34} {memo.rendered} pages rendered, {memo.reused} taken from the memo: "
          f"{results['generate pages (render_site)'] / results['again after one edit (memo)']:.0f}x faster")
    config = copy_skeleton(repo_site(), work / "site")
    with timed("write pages (write_site)", results):
        write_site(work / "site" / "docs", pages)
    with timed("mkdocs build --strict", results):
        result = build_html(config)
    if result.returncode != 0:
        print(result.stdout + result.stderr)
        return None
    html = work / "site" / "site"
    index = (html / "search" / "search_index.json").stat().st_size
    sop_pages = [f"runbooks/{s.domain}/{s.id}" for s in sops[:: max(1, len(sops) // 50)]]
    figures = page_figures(html, sop_pages)
    print(f"{'':<34} {figures['pages']:.0f} HTML pages, {figures['megabytes']:.1f} MB, search index {index / 1e6:.1f} MB")
    print(f"{'':<34} SOP page {figures['page_bytes'] / 1e3:.1f} kB, navigation {figures['nav_bytes'] / 1e3:.2f} kB "
          f"({figures['nav_share']:.1%})")
    figures["build"] = results["mkdocs build --strict"]
    if args.zensical:
        built = zensical_build(work / "site", args.zensical.resolve(), results)
        if built is None:
            return None
        for name, folder in (("mkdocs", html), ("zensical", built)):
            count_pages, megabytes = html_size(folder)
            seconds = results["mkdocs build --strict" if name == "mkdocs" else "zensical build"]
            print(f"{name:<10} {seconds:8.2f} s  {count_pages:6d} HTML pages  {megabytes:8.1f} MB")
        print(f"{'':<34} Zensical took {results['zensical build'] / results['mkdocs build --strict']:.2f}x "
              "the time of MkDocs")
    if not args.no_browser and CHROMIUM.exists():
        paths = [f"runbooks/{s.domain}/{s.id}/" for s in sops[:: max(1, len(sops) // 5)]][:5]
        loads = page_load(html, paths)
        warm = loads[:-1]
        print(f"SOP page in Chromium (warm cache)  load median {statistics.median(f['load'] for f in warm):.0f} ms, "
              f"DOMContentLoaded median {statistics.median(f['dcl'] for f in warm):.0f} ms, "
              f"page {warm[0]['bytes'] / 1e3:.0f} kB")
        print(f"SOP page in Chromium (cold cache)  load {loads[-1]['load']:.0f} ms, "
              f"DOMContentLoaded {loads[-1]['dcl']:.0f} ms")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", default="1000", help="library size, or several: 100,300,1000")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--zensical", type=Path, help="also build with this zensical executable")
    args = parser.parse_args()
    counts = [int(c) for c in args.count.split(",")]
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-site-"))
    sizes: dict[int, dict[str, float]] = {}
    for count in counts:
        figures = one_size(work / str(count) if len(counts) > 1 else work, count, args)
        if figures is None:
            return 1
        sizes[count] = figures
    print()
    print(f"{'SOPs':>6} {'HTML pages':>10} {'MB':>8} {'MB/SOP':>7} {'SOP page kB':>11} {'nav bytes/page':>14} "
          f"{'nav share':>9} {'mkdocs build':>12}")
    for count, f in sizes.items():
        print(f"{count:>6} {f['pages']:>10.0f} {f['megabytes']:>8.1f} {f['megabytes'] / count:>7.3f} "
              f"{f['page_bytes'] / 1e3:>11.1f} {f['nav_bytes']:>14.0f} {f['nav_share']:>9.1%} {f['build']:>10.1f} s")
    if len(sizes) > 1:
        first, last = min(sizes), max(sizes)
        print(f"{last / first:.0f}x the SOPs: navigation bytes per SOP page x{sizes[last]['nav_bytes'] / sizes[first]['nav_bytes']:.2f}, "
              f"HTML x{sizes[last]['megabytes'] / sizes[first]['megabytes']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
