"""`sopc test`: every SOP's scenarios through the runner, with a readable diff and branch coverage."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from compiler.model import Scenario
from compiler.runner import conditions
from compiler.runner.answers import GivenAnswers
from compiler.runner.coverage import Coverage, Included, coverage, credit, included
from compiler.runner.database import Database
from compiler.runner.engine import Engine
from compiler.runner.errors import RunError
from compiler.runner.events import EventLog
from compiler.runner.includes import SEPARATOR
from compiler.runner.inputs import checked_inputs
from compiler.runner.sparkconf import SparkOptions
from compiler.runner.state import RunState
from compiler.runner.values import to_json

TESTER = "sopc-test"
APPROVER = "scenario-approver"


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """One scenario: its run's state (None if it could not start) and every way it differed from the expectation."""

    sop: str
    name: str
    state: RunState | None
    differences: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """No differences."""
        return not self.differences


@dataclass(frozen=True, slots=True)
class SopResult:
    """The scenarios of one SOP and the branch coverage they reach."""

    sop: str
    scenarios: tuple[ScenarioResult, ...]
    coverage: Coverage
    included: tuple[Included, ...] = ()
    """The coverage these scenarios gave each SOP this one includes."""
    from_callers: frozenset[str] = frozenset()
    """Branches taken only inside the runs of SOPs that include this one (see credit_included)."""


def same(expected: Any, actual: Any) -> bool:
    """Equality for expectations: numbers within one part in a million, containers item by item."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual or (expected == actual and type(expected) is type(actual))
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(expected, actual, rel_tol=1e-6, abs_tol=1e-9)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(same(e, a) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(same(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


def _path_diff(expected: tuple[str, ...], actual: list[str]) -> str:
    at = next((i for i, (e, a) in enumerate(zip(expected, actual, strict=False)) if e != a),
              min(len(expected), len(actual)))
    want = " → ".join(expected[at:at + 3]) or "(end)"
    got = " → ".join(actual[at:at + 3]) or "(end)"
    return f"path differs at step {at + 1}: expected {want}, got {got}"


def compare(scenario: Scenario, engine: Engine) -> list[str]:
    """Every difference between what a scenario expects and what its run did."""
    state = engine.state
    out: list[str] = []
    if state.status != "completed":
        reason = state.error if state.status == "failed" else (state.waiting or {}).get("problems") or ""
        where = state.failed_step or (state.waiting or {}).get("step")
        out.append(f"run {state.status} at step {where}" + (f": {reason}" if reason else ""))
    elif state.outcome != scenario.outcome:
        out.append(f"outcome: expected {scenario.outcome}, got {state.outcome}")
    own = [step for step in state.path if SEPARATOR not in step]  # an included skill's steps are its own tests
    if scenario.path is not None and tuple(own) != scenario.path:
        out.append(_path_diff(scenario.path, own))
    activation = engine.activation()
    for expression, expected in scenario.values.items():
        try:
            actual = to_json(conditions.value(expression, activation))
        except RunError as err:
            out.append(f"{expression}: expected {expected!r}, but {err}")
            continue
        if not same(to_json(expected), actual):
            out.append(f"{expression}: expected {to_json(expected)!r}, got {actual!r}")
    return out


def run_scenario(skill: dict[str, Any], scenario: Scenario, database: Callable[[], Database],
                 folder: Path) -> ScenarioResult:
    """Run one scenario in folder and compare."""
    try:
        inputs = checked_inputs(scenario.inputs, skill)
    except Exception as err:  # a UsageError: the scenario's inputs do not fit
        refused_as_expected = scenario.refused and scenario.refused in str(err)
        differences = () if refused_as_expected else (
            (f"refused, but not with {scenario.refused!r}: {err}",) if scenario.refused else (str(err),))
        return ScenarioResult(skill["id"], scenario.name, None, differences)
    if scenario.refused:
        return ScenarioResult(skill["id"], scenario.name, None,
                              (f"expected a refusal containing {scenario.refused!r}, but the inputs were accepted",))
    try:
        db = database()
    except RunError as err:
        return ScenarioResult(skill["id"], scenario.name, None, (str(err),))
    try:
        log = EventLog.create(folder / "events.jsonl")
    except RunError as err:
        db.close()
        return ScenarioResult(skill["id"], scenario.name, None, (str(err),))
    try:
        engine = Engine(skill, db, GivenAnswers(scenario.answers, default_approvers=APPROVER), log, RunState(),
                        operator=TESTER)
        engine.begin(folder.name, inputs, "sha256:" + "0" * 64)  # the skill is compiled in memory, never a file
        engine.run()
        return ScenarioResult(skill["id"], scenario.name, engine.state, tuple(compare(scenario, engine)))
    finally:
        log.close()
        db.close()


def test_skill(skill: dict[str, Any], scenarios: tuple[Scenario, ...], demo: Callable[[], Database],
               out: Path | None = None, spark: SparkOptions | None = None) -> SopResult:
    """All scenarios of one skill, and its coverage (a scenario's own rows loaded on DuckDB, or on Spark)."""
    results = []
    with tempfile.TemporaryDirectory(prefix="sopc-test-") as scratch:
        base = out if out is not None else Path(scratch)
        for number, scenario in enumerate(scenarios, start=1):
            rows: Mapping[str, Any] = scenario.data
            make = demo if scenario.demo else partial(Database.from_rows, rows, spark=spark)
            folder = base / skill["id"] / f"{number:02d}"
            results.append(run_scenario(skill, scenario, make, folder))
    states = [r.state for r in results if r.state is not None and r.passed]
    return SopResult(skill["id"], tuple(results), coverage(skill, states), included(skill, states))


def credit_included(results: list[SopResult]) -> list[SopResult]:
    """Each SOP's coverage with the branches it took inside the runs of the SOPs that include it."""
    out = []
    for result in results:
        elsewhere = [inc.coverage for other in results for inc in other.included if inc.sop == result.sop]
        merged = credit(result.coverage, elsewhere)
        out.append(replace(result, coverage=merged, from_callers=merged.covered - result.coverage.covered))
    return out


def render(results: list[SopResult], min_coverage: float | None) -> tuple[str, bool]:
    """The text report of a test run and whether it passed."""
    lines: list[str] = []
    ok = True
    results = credit_included(results)
    for result in results:
        for scenario in result.scenarios:
            mark = "PASS" if scenario.passed else "FAIL"
            lines.append(f"{mark} {result.sop}: {scenario.name}")
            lines += [f"     {d}" for d in scenario.differences]
            ok &= scenario.passed
        cov = result.coverage
        taken = len(cov.branches) - len(cov.untested)
        below = min_coverage is not None and cov.percent + 1e-9 < min_coverage
        ok &= not below
        lines.append(f"     coverage {result.sop}: {taken}/{len(cov.branches)} branches ({cov.percent:.1f}%)"
                     + (f", below --min-coverage {min_coverage:g}" if below else ""))
        lines += [f"       untested: {branch}" for branch in cov.untested]
        if result.from_callers:
            lines.append(f"       {len(result.from_callers)} of them taken only inside the SOPs that include it")
        for inc in result.included:
            inner_taken = len(inc.coverage.branches) - len(inc.coverage.untested)
            lines.append(f"       includes {inc.sop} at {inc.step}: {inner_taken}/{len(inc.coverage.branches)} of its "
                         f"branches taken here, counted in the coverage of {inc.sop}")
    scenarios = [s for r in results for s in r.scenarios]
    failed = sum(not s.passed for s in scenarios)
    branches = sum(len(r.coverage.branches) for r in results)
    taken = sum(len(r.coverage.branches) - len(r.coverage.untested) for r in results)
    percent = 100.0 if not branches else 100.0 * taken / branches
    lines.append(f"{len(scenarios) - failed} passed, {failed} failed; {len(results)} SOPs; "
                 f"branch coverage {taken}/{branches} ({percent:.1f}%)")
    return "\n".join(lines) + "\n", ok
