"""`sopc validate` and `sopc new` end to end, the schema's own quality, and installability."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from compiler.cli import cli
from compiler.project import SITE_FILES

REPO = Path(__file__).resolve().parent.parent


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_shipped_library_is_clean() -> None:
    code, output = invoke("validate", "--strict", str(REPO / "sops"))
    assert code == 0, output
    shipped = len(list((REPO / "sops").rglob("*.yaml")))
    assert shipped >= 11 and output.startswith(f"no problems in {shipped} files")


def test_json_format_is_machine_readable(tmp_path: Path) -> None:
    bad = tmp_path / "broken-sop.yaml"
    bad.write_text("# yaml-language-server: $schema=x\nid: broken-sop\nversion: 1.10\n")
    code, output = invoke("validate", "--format", "json", str(bad))
    assert code == 1
    payload = json.loads(output)
    assert payload["errors"] == len(payload["diagnostics"]) > 0
    version = next(d for d in payload["diagnostics"] if d["pointer"] == "/version")
    assert (version["code"], version["line"], version["col"]) == ("SOP104", 3, 10)
    assert version["hint"].startswith("quote it")


@pytest.mark.parametrize("args", [["validate", "no/such/path"], ["validate", "--format", "xml", "sops"],
                                  ["new", "Bad_Id", "--domain", "p2p", "--title", "x y z"], ["nonsense"]])
def test_usage_errors_exit_2_without_traceback(args: list[str], tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "compiler", *args], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_new_writes_a_valid_draft_and_never_overwrites(tmp_path: Path) -> None:
    root = tmp_path / "sops"
    args = ["new", "spoofing-layering", "--domain", "market-abuse", "--title", "Spoofing and layering", "--root", str(root)]
    code, output = invoke(*args)
    assert code == 0, output
    path = root / "market-abuse" / "spoofing-layering.yaml"
    assert path.read_text().startswith("# yaml-language-server: $schema=")
    code, output = invoke("validate", "--strict", str(root))
    assert (code, output) == (0, "no problems in 1 file\n")
    path.write_text(path.read_text() + "# edited\n")
    before = path.read_bytes()
    done = subprocess.run([sys.executable, "-m", "compiler", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, check=False)
    assert done.returncode == 2 and "already exists" in done.stderr
    assert path.read_bytes() == before


def _walk_properties(schema: Any, where: str, found: list[str]) -> None:
    if isinstance(schema, dict):
        for name, sub in schema.get("properties", {}).items():
            if isinstance(sub, dict) and not ({"title", "description"} <= sub.keys()):
                found.append(f"{where}/properties/{name}")
        for key, value in schema.items():
            if key != "if":  # conditions name properties without documenting them again
                _walk_properties(value, f"{where}/{key}", found)
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            _walk_properties(value, f"{where}/{index}", found)


@pytest.mark.parametrize("name", ["sop.schema.json", "skill.schema.json", "translation.schema.json",
                                  "glossary.schema.json"])
def test_every_schema_field_has_a_title_and_description(name: str) -> None:
    missing: list[str] = []
    _walk_properties(json.loads((REPO / "schema" / name).read_text()), "#", missing)
    assert missing == []


def test_every_sop_file_starts_with_the_schema_modeline() -> None:
    """SOPs name the SOP schema, translations (<id>.<lang>.yaml) the translation schema, the glossary its own."""
    for path in (REPO / "sops").rglob("*.yaml"):
        first = path.read_text().splitlines()[0]
        schema = "translation" if path.name.count(".") == 2 else "sop"
        if path.name == "glossary.yaml":
            assert first == "# yaml-language-server: $schema=../schema/glossary.schema.json"
            continue
        assert first == f"# yaml-language-server: $schema=../../schema/{schema}.schema.json", path


@pytest.mark.slow
def test_installed_package_carries_its_schemas_and_site(tmp_path: Path) -> None:
    """pip install . into a fresh venv, then validate and start a project from a folder that is not the repository."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", str(REPO)], check=True,
                   capture_output=True)
    # Dependencies come from the test environment's site-packages, not from the repository.
    site = next(Path(p) for p in sys.path if p.endswith("site-packages"))
    (next((venv / "lib").glob("python*/site-packages")) / "deps.pth").write_text(f"{site}\n")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "lib" / "market-abuse").mkdir(parents=True)
    source = REPO / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml"
    (elsewhere / "lib" / "market-abuse" / source.name).write_bytes(source.read_bytes())
    included = REPO / "sops" / "user-risk" / "linked-account-group.yaml"  # the wash-trading SOP includes it
    (elsewhere / "lib" / "user-risk").mkdir()
    (elsewhere / "lib" / "user-risk" / included.name).write_bytes(included.read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(venv / "bin" / "sopc"), "validate", "lib"], cwd=elsewhere, capture_output=True,
                          text=True, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import compiler.resources as r; print(r._schema_dir())"], cwd=elsewhere,
                           capture_output=True, text=True, env=env, check=True).stdout
    assert str(venv) in where, f"schemas were not read from the installed package: {where}"
    made = subprocess.run([str(venv / "bin" / "sopc"), "init", "desk"], cwd=elsewhere, capture_output=True,
                          text=True, env=env, check=False)
    assert made.returncode == 0 and "wrote 16 files" in made.stdout, made.stdout + made.stderr
    for name in SITE_FILES:  # the site's own files ship in the package, as they are in site/
        assert (elsewhere / "desk" / "site" / name).read_bytes() == (REPO / "site" / name).read_bytes(), name
