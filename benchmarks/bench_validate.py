"""`sopc validate` and `sopc build` on the generated 1,000-SOP library, against their floor and a peer, in one run.

Run: .venv/bin/python -m benchmarks.bench_validate [--count 1000] [--peer-count 300] [--no-build] [--no-peer]

Printed side by side, every figure from this run on this machine (shared
and noisy: read the ratios, and CPU time beside wall time):

- the corpus: files, lines, bytes, queries and conditions (total and distinct);
- the floor: PyYAML's C loader parsing the same files, in a process of its own;
- `sopc validate` with an empty results cache, then again on the unchanged
  library (all cached), then after one SOP is edited; wall and CPU time,
  the CPU time of each process that worked (how the work was spread over
  the cores: CPU over wall time says more about the machine's load than
  about sopc), and peak memory
  (proportional set size of the process and its workers, sampled every half second once it has run a few seconds);
- check-jsonschema (`--schemafile schema/sop.schema.json`) on the first
  `--peer-count` SOPs beside `sopc validate --no-cache` on the same files:
  run from `check-jsonschema` on PATH or from a virtualenv made for it under
  benchmarks/.data/ (never a dependency of sopc); skipped when it cannot be
  installed;
- `sopc build --no-site` (skills only) with an empty and with a warm results
  cache, then again on the unchanged library (every skill from the
  compiled-skill cache), then after one SOP's wording is edited (with the
  patch version and changelog entry that calls for).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.corpus import REPO, write_corpus

TODAY = "2026-11-22"
PEER_VENV = REPO / "benchmarks" / ".data" / "check-jsonschema-venv"
SOPC = [sys.executable, "-m", "compiler"]
SAMPLE_SECONDS = 0.5
"""How often memory and CPU are sampled. Reading /proc/PID/smaps_rollup walks a process's page tables: sampled
every 50 ms it took a tenth of a core from a two-core machine, slowing the measured command by as much."""


@dataclass(frozen=True, slots=True)
class Measured:
    wall: float
    cpu: float
    peak_mib: float
    status: int
    output: str
    split: tuple[float, ...] = ()
    """CPU seconds of each process that worked (the main one first, then its workers): how the work was
    spread over the cores, whatever the machine's load (CPU over wall time drops when other work shares them)."""


def _tree(pid: int) -> list[int]:
    """A process and its descendants."""
    found = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += _tree(int(child))
    except (OSError, ValueError):
        pass
    return found


def _pss_kib(pid: int) -> int:
    """Proportional set size of one process (shared pages counted once across the processes that share them)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, ValueError, IndexError):
        return 0


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Wall time, CPU time (with every worker), peak memory and output of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0]
    ticks: dict[int, int] = {}

    def sample() -> None:
        pause = 0.01  # doubled up to SAMPLE_SECONDS: a command of a quarter second is still seen at its peak
        while process.poll() is None:
            tree = _tree(process.pid)
            peak[0] = max(peak[0], sum(_pss_kib(pid) for pid in tree))
            ticks.update({pid: _cpu_ticks(pid) for pid in tree})
            time.sleep(pause)
            pause = min(pause * 2, SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    hertz = os.sysconf("SC_CLK_TCK")
    split = tuple(ticks[pid] / hertz for pid in sorted(ticks) if ticks[pid] > 0)  # pids grow: the main one first
    return Measured(wall, cpu, peak[0] / 1024, process.returncode, output, split)


def _corpus_figures(paths: list[Path]) -> str:
    """Files, lines, MB, and queries and conditions, total and distinct (read with the C loader, untimed)."""
    queries: list[str] = []
    conditions: list[str] = []
    size = lines = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        size, lines = size + len(text.encode()), lines + text.count("\n")
        data = yaml.load(text, Loader=yaml.CSafeLoader)
        conditions += [c["require"] for c in data.get("input_checks", [])]
        for step in data.get("steps", []):
            queries += [step["sql"]] if step.get("sql") else []
            conditions += [step["condition"]] if step.get("condition") else []
            conditions += [b["when"] for b in step.get("branches", []) if "when" in b]
    return (f"{len(paths):,} files, {lines:,} lines, {size / 1e6:.1f} MB; {len(queries):,} queries "
            f"({len(set(queries)):,} distinct), {len(conditions):,} conditions ({len(set(conditions)):,} distinct)")


def floor(paths: list[Path], cwd: Path) -> Measured:
    """PyYAML's C loader reading and parsing the same files, in a process of its own."""
    listing = cwd / "files.txt"
    listing.write_text("\n".join(str(p) for p in paths))
    program = ("import sys, yaml\n"
               "for name in open(sys.argv[1]).read().splitlines():\n"
               "    yaml.load(open(name, 'rb').read(), Loader=yaml.CSafeLoader)\n")
    return run([sys.executable, "-c", program, str(listing)], cwd)


def peer_command() -> list[str] | None:
    """check-jsonschema, from PATH or a virtualenv of its own (made once); None when it cannot be installed."""
    found = shutil.which("check-jsonschema")
    if found:
        return [found]
    binary = PEER_VENV / "bin" / "check-jsonschema"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True, capture_output=True)
        done = subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", "check-jsonschema"],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"check-jsonschema: not installable here ({done.stderr.strip().splitlines()[-1:]}), skipped")
            return None
    return [str(binary)]


def line(label: str, measured: Measured, against: Measured | None = None, note: str = "") -> None:
    ratio = f"{measured.wall / against.wall:6.2f}x wall {measured.cpu / against.cpu:6.2f}x CPU" if against else ""
    workers = f"{len(measured.split) - 1} workers" if len(measured.split) > 1 else "1 process"
    print(f"  {label:<38} {measured.wall:8.2f} s wall {measured.cpu:8.2f} s CPU  {measured.peak_mib:6.0f} MiB  "
          f"{ratio} {note}", flush=True)
    if len(measured.split) > 1:
        print(f"  {'':<38} {workers}, CPU s per process: {' + '.join(f'{t:.1f}' for t in measured.split)}")


def _ok(measured: Measured, what: str) -> Measured:
    if measured.status not in (0,):
        raise SystemExit(f"{what} failed ({measured.status}):\n{measured.output[-3000:]}")
    return measured


def edit_wording(path: Path) -> None:
    """Change an SOP's title and give it the patch version and changelog entry a wording change calls for."""
    text = path.read_text(encoding="utf-8")
    found = re.search(r'^version: "(\d+)\.(\d+)\.(\d+)"', text, re.MULTILINE)
    if found is None:
        raise SystemExit(f"{path}: no version to bump")
    major, minor, patch = found.groups()
    current, bumped = f"{major}.{minor}.{patch}", f"{major}.{minor}.{int(patch) + 1}"
    text = text.replace("title: ", "title: Revised ", 1).replace(f'version: "{current}"', f'version: "{bumped}"', 1)
    text = text.replace(f'  - {{version: "{current}"',
                        f'  - {{version: "{bumped}", date: "2026-12-05", change: A clearer title.}}\n'
                        f'  - {{version: "{current}"', 1)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--peer-count", type=int, default=300)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SOPC_CACHE", None)
    # sopc's bytecode, as an installed sopc has it (pip compiles it; PYTHONDONTWRITEBYTECODE may keep a checkout
    # without it, and every run would then compile its modules again).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "compiler")], check=True)
    validate = [*SOPC, "validate", "--today", TODAY, "sops"]
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "library"
        paths = write_corpus(root, args.count)
        print(f"corpus: {_corpus_figures(paths)}")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        base = floor(paths, Path(temp))
        line("PyYAML C loader, parse only (floor)", _ok(base, "the floor"))
        cold = _ok(run(validate, root, env), "validate")
        line("sopc validate, empty cache", cold, base, "(goal <= 2x)")
        warm = _ok(run(validate, root, env), "validate again")
        line("sopc validate, unchanged (all cached)", warm, None, f"(goal <= 0.3 s): {cold.wall / warm.wall:.0f}x faster")
        edited = paths[0]
        edited.write_text(edited.read_text(encoding="utf-8").replace("title: ", "title: Edited ", 1), encoding="utf-8")
        one = _ok(run(validate, root, env), "validate after an edit")
        line("sopc validate, one SOP edited", one)
        if not args.no_peer and (peer := peer_command()) is not None:
            small = Path(temp) / "peer"
            peer_paths = write_corpus(small, args.peer_count)
            them = run([*peer, "--schemafile", str(REPO / "schema" / "sop.schema.json"), *map(str, peer_paths)], small)
            if them.status != 0:
                print(f"check-jsonschema failed ({them.status}): {them.output[-500:]}")
            us = _ok(run([*SOPC, "validate", "--no-cache", "--today", TODAY, "sops"], small, env), "validate (peer)")
            line(f"check-jsonschema, {len(peer_paths)} SOPs (schema only)", them)
            line(f"sopc validate --no-cache, {len(peer_paths)} SOPs", us, them,
                 f"(goal: >= 5x faster): {them.wall / us.wall:.1f}x faster")
        if not args.no_build:
            build = [*SOPC, "build", "--no-site", "--root", str(root), "--today", TODAY]
            warm_build = _ok(run(build, root, env), "build with the cache validate left")
            shutil.rmtree(root / ".sopc-cache")
            shutil.rmtree(root / "skills")
            cold_build = _ok(run(build, root, env), "build")
            line("sopc build --no-site, empty cache", cold_build, base, "(goal <= 3x)")
            line("sopc build --no-site, validated before", warm_build, base)
            cached_build = _ok(run(build, root, env), "build again")
            line("sopc build --no-site, all cached", cached_build, base,
                 f"{cold_build.wall / cached_build.wall:.0f}x faster than with an empty cache")
            edit_wording(paths[1])
            edited_build = _ok(run(build, root, env), "build after an edit")
            line("sopc build --no-site, one SOP edited", edited_build, base)
    skills = re.findall(r"compiled (\d+) skills", cold_build.output) if not args.no_build else []
    if skills:
        print(f"  ({skills[0]} skills compiled)")


if __name__ == "__main__":
    main()
