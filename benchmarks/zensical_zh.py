"""Zensical builds both languages of the runbook site: an opt-in check, since Zensical is not in the lock.

Run: .venv/bin/python -m benchmarks.zensical_zh --zensical /path/to/zensical [--out DIR]

Writes the English and Chinese pages of the shipped library into a copy of
site/, builds site/mkdocs.yml and site/mkdocs.zh.yml with the given Zensical
(Material's successor; `pip install zensical` in another venv), and checks
that the Chinese wash-trading page is Chinese (its title, its query form,
the theme's words and the navigation) and that both pages carry the language
switcher. Prints the build times; exit 1 on any failure.
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compiler.check import check_files
from compiler.files import discover, read_all
from compiler.i18n.translation import translated_sops
from compiler.sitegen import render_site
from compiler.sitegen.project import copy_skeleton, repo_site
from compiler.sitegen.write import write_site

REPO = Path(__file__).resolve().parent.parent
WASH = "runbooks/market-abuse/wash-trading-linked-accounts/"
ENGLISH_ON_ZH = ("Fill in the queries", "Switch to dark mode", "Permanent link", "Market abuse", "Runbooks by severity")
"""English of the page generators, of mkdocs.yml's theme words and of the English navigation."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zensical", required=True, help="The zensical executable.")
    parser.add_argument("--out", help="Folder for the project (default: a temporary one).")
    args = parser.parse_args()
    today = datetime.date.today()
    with tempfile.TemporaryDirectory(prefix="zensical-") as scratch:
        project = Path(args.out or scratch) / "site"
        copy_skeleton(repo_site(), project)
        checked = check_files(read_all(discover([str(REPO / "sops")])), today)
        write_site(project / "docs", render_site(checked.sops, {}, today=today))
        zh = translated_sops(checked.sops, checked.documents, checked.translations, "zh")
        write_site(project / "docs-zh", render_site(zh, {}, today=today, lang="zh"))
        for config in ("mkdocs.yml", "mkdocs.zh.yml"):
            started = time.perf_counter()
            done = subprocess.run([args.zensical, "build", "-f", config], cwd=project, capture_output=True,
                                  text=True, timeout=1200, check=False)
            print(f"zensical build -f {config}: exit {done.returncode} in {time.perf_counter() - started:.1f} s")
            if done.returncode != 0:
                sys.exit(done.stdout + done.stderr)
        zh_page = (project / "site" / "zh" / WASH / "index.html").read_text(encoding="utf-8")
        en_page = (project / "site" / WASH / "index.html").read_text(encoding="utf-8")
        english_left = [w for w in ENGLISH_ON_ZH if w in zh_page]
        checks = {"Chinese title on /zh/": ">自成交与关联账户对敲" in zh_page,
                  "switcher to English on /zh/": 'hreflang="en"' in zh_page,
                  "switcher to Chinese on /": 'hreflang="zh"' in en_page,
                  "the query form in Chinese on /zh/": "填写查询" in zh_page,
                  f"no English UI words on /zh/ {english_left}": not english_left,
                  "two palette toggles on /zh/, as on /": zh_page.count('name="__palette"') == 2}
        for what, held in checks.items():
            print(f"{'ok  ' if held else 'FAIL'} {what}")
        sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
