"""validate finds every SQL error that `sopc test` would hit.

`sopc test` stops at validate's errors, so here the golden cases' skills are
compiled and their scenarios run through the real runner and DuckDB anyway:
every query step at which a run fails must be one that validate reports an
SQL error (SOP3xx) for, at that step's sql.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from compiler.check import check_files
from compiler.runner.database import Database
from compiler.runner.errors import RunError
from compiler.runner.scenarios import test_skill as run_scenarios
from compiler.skill.compile import compile_skill

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted(p for p in (ROOT / "tests" / "cases").iterdir() if (p / "sops").is_dir())
_SQL = re.compile(r"^/steps/(\d+)/sql$")


def _no_demo() -> Database:
    raise RunError("the demo exchange is not used here: the golden cases' scenarios bring their own rows")


def _failing_queries(case: Path) -> tuple[set[str], set[str]]:
    """(query steps at which a scenario run fails, query steps validate reports an SQL error for)."""
    files = [(str(p.relative_to(ROOT)), p.read_bytes()) for p in sorted((case / "sops").rglob("*.yaml"))]
    checked = check_files(files, datetime.date(2026, 11, 22))
    library = {s.id: s for s in checked.sops}
    failing: set[str] = set()
    for sop, doc in zip(checked.sops, checked.documents, strict=True):
        queries = {s.id for s in sop.steps if s.kind == "query" and s.sql}  # no sql at all: a key mistake (SOP1xx)
        unsafe = any(d.path == sop.path and d.code == "SOP605" for d in checked.diagnostics)
        if not queries or not sop.tests or unsafe or len({s.id for s in sop.steps}) != len(sop.steps):
            continue  # (a pattern that backtracks exponentially would hang the input check, as it should not run)
        try:
            skill = compile_skill(sop, doc, library)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # a model too broken to compile is not a run sopc test could make
        try:
            results = run_scenarios(skill, sop.tests, _no_demo).scenarios
        except (RunError, IndexError, KeyError):
            continue  # a step graph too broken to walk (validate reports it): no query is reached
        for result in results:
            state = result.state
            # DuckDB's own refusal or failure of the SQL, as the runner reports it.
            if state is not None and state.status == "failed" and state.failed_step in queries \
                    and re.match(r"query (failed|refused)", state.error or ""):
                failing.add(f"{sop.path}#{state.failed_step}")
    reported: set[str] = set()
    for d in checked.diagnostics:
        match = _SQL.match(d.pointer)
        sop = next((s for s in checked.sops if s.path == d.path), None)
        if match and d.code.startswith("SOP3") and sop is not None:
            reported.add(f"{d.path}#{sop.steps[int(match.group(1))].id}")
    return failing, reported


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_every_query_a_scenario_fails_on_is_reported(case: Path) -> None:
    failing, reported = _failing_queries(case)
    assert failing <= reported, f"sopc test fails at {sorted(failing - reported)}, validate says nothing there"


def test_the_binder_cases_fail_in_the_runner_too() -> None:
    """Not vacuous: the DuckDB binder's golden cases really fail when their scenarios run."""
    for name in ("sql-unknown-function", "sql-column-not-grouped", "sql-parameter-wrong-type",
                 "sql-ambiguous-column"):
        failing, reported = _failing_queries(ROOT / "tests" / "cases" / name)
        assert failing and failing <= reported, name
