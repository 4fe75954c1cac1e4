"""The seeded fuzz target (tests/fuzz.py) for about a minute: validate, the answers loader and the record reader.

SOPC_FUZZ_SECONDS and SOPC_FUZZ_SEED change the length and the seed; the
nightly run is documented in tests/fuzz.py and the README.
"""

from __future__ import annotations

import os
from pathlib import Path

import fuzz

REPO = Path(__file__).resolve().parent.parent


def test_seeded_fuzzing_finds_nothing() -> None:
    seconds = float(os.environ.get("SOPC_FUZZ_SECONDS", "60"))
    seed = int(os.environ.get("SOPC_FUZZ_SEED", "20261205"))
    report = fuzz.run(seconds, seed, REPO / "tests" / "artifacts" / "fuzz")
    assert report.findings == [], report.findings
    assert all(count >= 3 for count in report.cases.values()), report.cases
