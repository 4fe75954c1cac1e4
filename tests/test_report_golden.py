"""Golden reports: runs of the library's scenarios on demo data, their report.md and report.html byte for byte.

One run per SOP domain (each SOP family's shape: gates of one and two
approvers, agent and manual steps, otherwise branches, symbols and windows),
plus a run with signed approvals and one whose approval is refused. Runs use
the committed skills, a fixed clock and fixed run ids, so the reports are a
function of the scenario alone, except the hash of the record's last line:
the record keeps each query's elapsed time, so that hash is replaced by a
placeholder before comparing. To accept new output after a deliberate
change, rewrite the files and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_report_golden.py

A second test reads the prose of every golden report (code spans and hashes
aside) and fails on scientific notation, raw JSON or an unformatted number.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from compiler.approvers import Registry, check_registry
from compiler.check import check_files
from compiler.demo.generate import generate
from compiler.files import discover, read_all
from compiler.model import Scenario
from compiler.runner import signing
from compiler.runner.answers import GivenAnswers
from compiler.runner.approve import signed_approval, submit
from compiler.runner.database import Database
from compiler.runner.run import Finished, read_skill, resume, start
from compiler.runner.verify import verify

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "reports"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
NOW = datetime.datetime(2026, 12, 5, 9, 30, tzinfo=datetime.UTC)
APPROVERS = ["Dana Whitfield", "Lee Chan", "Sam Okafor"]
KEYS = {name: Ed25519PrivateKey.from_private_bytes(bytes([n + 11]) * 32) for n, name in enumerate(APPROVERS)}


@dataclass(frozen=True, slots=True)
class Golden:
    """A run whose reports are pinned."""

    name: str
    sop: str
    scenario: str
    signed: bool = False
    refuse: bool = False
    alert: dict[str, str] | None = None
    """The alert the run is started for (recorded, named in the summary)."""
    case_id: str | None = None


RUNS = [
    Golden("wash-ring-signed", "wash-trading-linked-accounts",
           "the injected device-sharing ring on demo data is escalated", signed=True,
           alert={"id": "ALR-20260106-0042", "name": "wash_trade_ring_detected", "ts": "2026-01-06T00:05:00Z"},
           case_id="CM-2026-0117"),
    Golden("wash-ring-refused", "wash-trading-linked-accounts",
           "the injected device-sharing ring on demo data is escalated", signed=True, refuse=True),
    Golden("wash-strangers-otherwise", "wash-trading-linked-accounts", "an account trading only with strangers is closed"),
    Golden("liquidation-attack", "liquidation-suicide-attack",
           "the injected linked-pair attack on the demo exchange is held and escalated to the MLRO",
           alert={"id": "ALR-20260106-0311", "name": "insurance_fund_drawdown"}),
    Golden("flash-crash-volatility", "flash-crash-response",
           "a sharp move that every index source follows on the demo exchange is closed as volatility"),
    Golden("sybil-farm", "sybil-campaign-farming",
           "the injected farm of twelve accounts under one referrer is actioned and referred to Compliance"),
    Golden("money-mule", "p2p-money-mule-review",
           "the injected money mule is escalated for a SAR with a hold and a P2P suspension", case_id="CM-2026-0203"),
    Golden("account-takeover", "account-takeover-response",
           "the injected takeover that drained 95% of the balance within 25 minutes is frozen and referred to Legal"),
    Golden("agent-qa-systematic", "agent-closed-alert-quality-review",
           "agent-wash-7's week of wash-trading closures has systematic errors on STP-spike alerts; auto-close is "
           "suspended"),
]


def clock() -> datetime.datetime:
    return NOW


def registry() -> Registry:
    lines = ["format: 1", "approvers:"]
    for name in APPROVERS:
        lines += [f"  - name: {name}", "    roles: [risk-manager]",
                  f"    public_key: \"{signing.public_text(KEYS[name].public_key())}\"",
                  "    valid_from: \"2026-01-01\"", "    valid_until: \"2027-12-31\""]
    found, problems = check_registry("approvers.yaml", ("\n".join(lines) + "\n").encode(), datetime.date(2026, 12, 5))
    assert found is not None, problems
    return found


@pytest.fixture(scope="module")
def scenarios() -> dict[tuple[str, str], Scenario]:
    checked = check_files(read_all(discover([str(ROOT / "sops")])), datetime.date(2026, 12, 5))
    return {(sop.id, s.name): s for sop in checked.sops for s in sop.tests}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    generate(path)
    return path


def _database(scenario: Scenario, demo: Path) -> Database:
    if scenario.demo:
        database = Database.open(demo)
        database.source = "demo.duckdb"  # the scratch folder's name would change every run
        return database
    return Database.from_rows(scenario.data)


def _run(golden: Golden, scenario: Scenario, demo: Path, out: Path) -> Finished:
    skill, raw = read_skill(ROOT / "skills" / golden.sop / "skill.json")
    answers = GivenAnswers(scenario.answers, default_approvers=None if golden.signed else "approver")
    database = _database(scenario, demo)
    try:
        kept = registry() if golden.signed else None
        finished = start(skill, database, dict(scenario.inputs), answers, out, started_by="analyst", run_id=golden.name,
                         clock=clock, raw=raw, registry=kept, alert=golden.alert, case_id=golden.case_id)
        while golden.signed and finished.state.status == "awaiting_approval":
            waiting = finished.state.waiting or {}
            for name in APPROVERS[: waiting.get("count", 1)]:
                submit(finished.folder, signed_approval(finished.folder, waiting["step"], KEYS[name], registry(),
                                                        approved=not golden.refuse, note=f"Signed by {name}.",
                                                        clock=clock), clock)
            finished = resume(finished.folder, answers, by="analyst", database=database, clock=clock, registry=kept)
        return finished
    finally:
        database.close()


@pytest.mark.parametrize("golden", RUNS, ids=[g.name for g in RUNS])
def test_report_is_exactly_the_golden_file(golden: Golden, scenarios: dict[tuple[str, str], Scenario], demo: Path,
                                           tmp_path: Path) -> None:
    finished = _run(golden, scenarios[(golden.sop, golden.scenario)], demo, tmp_path / "runs")
    expected_status = "approval_refused" if golden.refuse else "completed"
    assert finished.state.status == expected_status, finished.state.waiting or finished.state.error
    assert finished.report["outcome"] == ("approval_refused" if golden.refuse else finished.state.outcome)
    skill = read_skill(ROOT / "skills" / golden.sop / "skill.json")[0]
    jsonschema.Draft202012Validator(skill["findings_schema"]).validate(finished.report)
    verdict = verify(finished.folder, registry() if golden.signed else None)
    assert verdict.intact, verdict.problems
    head = finished.report["record"]["head"].encode()  # hashes query timings (elapsed_ms), so differs per run
    for name in ("report.md", "report.html"):
        produced = (finished.folder / name).read_bytes().replace(head, b"sha256:<the record's last line>")
        target = GOLDEN / golden.name / name
        if UPDATE:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(produced)
        assert produced == target.read_bytes(), f"{name} of {golden.name} differs; UPDATE_GOLDEN=1 rewrites it"


def _prose(text: str) -> Iterator[tuple[int, str]]:
    """Lines of a report's Markdown with code spans, hashes and table rules removed."""
    for number, line in enumerate(text.splitlines(), start=1):
        line = re.sub(r"`[^`]*`", "", line)
        line = re.sub(r"sha256:[0-9a-f]{64}", "", line)
        if not re.fullmatch(r"\|(---\|)+", line):
            yield number, line


PROBLEMS = {
    "scientific notation": re.compile(r"\d(\.\d+)?[eE][+-]?\d"),
    "raw JSON": re.compile(r"[\[{]\s*\"|\"\s*:\s*[\[{\"\d]|\{\}|\[\]"),
    "number without thousands separators": re.compile(r"(?<![\w.,:/-])\d{5,}(?![\w,])"),
    "float noise": re.compile(r"\d\.\d{9,}"),
}


def test_no_golden_prose_has_scientific_notation_json_or_raw_numbers() -> None:
    reports = sorted(GOLDEN.glob("*/report.md"))
    assert len(reports) == len(RUNS)
    for path in reports:
        for number, line in _prose(path.read_text(encoding="utf-8")):
            for problem, pattern in PROBLEMS.items():
                assert not pattern.search(line), f"{path.parent.name}/report.md:{number}: {problem}: {line}"


@pytest.mark.parametrize(("line", "problem"), [
    ("ratio 4.02368e-06 of volume", "scientific notation"), ("targets [\"WR-2\", \"WR-3\"]", "raw JSON"),
    ("evidence {}", "raw JSON"), ("volume 332491 USD", "number without thousands separators"),
    ("ratio 0.9949470000001", "float noise"), ("{\"replay_link\": \"x\"", "raw JSON")])
def test_the_prose_check_finds_what_it_looks_for(line: str, problem: str) -> None:
    assert PROBLEMS[problem].search(line)
