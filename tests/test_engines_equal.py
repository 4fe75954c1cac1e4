"""Proof that the library means the same on DuckDB and on Apache Spark.

Every scenario of every SOP runs twice through the real runner, once per
engine, on the same data (the demo exchange as Parquet files, or the
scenario's own rows): each query's columns, row count and rows must be equal
(in any order where the query has no ORDER BY; numbers to 1e-9 relative),
and so must each run's status, path and outcome. Spark runs in one session
for the whole test session (`runner_fixtures.SPARK`: local[2], 512 MB
driver, UI off, 2 shuffle partitions, interpreted evaluation), started by
the first scenario and kept by its query worker between scenarios; a query
that another scenario already ran on the same data with the same values is
not run on Spark again (`Remembered`).
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlglot
from runner_fixtures import SPARK
from sqlglot import exp

from compiler.check import check_files
from compiler.files import discover, read_all
from compiler.model import Scenario
from compiler.runner.database import Database, QueryResult
from compiler.runner.includes import steps_by_id
from compiler.runner.scenarios import ScenarioResult, run_scenario
from compiler.runner.worker import Limits
from compiler.skill.compile import compile_skill

ROOT = Path(__file__).resolve().parent.parent
REL_TOL = 1e-9


def _library() -> list[tuple[dict[str, Any], tuple[Scenario, ...]]]:
    paths = discover([str(ROOT / "sops")])
    files = [(path.relative_to(ROOT).as_posix(), data) for path, (_, data) in zip(paths, read_all(paths), strict=True)]
    checked = check_files(files, datetime.date(2026, 12, 5))
    assert checked.ok, [d.message for d in checked.diagnostics]
    library = {s.id: s for s in checked.sops}
    documents = {s.id: d for s, d in zip(checked.sops, checked.documents, strict=True)}
    pairs = sorted(zip(checked.sops, checked.documents, strict=True), key=lambda p: p[0].id)
    return [(compile_skill(sop, doc, library, documents), sop.tests) for sop, doc in pairs]


LIBRARY = _library()


LIMITS = Limits(timeout_s=900.0)
"""The default limits but time: on a loaded machine a Spark query of the tiny test data has taken over a minute,
and what is compared here is meaning (time limits are tested in test_spark_runner)."""


class Remembered(Database):
    """Spark, answering a query it was asked before on the same data with the same values (by another scenario:
    30 of the library's 639 queries) as it answered it then, rather than running it again."""

    answers: ClassVar[dict[str, QueryResult]] = {}
    data = ""
    """The data queried: the demo exchange, or a scenario's rows."""

    def query_step(self, sql: Mapping[str, Any], parameters: Mapping[str, Any]) -> QueryResult:
        key = json.dumps([self.data, sql["text"], parameters], sort_keys=True, default=repr)
        if key not in self.answers:
            self.answers[key] = super().query_step(sql, parameters)
        return self.answers[key]


def _run(engine: str, skill: dict[str, Any], scenario: Scenario, demo: Path, folder: Path) -> ScenarioResult:
    def make() -> Database:
        if engine == "duckdb":
            return Database.open(demo, LIMITS) if scenario.demo else Database.from_rows(scenario.data, LIMITS)
        database = Remembered.open(demo, LIMITS, spark=SPARK) if scenario.demo \
            else Remembered.from_rows(scenario.data, LIMITS, spark=SPARK)
        database.data = "demo" if scenario.demo else json.dumps(scenario.data, sort_keys=True, default=repr)
        return database
    return run_scenario(skill, scenario, make, folder / engine)


def ordered(sql: str) -> bool:
    """Whether the query's own result has an ORDER BY (then row order must match too)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    return isinstance(tree, exp.Query) and tree.args.get("order") is not None


def equal(a: Any, b: Any) -> bool:
    """Values equal as the record holds them: numbers to 1e-9 relative, containers item by item."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(v, b[k]) for k, v in a.items())
    return bool(a == b)


def _sort_key(row: Mapping[str, Any]) -> str:
    """A key that puts equal rows of both engines side by side (numbers rounded well inside the tolerance)."""
    def rounded(value: Any) -> Any:
        if isinstance(value, float):
            return float(f"{value:.6g}")
        if isinstance(value, list):
            return [rounded(v) for v in value]
        return value
    return json.dumps({k: rounded(v) for k, v in row.items()}, sort_keys=True, default=str)


def differences(skill: dict[str, Any], duck: ScenarioResult, spark: ScenarioResult) -> list[str]:
    """How the Spark run differs from the DuckDB run (empty when they agree)."""
    if duck.state is None or spark.state is None:
        return [] if duck.differences == spark.differences else [f"{duck.differences} != {spark.differences}"]
    found = [f"{what}: duckdb {a!r}, spark {b!r}" for what, a, b in (
        ("status", duck.state.status, spark.state.status), ("outcome", duck.state.outcome, spark.state.outcome),
        ("path", duck.state.path, spark.state.path), ("error", duck.state.error, spark.state.error))
        if a != b]
    steps = steps_by_id(skill)  # included skills' steps too, by qualified id
    for step_id, result in duck.state.results.items():
        if "sql" not in steps[step_id]:
            continue
        other = spark.state.results.get(step_id, {})
        names = [c[0] for c in duck.state.columns.get(step_id, [])]
        other_names = [c[0] for c in spark.state.columns.get(step_id, [])]
        rows, other_rows = result["rows"], other.get("rows", [])
        if not ordered(steps[step_id]["sql"]["text"]):
            rows, other_rows = sorted(rows, key=_sort_key), sorted(other_rows, key=_sort_key)
        if names != other_names or result["row_count"] != other.get("row_count") or not equal(rows, other_rows):
            found.append(f"{step_id}: duckdb {names} {result['row_count']} rows {rows[:3]}, "
                         f"spark {other_names} {other.get('row_count')} rows {other_rows[:3]}")
    return found


@pytest.mark.parametrize(("skill", "scenarios"), [pytest.param(s, t, id=s["id"]) for s, t in LIBRARY])
def test_every_scenario_means_the_same_on_duckdb_and_spark(
        skill: dict[str, Any], scenarios: tuple[Scenario, ...], demo_parquet: Path, tmp_path: Path) -> None:
    problems: list[str] = []
    queries = 0
    for number, scenario in enumerate(scenarios, start=1):
        folder = tmp_path / f"{number:02d}"
        duck = _run("duckdb", skill, scenario, demo_parquet, folder)
        spark = _run("spark", skill, scenario, demo_parquet, folder)
        assert duck.passed, (scenario.name, duck.differences)  # the comparison means something only then
        problems += [f"{scenario.name}: {d}" for d in differences(skill, duck, spark)]
        queries += sum("sql" in s for s in steps_by_id(skill).values() if duck.state and s["id"] in duck.state.results)
    assert not problems, "\n".join(problems)
    assert queries > 0 or all(s.refused for s in scenarios)


def test_the_comparison_sees_a_difference() -> None:
    """The equality check itself: a row order, a number past the tolerance and a list item are differences."""
    assert equal([{"x": 1.0}], [{"x": 1.0 + 1e-12}])
    assert not equal([{"x": 1.0}], [{"x": 1.0 + 1e-6}])
    assert not equal([{"ids": ["a", "b"]}], [{"ids": ["b", "a"]}])
    assert not equal(True, 1)
    assert ordered("SELECT a FROM t ORDER BY a") and not ordered("WITH x AS (SELECT a FROM t ORDER BY a) SELECT a FROM x")
