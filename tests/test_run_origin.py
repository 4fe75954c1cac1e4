"""`sopc run --alert FILE | --alert-id ID, --case-id ID`: the alert and case a run is for, recorded and reported.

The shipped wash-trading skill runs on its SOP's first scenario (a two-account
ring) through the real CLI. The alert and the case are in the record's first
event, so report.json, report.md and report.html name them, a resume keeps
them, and `sopc verify` rebuilds the same reports from the record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from runner_fixtures import make_db

from compiler.cli import cli
from compiler.files import UsageError
from compiler.runner.events import read_events
from compiler.runner.origin import origin
from compiler.runner.state import replay

ROOT = Path(__file__).resolve().parent.parent
SOP = ROOT / "sops" / "market-abuse" / "wash-trading-linked-accounts.yaml"
ALERT = {"id": "ALR-7731", "name": "wash_trade_ring_detected", "ts": "2026-01-06T00:05:00Z",
         "payload": {"subject": {"account_id": "A1001"},
                     "window": {"start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z"}}}


@pytest.fixture(scope="module")
def ring(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = yaml.safe_load(SOP.read_text(encoding="utf-8"))["tests"][0]
    return make_db(tmp_path_factory.mktemp("ring") / "ring.duckdb", scenario["data"])


def _run(ring: Path, tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["run", "wash-trading-linked-accounts", "--skills", str(ROOT / "skills"),
                                    "--db", str(ring), "--out", str(tmp_path / "runs"), "--by", "alex",
                                    "--no-prompt", "--run-id", "r", *args])


def _alert_file(tmp_path: Path, alert: dict[str, Any], name: str = "alert") -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(alert), encoding="utf-8")
    return str(path)


def test_an_alert_file_gives_the_inputs_and_the_report_names_alert_and_case(ring: Path, tmp_path: Path) -> None:
    result = _run(ring, tmp_path, "--alert", _alert_file(tmp_path, ALERT), "--case-id", "CM-2026-0117")
    assert result.exit_code == 4, result.output  # paused at the agent's narrative
    folder = tmp_path / "runs" / "r"
    first = read_events(folder / "events.jsonl")[0][0]
    assert first["alert"] == {"id": "ALR-7731", "name": "wash_trade_ring_detected", "ts": "2026-01-06T00:05:00Z"}
    assert first["case_id"] == "CM-2026-0117"
    assert first["inputs"]["account_id"] == "A1001"
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["alert"]["id"] == "ALR-7731" and report["case_id"] == "CM-2026-0117"
    reviewed = "alert ALR-7731 (wash_trade_ring_detected, raised 2026-01-06 00:05 UTC); case CM-2026-0117."
    assert reviewed in (folder / "report.md").read_text(encoding="utf-8")
    assert "alert ALR-7731 (wash_trade_ring_detected, raised 2026-01-06 00:05 UTC); case CM-2026-0117." in \
        (folder / "report.html").read_text(encoding="utf-8")
    assert "symbol BTCUSDT (2 trades)" in report["summary"]

    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"draft_narrative": {"narrative": "A1001 and A1002 traded 50,000 USD.",
                                                           "replay_focus": "Two trades."}}), encoding="utf-8")
    resumed = CliRunner().invoke(cli, ["run", "--resume", str(folder), "--answers", str(answers), "--by", "alex",
                                       "--db", str(ring), "--no-prompt"])
    assert resumed.exit_code == 4, resumed.output  # now at the analyst's replay
    state = replay(read_events(folder / "events.jsonl")[0])
    assert state.alert["id"] == "ALR-7731" and state.case_id == "CM-2026-0117"
    assert reviewed in (folder / "report.md").read_text(encoding="utf-8")
    verified = CliRunner().invoke(cli, ["verify", str(folder)])
    assert verified.exit_code == 0, verified.output


def test_inputs_and_an_alert_id_without_a_case(ring: Path, tmp_path: Path) -> None:
    result = _run(ring, tmp_path, "-i", "account_id=A1001", "-i", "start_ts=2026-01-05T00:00:00Z",
                  "-i", "end_ts=2026-01-06T00:00:00Z", "--alert-id", "ALR-9")
    assert result.exit_code == 4, result.output
    text = (tmp_path / "runs" / "r" / "report.md").read_text(encoding="utf-8")
    assert "; alert ALR-9; no case id." in text


def test_a_run_for_no_alert_says_so(ring: Path, tmp_path: Path) -> None:
    result = _run(ring, tmp_path, "-i", "account_id=A1001", "-i", "start_ts=2026-01-05T00:00:00Z",
                  "-i", "end_ts=2026-01-06T00:00:00Z")
    assert result.exit_code == 4, result.output
    report = json.loads((tmp_path / "runs" / "r" / "report.json").read_text(encoding="utf-8"))
    assert "alert" not in report and "case_id" not in report
    assert "no alert or case id was recorded" in report["summary"]


@pytest.mark.parametrize(("args", "message"), [
    (["--alert", "ALERT", "-i", "account_id=A1001"], "not both"),
    (["--alert", "ALERT", "--alert-id", "X"], "the alert file names the alert"),
    (["--alert", "ALERT", "--case-id", "a\x1bb"], "case id must be text of 1 to 128 printable characters"),
    (["--alert", "BAD_TS"], "the alert's ts must be an RFC 3339 timestamp"),
    (["--alert", "OTHER_NAME"], "has no trigger for alert 'price_spike_15m'"),
    (["--alert", "NOT_JSON"], "is not JSON"),
    (["--alert", "MISSING"], "no alert file"),
    (["--alert-id", "x" * 129, "-i", "account_id=A1001"], "alert's id must be text of 1 to 128"),
])
def test_bad_alert_or_case_is_one_line_and_starts_nothing(ring: Path, tmp_path: Path, args: list[str],
                                                           message: str) -> None:
    files = {"ALERT": _alert_file(tmp_path, ALERT), "BAD_TS": _alert_file(tmp_path, {**ALERT, "ts": "yesterday"}, "bad-ts")}
    if "OTHER_NAME" in args:
        files["OTHER_NAME"] = _alert_file(tmp_path, {**ALERT, "name": "price_spike_15m"}, "other")
    if "NOT_JSON" in args:
        (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
        files["NOT_JSON"] = str(tmp_path / "bad.json")
    files["MISSING"] = str(tmp_path / "nowhere.json")
    result = _run(ring, tmp_path, *[files.get(a, a) for a in args], "-i", "start_ts=2026-01-05T00:00:00Z",
                  "-i", "end_ts=2026-01-06T00:00:00Z") if "-i" in args else \
        _run(ring, tmp_path, *[files.get(a, a) for a in args])
    # a UsageError: `sopc` prints it as one line and exits 2 (compiler/cli.py, main)
    assert isinstance(result.exception, UsageError) and message in str(result.exception), result.output
    assert not (tmp_path / "runs" / "r").exists()


def test_a_resume_keeps_the_alert_and_case_it_started_with(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", "--resume", str(tmp_path), "--case-id", "CM-1", "--by", "alex"])
    assert isinstance(result.exception, UsageError) and "alert, case" in str(result.exception)


@pytest.mark.parametrize(("alert", "case", "expected"), [
    (None, None, {}),
    ({"id": "A-1"}, None, {"alert": {"id": "A-1"}}),
    ({"id": "A-1", "name": "n", "ts": "2026-01-06T00:05:00Z", "payload": {}}, "C-1",
     {"alert": {"id": "A-1", "name": "n", "ts": "2026-01-06T00:05:00Z"}, "case_id": "C-1"}),
    ({"name": "n"}, None, {"alert": {"name": "n"}}),
])
def test_origin_keeps_only_what_names_the_alert_and_case(alert: dict[str, Any] | None, case: str | None,
                                                         expected: dict[str, Any]) -> None:
    assert origin(alert, case) == expected
