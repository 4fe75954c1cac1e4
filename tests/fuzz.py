"""Seeded mutation fuzzing of what sopc reads from people and files: SOPs, answers files and run folders.

    .venv/bin/python tests/fuzz.py --seconds 60 --seed 20261205      # what `make test` runs (test_fuzz.py)
    .venv/bin/python tests/fuzz.py --seconds 3600 --seed "$(date +%s)"   # nightly: an hour, a new seed

Three targets, taken in turn, each fed mutations (byte flips, YAML and JSON
syntax inserted, ranges deleted or repeated, lines spliced) of real inputs:

- validate: a mutated SOP from sops/ through `check_files`: never an
  exception, every diagnostic located at line and column >= 1;
- answers: a mutated answers file through `load_answers`: a mapping or a
  one-line UsageError;
- record: a run folder whose events.jsonl and report.json are mutated (and
  sometimes re-chained, as a forger would) through `verify`: a verdict,
  never an exception.

A case that breaks its property, or takes longer than 10 s, is a finding:
its bytes are saved under tests/artifacts/fuzz/ with the seed and case
number that make it again. The inputs are a function of the seed; how many
cases run depends on the time given.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from compiler.check import check_files  # noqa: E402
from compiler.files import UsageError  # noqa: E402
from compiler.runner.answers import load_answers  # noqa: E402
from compiler.runner.events import encode, line_hash  # noqa: E402
from compiler.runner.verify import verify  # noqa: E402

SLOW_S = 10.0
TOKENS = [b"&a ", b"*a", b"!!python/object/apply:os.system [id]", b"<<: ", b"{", b"}", b"[", b"]", b"'", b'"', b"\t",
          b"\x00", b"\xff", b"\xc3", b": ", b"- ", b"# ", b"|", b">", b"? ", b"---\n", b"...\n", b"%YAML 1.1\n",
          b"\\u0000", b"1e999", b"-0", b"NaN", b"null", b"true", b"[" * 200, b"{\"a\":" * 200, b"\n", b"\r\n",
          b"\xe2\x80\xa8", b"9" * 40, b"$(id)", b"`", b"\\", b"~", b"2026-01-05T00:00:00\x00Z"]


@dataclass
class Report:
    """What a fuzzing run did and found."""

    cases: dict[str, int] = field(default_factory=lambda: {"validate": 0, "answers": 0, "record": 0})
    findings: list[str] = field(default_factory=list)
    slowest_s: float = 0.0


def mutate(rng: random.Random, data: bytes, others: list[bytes]) -> bytes:
    """One to four random edits of data."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(out) + 1)
        kind = rng.randrange(6)
        if kind == 0 and out:
            out[min(at, len(out) - 1)] = rng.randrange(256)
        elif kind == 1:
            out[at:at] = rng.choice(TOKENS)
        elif kind == 2:
            out[at:at + rng.randint(1, 200)] = b""
        elif kind == 3:
            end = min(len(out), at + rng.randint(1, 400))
            out[at:at] = out[at:end] * rng.randint(1, 50)
        elif kind == 4 and others:
            lines = rng.choice(others).splitlines(keepends=True)
            out[at:at] = rng.choice(lines) if lines else b""
        else:
            lines = bytes(out).splitlines(keepends=True)
            rng.shuffle(lines)
            out = bytearray(b"".join(lines))
    return bytes(out)


def rechain(data: bytes) -> bytes:
    """The lines that parse as JSON objects, chained again: what a forger who knows the format would write."""
    previous, lines = "sha256:" + "0" * 64, []
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            event = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        if not isinstance(event, dict):
            continue
        try:
            line = encode({**event, "seq": number, "prev": previous})
        except (ValueError, TypeError):
            continue
        lines.append(line)
        previous = line_hash(line)
    return b"".join(line + b"\n" for line in lines)


def _sample_run(scratch: Path) -> Path:
    """A finished run of the probe skill, made once per fuzzing run."""
    from runner_fixtures import ANSWERS, make_db, probe_skill, trade

    from compiler.runner.answers import GivenAnswers
    from compiler.runner.database import Database
    from compiler.runner.run import start

    database = Database.open(make_db(scratch / "ring.duckdb", {"trades": [trade(1, "A1", "A1", 30000.0)]}))
    try:
        finished = start(probe_skill(), database, {"account_id": "A1"}, GivenAnswers(ANSWERS), scratch / "runs",
                         started_by="alex", run_id="sample")
    finally:
        database.close()
    return finished.folder


def run(seconds: float, seed: int, artifacts: Path | None = None) -> Report:
    """Fuzz for about so many seconds from this seed; findings are saved under artifacts."""
    rng = random.Random(seed)
    report = Report()
    sops = [p.read_bytes() for p in sorted((REPO / "sops").rglob("*.yaml"))]
    answers = [json.dumps({"review": {"note": "Mirrored orders.", "mirrored": True},
                           "escalate": {"approved": True, "by": ["dana", "lee"], "role": "risk-manager"}}).encode(),
               b"review: {note: Mirrored orders., mirrored: true}\nescalate:\n  approved: true\n  by: [dana, lee]\n"
               b"  role: risk-manager\n"]
    today = datetime.date(2026, 11, 22)
    with tempfile.TemporaryDirectory(prefix="sopc-fuzz-") as scratch_name:
        scratch = Path(scratch_name)
        sample = _sample_run(scratch)
        record, findings = (sample / "events.jsonl").read_bytes(), (sample / "report.json").read_bytes()

        def validate_case(number: int) -> Callable[[], None]:
            data = mutate(rng, rng.choice(sops), sops)

            def case() -> None:
                checked = check_files([(f"sops/fuzz/case-{number}.yaml", data)], today)
                bad = [d for d in checked.diagnostics if d.line < 1 or d.col < 1]
                if bad:
                    raise AssertionError(f"unlocated diagnostic: {bad[0]}")
            case.data = data  # type: ignore[attr-defined]
            return case

        def answers_case(number: int) -> Callable[[], None]:
            data = mutate(rng, rng.choice(answers), answers)
            path = scratch / f"answers-{number}.yaml"

            def case() -> None:
                path.write_bytes(data)
                try:
                    if not isinstance(load_answers(path), dict):
                        raise AssertionError("answers loaded as something other than a mapping")
                except UsageError as err:
                    if "\n" in str(err):
                        raise AssertionError(f"a message of several lines: {err}") from err
                finally:
                    path.unlink()
            case.data = data  # type: ignore[attr-defined]
            return case

        def record_case(number: int) -> Callable[[], None]:
            events = mutate(rng, record, [record])
            if rng.random() < 0.5:
                events = rechain(events)
            report_json = mutate(rng, findings, [findings]) if rng.random() < 0.3 else findings
            folder = scratch / f"run-{number}"

            def case() -> None:
                shutil.copytree(sample, folder)
                try:
                    (folder / "events.jsonl").write_bytes(events)
                    (folder / "report.json").write_bytes(report_json)
                    verdict = verify(folder)
                    if any("\n" in line for line in verdict.problems):
                        raise AssertionError("a problem of several lines")
                finally:
                    shutil.rmtree(folder)
            case.data = events  # type: ignore[attr-defined]
            return case

        makers = {"validate": validate_case, "answers": answers_case, "record": record_case}
        deadline = time.monotonic() + seconds
        number = 0
        while time.monotonic() < deadline:
            for target, make in makers.items():
                number += 1
                case = make(number)
                started = time.perf_counter()
                try:
                    case()
                    problem = None
                except Exception as err:  # any exception is the finding
                    problem = f"{type(err).__name__}: {str(err)[:300]}"
                elapsed = time.perf_counter() - started
                report.slowest_s = max(report.slowest_s, elapsed)
                if problem is None and elapsed > SLOW_S:
                    problem = f"took {elapsed:.1f} s"
                report.cases[target] += 1
                if problem is not None:
                    name = f"{target}-seed{seed}-case{number}"
                    report.findings.append(f"{name}: {problem}")
                    if artifacts is not None:
                        artifacts.mkdir(parents=True, exist_ok=True)
                        (artifacts / name).write_bytes(case.data)  # type: ignore[attr-defined]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=20261205)
    args = parser.parse_args()
    report = run(args.seconds, args.seed, REPO / "tests" / "artifacts" / "fuzz")
    print(json.dumps({"seed": args.seed, "cases": report.cases, "slowest_s": round(report.slowest_s, 2),
                      "findings": report.findings}, indent=2))
    sys.exit(1 if report.findings else 0)


if __name__ == "__main__":
    main()
