"""Benchmark of the runbook site on a large library.

Generates N SOPs (default 1,000) by varying the shipped one (new ids, domains,
severities, alert names, titles) in a temporary folder, then times separately:

1. validation of the N files (`check_files`, for context),
2. our page generation (`render_site`),
3. writing the pages (`write_site`),
4. `mkdocs build` of the whole site,
5. how long an SOP page takes to become usable in Chromium served locally:
   navigation start to the load event (and DOMContentLoaded), median of 5;
6. with --zensical PATH (a `zensical` executable, kept out of the project's
   lock: `python3 -m venv .venv-zensical && .venv-zensical/bin/pip install zensical`),
   the same project built by Zensical, side by side with MkDocs.

Run: .venv/bin/python benchmarks/bench_site.py [--count 1000] [--keep DIR] [--no-browser] [--zensical PATH]
"""

from __future__ import annotations

import argparse
import datetime
import functools
import http.server
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compiler.check import check_files  # noqa: E402
from compiler.files import discover, read_all  # noqa: E402
from compiler.sitegen import render_site  # noqa: E402
from compiler.sitegen.project import build_html, copy_skeleton, repo_site  # noqa: E402
from compiler.sitegen.samples import variant  # noqa: E402
from compiler.sitegen.write import write_site  # noqa: E402

SHIPPED = ROOT / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml"
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


def generate(folder: Path, count: int) -> None:
    base = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    header = "# yaml-language-server: $schema=../../schema/sop.schema.json\n"
    for n in range(count):
        data = variant(base, n)
        target = folder / "sops" / data["domain"] / f"{data['id']}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--zensical", type=Path, help="also build with this zensical executable")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-site-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, float] = {}
    print(f"{args.count} SOPs in {work}")
    generate(work, args.count)
    files = read_all(discover([str(work / "sops")]))
    with timed("validate (check_files)", results):
        checked = check_files(files, TODAY)
    sops = checked.valid_sops()
    assert len(sops) == args.count, [d for d in checked.diagnostics][:5]
    with timed("generate pages (render_site)", results):
        pages = render_site(sops, {}, today=TODAY)
    size = sum(len(v) for v in pages.values())
    print(f"{'':<34} {len(pages)} files, {size / 1e6:.1f} MB of Markdown")
    config = copy_skeleton(repo_site(), work / "site")
    with timed("write pages (write_site)", results):
        write_site(work / "site" / "docs", pages)
    with timed("mkdocs build --strict", results):
        result = build_html(config)
    if result.returncode != 0:
        print(result.stdout + result.stderr)
        return 1
    html = work / "site" / "site"
    total = sum(p.stat().st_size for p in html.rglob("*") if p.is_file())
    index = (html / "search" / "search_index.json").stat().st_size
    print(f"{'':<34} {total / 1e6:.0f} MB of HTML, search index {index / 1e6:.1f} MB")
    if args.zensical:
        built = zensical_build(work / "site", args.zensical.resolve(), results)
        if built is None:
            return 1
        for name, folder in (("mkdocs", html), ("zensical", built)):
            pages, megabytes = html_size(folder)
            seconds = results["mkdocs build --strict" if name == "mkdocs" else "zensical build"]
            print(f"{name:<10} {seconds:8.2f} s  {pages:6d} HTML pages  {megabytes:8.1f} MB")
        print(f"{'':<34} Zensical took {results['zensical build'] / results['mkdocs build --strict']:.2f}x "
              "the time of MkDocs")
    if not args.no_browser and CHROMIUM.exists():
        paths = [f"runbooks/{s.domain}/{s.id}/" for s in sops[:: max(1, len(sops) // 5)]][:5]
        figures = page_load(html, paths)
        warm = figures[:-1]
        print(f"SOP page in Chromium (warm cache)  load median {statistics.median(f['load'] for f in warm):.0f} ms, "
              f"DOMContentLoaded median {statistics.median(f['dcl'] for f in warm):.0f} ms, "
              f"page {warm[0]['bytes'] / 1e3:.0f} kB")
        print(f"SOP page in Chromium (cold cache)  load {figures[-1]['load']:.0f} ms, "
              f"DOMContentLoaded {figures[-1]['dcl']:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
