"""What translations cost `sopc validate`: the shipped library checked with and without its translations.

Run: .venv/bin/python -m benchmarks.bench_translations
Checks the eleven SOPs in process (check_files), alternating the two cases
REPEATS times, and prints the medians side by side with the translation
checks' share (the machine is shared and noisy: read the ratio).
"""

from __future__ import annotations

import datetime
import statistics
import time
from pathlib import Path

from compiler.check import check_files
from compiler.files import discover, is_sop_file, read_all

REPO = Path(__file__).resolve().parent.parent
REPEATS = 7
TODAY = datetime.date(2026, 11, 22)


def main() -> None:
    files = read_all(discover([str(REPO / "sops")]))
    english = [(path, data) for path, data in files if is_sop_file(Path(path))]
    times: dict[str, list[float]] = {"SOPs only": [], "SOPs + translations + glossary": []}
    for _ in range(REPEATS):
        for name, chosen in (("SOPs only", english), ("SOPs + translations + glossary", files)):
            start = time.perf_counter()
            checked = check_files(chosen, TODAY, strict=True)
            times[name].append(time.perf_counter() - start)
            assert checked.ok, name
    base, full = (statistics.median(t) for t in times.values())
    print(f"{len(english)} SOPs, {len(files) - len(english)} translation and glossary files, median of {REPEATS}")
    for name, value in zip(times, (base, full), strict=True):
        print(f"  {name:<32} {value * 1000:8.1f} ms")
    print(f"  translation checks: +{(full - base) * 1000:.1f} ms ({(full / base - 1) * 100:.1f}%)")


if __name__ == "__main__":
    main()
