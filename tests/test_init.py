"""`sopc init`: a new project folder whose first SOP builds into a site that MkDocs builds strictly."""

from __future__ import annotations

import fnmatch
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from runner_fixtures import REPO, SOPC

from compiler.project import EDITOR_SCHEMAS, SITE_FILES, skeleton
from compiler.sitegen.project import build_html, copy_skeleton, repo_site

ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def sopc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SOPC, *args], cwd=cwd, capture_output=True, text=True, env=ENV, timeout=300, check=False)


def test_a_new_project_builds_its_first_sop_into_a_strict_site(tmp_path: Path) -> None:
    made = sopc("init", "desk", cwd=tmp_path)
    assert made.returncode == 0 and "wrote 16 files in desk" in made.stdout, made.stdout + made.stderr
    project = tmp_path / "desk"
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()) == \
        sorted(name for name, _ in skeleton())
    assert (project / "sops").is_dir()
    new = sopc("new", "spoofing-first-look", "--domain", "market-abuse", "--title", "Spoofing, first look",
               cwd=project)
    assert new.returncode == 0, new.stderr
    sop = project / "sops" / "market-abuse" / "spoofing-first-look.yaml"
    modeline = sop.read_text(encoding="utf-8").splitlines()[0].split("$schema=")[1]
    assert (sop.parent / modeline).resolve() == (project / "schema" / "sop.schema.json").resolve()
    assert (sop.parent / modeline).is_file()  # the editor finds the schema the file names
    plain = sopc("build", cwd=project)  # a new SOP is a draft: not compiled, and off the site unless asked for
    assert plain.returncode == 0 and "compiled 0 skills" in plain.stdout, plain.stdout + plain.stderr
    assert "drafts not compiled: 1 SOP with status: draft (sopc build --drafts shows drafts on the site)" \
        in plain.stdout, plain.stdout
    built = sopc("build", "--drafts", cwd=project)
    assert built.returncode == 0 and "HTML: mkdocs build -f site/mkdocs.yml" in built.stdout, built.stdout + built.stderr
    html = build_html(project / "site" / "mkdocs.yml")
    assert html.returncode == 0 and "WARNING" not in html.stderr, html.stderr
    assert (project / "site" / "site" / "runbooks" / "market-abuse" / "spoofing-first-look" / "index.html").is_file()


def test_init_keeps_every_file_already_there(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "mkdocs.yml").write_text("site_name: Our own\n")
    (tmp_path / ".gitignore").write_text("secrets/\n")
    made = sopc("init", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "kept site/mkdocs.yml (already there)" in made.stdout and "kept .gitignore (already there)" in made.stdout
    assert "wrote 14 files in .; kept 2" in made.stdout
    assert (tmp_path / "site" / "mkdocs.yml").read_text() == "site_name: Our own\n"
    assert (tmp_path / ".gitignore").read_text() == "secrets/\n"
    again = sopc("init", cwd=tmp_path)
    assert again.returncode == 0 and "wrote 0 files in .; kept 16" in again.stdout, again.stdout


@pytest.mark.parametrize("in_the_way", ["site", "sops", "schema"])
def test_a_file_in_the_way_is_one_line_and_exit_2_before_any_file_is_written(tmp_path: Path, in_the_way: str) -> None:
    (tmp_path / in_the_way).write_text("not a folder\n")
    made = sopc("init", cwd=tmp_path)
    assert made.returncode == 2 and "Traceback" not in made.stderr, made.stderr
    assert made.stderr.strip() == f"sopc: cannot write in .: {in_the_way}: File exists", made.stderr
    assert (tmp_path / in_the_way).read_text() == "not a folder\n"
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [tmp_path / in_the_way]


def test_the_files_get_the_mode_of_any_new_file(tmp_path: Path) -> None:
    """Not mkstemp's 0600: a web server or a colleague on the same host reads the site's configuration."""
    made = subprocess.run(["sh", "-c", f"umask 027 && exec {sys.executable} -m compiler init desk"], cwd=tmp_path,
                          capture_output=True, text=True, env=ENV, timeout=300, check=False)
    assert made.returncode == 0, made.stderr
    modes = {stat.S_IMODE((tmp_path / "desk" / name).stat().st_mode) for name, _ in skeleton()}
    assert modes == {0o640}, sorted(oct(m) for m in modes)


def test_the_skeleton_is_the_sites_own_files_and_the_package_ships_them(tmp_path: Path) -> None:
    """A page added to site/ by hand is in SITE_FILES, and pyproject.toml's package data carries each."""
    copied = copy_skeleton(repo_site(), tmp_path).parent
    own = sorted(p.relative_to(copied).as_posix() for p in copied.rglob("*") if p.is_file())
    assert own == sorted(SITE_FILES)
    shipped = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert all(any(fnmatch.fnmatch(name, pattern) for pattern in shipped["compiler.site"]) for name in SITE_FILES)
    assert all(any(fnmatch.fnmatch(name, pattern) for pattern in shipped["compiler.schema"])
               for name in EDITOR_SCHEMAS)


def test_an_empty_folder_says_how_to_start_and_an_empty_library_how_to_write_one(tmp_path: Path) -> None:
    for command in ("validate", "test"):
        empty = sopc(command, cwd=tmp_path)
        assert empty.returncode == 2 and len(empty.stderr.strip().splitlines()) == 1, empty.stderr
        assert f"no sops/ folder in {tmp_path}" in empty.stderr and "sopc init, then sopc new ID" in empty.stderr
    assert sopc("init", cwd=tmp_path).returncode == 0
    for command in ("validate", "test"):
        bare = sopc(command, cwd=tmp_path)
        assert bare.returncode == 2, bare.stderr
        assert bare.stderr.strip() == "sopc: no SOP files (*.yaml) found in sops; write one with: " \
                                      "sopc new ID --domain DOMAIN --title TITLE", bare.stderr
