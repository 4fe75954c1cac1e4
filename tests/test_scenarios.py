"""`sopc test`: scenarios through the runner, readable differences, branch coverage and --min-coverage."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from runner_fixtures import PROBE

from compiler.cli import cli
from compiler.runner.scenarios import same

PASSING = """\
tests:
  - name: material self-trading is escalated
    data:
      trades:
        - {trade_id: T1, symbol: BTCUSDT, ts: "2026-01-05T01:00:00Z", price: 50000, qty: 1, notional_usd: 50000, maker_account_id: A1, taker_account_id: A1, taker_side: buy}
    inputs: {account_id: A1}
    answers:
      review: {note: Mirrored orders., mirrored: true}
      escalate: {approved: true}
      restrict: {approved: true}
    expect:
      outcome: escalated
      path: [self_volume, known, assess, review, escalate, restrict]
      values: {"self_volume.rows[0].self_usd": 50000, "assess.branch": material, "known.passed": true}
"""

WRONG = """\
  - name: an account with no trades is wrongly expected to escalate
    inputs: {account_id: A9}
    expect:
      outcome: escalated
      path: [self_volume, known, assess, review, escalate, restrict]
      values: {"self_volume.rows[0].trades": 3}
"""


def library(tmp_path: Path, tests: str) -> Path:
    folder = tmp_path / "sops" / "market-abuse"
    folder.mkdir(parents=True)
    text = PROBE.replace("changelog:", tests + "changelog:")
    (folder / "probe-self-trading.yaml").write_text(text)
    return tmp_path / "sops"


def sopc_test(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["test", "--today", "2026-11-22", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def test_a_passing_scenario_and_the_branches_it_leaves_untested(tmp_path: Path) -> None:
    status, output = sopc_test(str(library(tmp_path, PASSING)))
    assert status == 0, output
    assert "PASS probe-self-trading: material self-trading is escalated" in output
    assert "coverage probe-self-trading: 3/6 branches (50.0%)" in output
    for branch in ("known → fail", "assess → otherwise", "outcome no_action"):
        assert f"untested: {branch}" in output


def test_min_coverage_fails_below_the_bar(tmp_path: Path) -> None:
    sops = library(tmp_path, PASSING)
    assert sopc_test(str(sops), "--min-coverage", "50")[0] == 0
    assert sopc_test(str(sops), "--min-coverage", "50.1")[0] == 1
    status, output = sopc_test(str(sops), "--min-coverage", "100")
    assert status == 1 and "below --min-coverage 100" in output


def test_a_failing_scenario_shows_what_differs(tmp_path: Path) -> None:
    status, output = sopc_test(str(library(tmp_path, PASSING + WRONG)))
    assert status == 1
    assert "FAIL probe-self-trading: an account with no trades is wrongly expected to escalate" in output
    assert "outcome: expected escalated, got no_action" in output
    assert "path differs at step 3: expected assess → review → escalate, got (end)" in output
    assert "self_volume.rows[0].trades: expected 3, got 0" in output
    assert "1 passed, 1 failed" in output


def test_a_scenario_stuck_at_a_gate_says_where(tmp_path: Path) -> None:
    stuck = PASSING.replace("      restrict: {approved: true}\n", "")
    status, output = sopc_test(str(library(tmp_path, stuck)))
    assert status == 1 and "run awaiting_approval at step restrict" in output


def test_an_invalid_library_is_not_run(tmp_path: Path) -> None:
    broken = PASSING.replace("data:\n      trades:", "data:\n      trade:")
    status, output = sopc_test(str(library(tmp_path, broken)))
    assert status == 1 and "SOP703" in output and "PASS" not in output


REFUSALS = """\
  - name: a blocked account is refused
    inputs: {account_id: BLOCKED}
    expect: {refused: on the test block list}
  - name: a refusal that does not come
    inputs: {account_id: A1}
    expect: {refused: on the test block list}
  - name: a refusal for another reason than expected
    inputs: {account_id: BLOCKED}
    expect: {refused: must end after it starts}
"""
CHECKED = """\
input_checks:
  - require: inputs.account_id != "BLOCKED"
    message: The account is on the test block list.
thresholds:
"""


def test_a_scenario_can_expect_the_run_to_be_refused(tmp_path: Path) -> None:
    sops = library(tmp_path, PASSING + REFUSALS)
    sop = sops / "market-abuse" / "probe-self-trading.yaml"
    sop.write_text(sop.read_text().replace("thresholds:\n", CHECKED, 1))
    status, output = sopc_test(str(sops))
    assert status == 1
    assert "PASS probe-self-trading: a blocked account is refused" in output
    assert "expected a refusal containing 'on the test block list', but the inputs were accepted" in output
    assert "refused, but not with 'must end after it starts': inputs do not fit the skill: The account is on the " \
           "test block list." in output
    assert "2 passed, 2 failed" in output
    assert "coverage probe-self-trading: 3/6 branches (50.0%)" in output  # refusals run no branch


def test_a_decision_branch_without_a_label_is_named_by_its_place(tmp_path: Path) -> None:
    sops = library(tmp_path, PASSING.replace('"assess.branch": material', '"assess.branch": branch 1'))
    sop = sops / "market-abuse" / "probe-self-trading.yaml"
    sop.write_text(sop.read_text().replace("      - label: material\n        when:", "      - when:", 1))
    status, output = sopc_test(str(sops))
    assert status == 0, output
    assert "untested: assess → otherwise" in output and "assess → branch 1" not in output


@pytest.mark.parametrize(("expected", "actual", "equal"), [
    (0.2, 0.2000000001, True), (0.2, 0.2001, False), (1, 1.0, True), (True, 1, False), ("a", "a", True),
    ([1, 2], [1, 2.0], True), ({"a": 1}, {"a": 1, "b": 2}, False), (None, None, True),
])
def test_expected_values_match_numbers_within_a_part_in_a_million(expected: object, actual: object,
                                                                  equal: bool) -> None:
    assert same(expected, actual) is equal
