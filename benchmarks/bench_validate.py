"""Measure `sopc validate` on generated libraries of 250, 500 and 1,000 SOPs.

Run: .venv/bin/python -m benchmarks.bench_validate
Prints wall time per library size and per SOP, side by side in one run, so
that the growth with library size can be read off directly (the machine is
shared and noisy: compare the ratios, not the absolute times).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import write_corpus

SIZES = (250, 500, 1000)
REPEATS = 3


def measure(root: Path) -> float:
    """Best of REPEATS wall times of one `sopc validate` process, in seconds."""
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "compiler", "validate", "--today", "2026-11-22", "sops"],
                              cwd=root, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"validate failed on the generated library:\n{done.stdout[-2000:]}")
    return best


def main() -> None:
    print(f"{'SOPs':>6} {'seconds':>8} {'ms/SOP':>7}")
    rows = []
    with tempfile.TemporaryDirectory() as temp:
        for size in SIZES:
            root = Path(temp) / f"lib{size}"
            write_corpus(root, size)
            seconds = measure(root)
            rows.append((size, seconds))
            print(f"{size:>6} {seconds:>8.2f} {seconds / size * 1000:>7.2f}", flush=True)
    (small, t_small), (large, t_large) = rows[0], rows[-1]
    print(f"growth: {large / small:.1f}x SOPs took {t_large / t_small:.2f}x time "
          f"(linear would be {large / small:.1f}x)")


if __name__ == "__main__":
    main()
