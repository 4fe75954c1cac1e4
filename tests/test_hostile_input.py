"""Loader hardening: generated hostile inputs, so that no large or dangerous file is committed.

Each input goes through the real CLI in-process (`sopc validate --format json`).
The properties checked are the ones a hostile or broken file must never break:
the run ends with status 0 or 1 (never a usage error or an internal error),
no exception escapes, every diagnostic is located at line >= 1 and col >= 1,
nothing is constructed or executed, and nothing is expanded. The time limits
are a safety net against a hang or an exponential blow-up, not a benchmark.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from compiler.cli import cli
from compiler.yamlload import MAX_BYTES, MAX_DEPTH

ROOT = Path(__file__).resolve().parent.parent
VALID = (ROOT / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml").read_bytes()
MODELINE = b"# yaml-language-server: $schema=../../schema/sop.schema.json\n"
SAFETY_SECONDS = 10.0


def _validate(path: Path) -> tuple[int, dict[str, Any], float]:
    """Exit status, the JSON report and the wall time of one validate run."""
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["validate", "--today", "2026-11-22", "--format", "json", str(path),
                                      str(path.parents[1] / INCLUDED)])
    elapsed = time.perf_counter() - started
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"exception on {path.name}: {result.exception!r}") from result.exception
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    report: dict[str, Any] = json.loads(result.stdout)
    for d in report["diagnostics"]:
        assert d["line"] >= 1 and d["col"] >= 1, d
    return result.exit_code, report, elapsed


INCLUDED = "user-risk/linked-account-group.yaml"
"""The SOP the base includes: written beside every input, so that only the input itself can be at fault."""


def _write(tmp_path: Path, data: bytes, name: str = "wash-trading-linked-accounts.yaml") -> Path:
    target = tmp_path / "sops" / "market-abuse" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    included = tmp_path / "sops" / INCLUDED
    included.parent.mkdir(parents=True, exist_ok=True)
    included.write_bytes((ROOT / "sops" / INCLUDED).read_bytes())
    return target


def _codes(report: dict[str, Any]) -> list[str]:
    return [d["code"] for d in report["diagnostics"]]


def test_valid_sop_is_clean(tmp_path: Path) -> None:
    """The base of the mutations below validates without problems."""
    status, report, _ = _validate(_write(tmp_path, VALID))
    assert (status, report["diagnostics"]) == (0, [])


def test_two_mib_file_is_refused_unread(tmp_path: Path) -> None:
    """A 2 MiB file gets SOP002 alone: it is neither decoded nor parsed."""
    data = VALID + b"# " + b"x" * (2 * MAX_BYTES) + b"\n"
    status, report, elapsed = _validate(_write(tmp_path, data))
    assert status == 1
    assert _codes(report) == ["SOP002"]
    assert elapsed < SAFETY_SECONDS


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("flow sequences", b"edge_cases: " + b"[" * 10_000 + b"]" * 10_000 + b"\n"),
        ("flow mappings", b"edge_cases: " + b"{a: " * 10_000 + b"x" + b"}" * 10_000 + b"\n"),
        ("unclosed flow sequences", b"edge_cases: " + b"[" * 10_000 + b"\n"),
        # Block nesting needs one more space per level: 1,000 levels already take 500 KB.
        ("block mappings", b"".join(b" " * i + b"k:\n" for i in range(1_000)) + b" " * 1_000 + b"v\n"),
        ("block sequences", b"edge_cases:\n" + b"".join(b" " * i + b"-\n" for i in range(1, 1_000)) + b" " * 1_000 + b"x\n"),
    ],
)
def test_deep_nesting_is_refused_fast(tmp_path: Path, name: str, body: bytes) -> None:
    """Thousands of levels of nesting end in SOP010 (or a syntax error), never a RecursionError."""
    status, report, elapsed = _validate(_write(tmp_path, MODELINE + body))
    assert status == 1
    codes = _codes(report)
    assert codes and set(codes) <= {"SOP010", "SOP003"}, codes
    if "unclosed" not in name:
        assert codes == ["SOP010"], codes
        assert report["diagnostics"][0]["pointer"].count("/") <= MAX_DEPTH + 1
    assert elapsed < SAFETY_SECONDS, name


def test_alias_bomb_is_not_expanded(tmp_path: Path) -> None:
    """Billion laughs: 9 levels of 9 aliases (10^9 strings if expanded) cost one diagnostic per name."""
    lines = [MODELINE.decode().rstrip("\n"), "edge_cases:", '  - &a0 "lol lol lol"']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"  - &a{level} [{refs}]")
    data = ("\n".join(lines) + "\n").encode()
    status, report, elapsed = _validate(_write(tmp_path, data))
    assert status == 1
    refused = [d for d in report["diagnostics"] if d["code"] == "SOP006"]
    # Ten anchors and nine alias names: each reported once, however often it is used.
    assert len(refused) == 10 + 9, [d["message"] for d in refused]
    assert all("9 times" in d["hint"] for d in refused if d["message"].startswith("alias"))
    assert len(report["diagnostics"]) < 50
    assert elapsed < SAFETY_SECONDS


@pytest.mark.parametrize(
    "template",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        "!!python/object/apply:subprocess.check_call [[touch, {marker}]]",
        '!!python/object/new:os.system ["touch {marker}"]',
        "!!python/name:os.system",
        '!!python/module:os',
        '!!python/object/apply:builtins.exec ["open(\'{marker}\', \'w\').close()"]',
        '{{tool: !!python/object/apply:os.system ["touch {marker}"]}}',
    ],
)
def test_python_tags_are_refused_and_never_run(tmp_path: Path, template: str) -> None:
    """Python tags get SOP009 and construct nothing: the marker file is never created."""
    marker = tmp_path / "pwned"
    value = template.format(marker=marker)
    data = VALID.replace(b"title: Self-trade and linked-account wash trading\n", f"title: {value}\n".encode(), 1)
    assert data != VALID
    status, report, elapsed = _validate(_write(tmp_path, data))
    assert status == 1
    assert "SOP009" in _codes(report)
    assert not marker.exists()
    assert elapsed < SAFETY_SECONDS


def _mutations(seed: int, count: int) -> list[tuple[str, bytes]]:
    """Truncations, byte flips and line shuffles of the valid SOP, reproducibly."""
    rng = random.Random(seed)
    lines = VALID.split(b"\n")
    found: list[tuple[str, bytes]] = []
    for index in range(count):
        kind = index % 4
        if kind == 0:
            cut = rng.randrange(len(VALID))
            found.append((f"truncated at byte {cut}", VALID[:cut]))
        elif kind == 1:
            data = bytearray(VALID)
            for _ in range(rng.randint(1, 8)):
                # Mostly printable ASCII, so that most mutants get past decoding into the checks.
                data[rng.randrange(len(data))] = rng.randrange(256) if rng.random() < 0.25 else rng.randrange(32, 127)
            found.append(("byte flips", bytes(data)))
        elif kind == 2:
            shuffled = list(lines)
            start = rng.randrange(len(shuffled))
            window = shuffled[start:start + rng.randint(2, 12)]
            rng.shuffle(window)
            shuffled[start:start + len(window)] = window
            found.append((f"lines {start + 1}.. shuffled", b"\n".join(shuffled)))
        else:
            data = bytearray(VALID)
            at = rng.randrange(len(data))
            junk = bytes(rng.choice(b"\t\r\n :-[]{}&*!|>'\"#%@`,?\x00\xff\xc3") for _ in range(rng.randint(1, 6)))
            data[at:at] = junk
            found.append((f"{junk!r} inserted at byte {at}", bytes(data)))
    return found


def test_random_mutations_never_crash(tmp_path: Path) -> None:
    """200 seeded mutations: exit 0 or 1, no exception, every diagnostic located at line, col >= 1."""
    slowest = 0.0
    for number, (what, data) in enumerate(_mutations(seed=20261122, count=200)):
        folder = tmp_path / f"m{number:03d}"
        try:
            _, _, elapsed = _validate(_write(folder, data))
        except AssertionError as err:
            raise AssertionError(f"mutation {number} ({what}): {err}") from err
        slowest = max(slowest, elapsed)
    assert slowest < SAFETY_SECONDS


def _replace(old: bytes, new: bytes) -> bytes:
    assert VALID.count(old) == 1, old
    return VALID.replace(old, new)


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("catastrophic pattern with a matching-hostile default",
         _replace(b'pattern: "^[A-Za-z0-9_-]+$"}', b'pattern: "^([A-Za-z0-9]+)+$", default: "' + b"a" * 5000 + b'!"}'),
         "SOP605"),
        ("condition nested 10,000 brackets deep",
         _replace(b"condition: subject_profile.row_count == 1",
                  b"condition: " + b"(" * 10_000 + b"subject_profile.row_count == 1" + b")" * 10_000),
         "SOP401"),
        ("condition with 20,000 negations",
         _replace(b"condition: subject_profile.row_count == 1 && !subject_profile",
                  b"condition: subject_profile.row_count == 1 && " + b"!" * 20_000 + b"subject_profile"),
         "SOP401"),
        ("SQL nested 10,000 parentheses deep",
         _replace(b"SELECT account_id, user_id,", b"SELECT " + b"(" * 10_000 + b"1" + b")" * 10_000 + b" AS x, account_id, user_id,"),
         "SOP301"),
        ("SQL with 20,000 unary minus signs",
         _replace(b"SELECT account_id, user_id,", b"SELECT " + b"- " * 20_000 + b"1 AS x, account_id, user_id,"),
         "SOP301"),
        ("a NUL byte", _replace(b"title: Self-trade", b"title: Self\x00trade"), "SOP003"),
    ],
)
def test_hostile_values_do_not_hang_or_recurse(tmp_path: Path, name: str, data: bytes, code: str) -> None:
    """Values that would make a regex, the CEL walker or the SQL parser hang or recurse get a diagnostic."""
    status, report, elapsed = _validate(_write(tmp_path, data))
    assert status == 1, name
    assert code in _codes(report), (name, _codes(report))
    assert elapsed < SAFETY_SECONDS, name
