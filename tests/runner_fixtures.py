"""Data and skills the runner tests share: a small probe SOP compiled for real, and DuckDB files of trades."""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from compiler.check import check_files
from compiler.demo.rows import insert_rows
from compiler.resources import schema_text
from compiler.runner.sparkconf import SparkOptions
from compiler.skill.compile import compile_skill

REPO = Path(__file__).resolve().parent.parent
SOPC = [sys.executable, "-m", "compiler"]

SPARK = SparkOptions("local[2]", (("spark.driver.memory", "512m"), ("spark.sql.adaptive.enabled", "false"),
                                   ("spark.sql.codegen.wholeStage", "false"),
                                   ("spark.sql.codegen.factoryMode", "NO_CODEGEN")))
"""Spark in the tests: two cores and two shuffle partitions (local[2]), a small driver, the UI off. Every Spark
test uses these same settings and the default limits, so the whole test session shares one kept Spark worker,
and with it one SparkSession. On the tests' tiny tables, compiling each query to Java byte code and re-planning
it at run time cost more than they save: Spark's interpreted evaluation of the same plans, which its own test
suite holds equal to the generated code, takes well under half the time (a scenario of flash-crash response:
10.7 s against 26.9 s, on this loaded machine). The benchmark keeps Spark's defaults."""

SOP_HEADER = """\
# yaml-language-server: $schema=../../schema/sop.schema.json
format: 1
version: "1.0.0"
status: active
owner: trading-risk
reviewers: [compliance]
review_by: "2027-05-31"
severity: high
domain: market-abuse
tags: [test]
triggers:
  - {alert: probe_alert, when: A test raises it.}
changelog:
  - {version: "1.0.0", date: "2026-11-01", change: First version.}
"""
"""What every test SOP says about itself; a test SOP adds its id, title, summary, inputs, steps and outcomes."""

PROBE = SOP_HEADER + """\
id: probe-self-trading
title: Probe of self-trading by one account
summary: A small SOP that exercises every kind of step the runner executes.
inputs:
  account_id: {type: string, description: "Subject account; no pattern, so hostile text reaches the query."}
thresholds:
  min_self_usd: {value: 10000, unit: usd, rationale: Test value.}
steps:
  - id: self_volume
    kind: query
    title: Measure the account's self-matched volume
    sql: |
      SELECT count(*) AS trades, coalesce(sum(notional_usd), 0) AS self_usd
      FROM trades
      WHERE maker_account_id = $account_id AND taker_account_id = $account_id
    next: known
  - id: known
    kind: check
    title: The account traded at all
    condition: self_volume.rows[0].trades > 0
    on_pass: {next: assess}
    on_fail: {outcome: no_action}
  - id: assess
    kind: decision
    title: Is the self-matched volume material?
    branches:
      - label: material
        when: self_volume.rows[0].self_usd >= thresholds.min_self_usd
        next: review
      - otherwise: true
        outcome: no_action
  - id: review
    kind: manual
    title: Review the orders behind the trades
    actor: analyst
    instruction: Open the order history and say what you see.
    evidence:
      note: {type: text, description: What the orders show.}
      mirrored: {type: boolean, description: Orders mirrored each other.}
    next: escalate
  - id: escalate
    kind: escalate
    title: Escalate to Compliance
    to: compliance
    within: 24h
    channel: case-management
    approval: {role: risk-manager, count: 2}
    message: Self-matched volume above the threshold.
    next: restrict
  - id: restrict
    kind: action
    title: Restrict the account to close-only
    action: close_only
    target: inputs.account_id
    reversible: true
    reason_code: SELF_TRADING
    approval: {role: risk-manager}
    outcome: escalated
outcomes:
  no_action: {title: Closed with no action, disposition: no-finding}
  escalated: {title: Escalated, disposition: escalated}
"""

ANSWERS: dict[str, Any] = {
    "review": {"note": "Mirrored orders.", "mirrored": True},
    "escalate": {"approved": True, "by": ["dana", "lee"], "role": "risk-manager"},
    "restrict": {"approved": True, "by": "dana", "role": "risk-manager"},
}

EXPECTED_PATH = ["self_volume", "known", "assess", "review", "escalate", "restrict"]


def probe_skill(sql: str | None = None, condition: str | None = None) -> dict[str, Any]:
    """The probe SOP compiled by sopc itself, optionally with its query or check condition replaced."""
    text = PROBE
    checked = check_files([("sops/market-abuse/probe-self-trading.yaml", text.encode())],
                          datetime.date(2026, 11, 22))
    assert checked.ok, checked.diagnostics
    sop, doc = checked.sops[0], checked.documents[0]
    skill = compile_skill(sop, doc, {sop.id: sop})
    if sql is not None:
        skill["steps"][0]["sql"]["text"] = sql
    if condition is not None:
        skill["steps"][1]["condition"] = condition
        skill["steps"][1]["transitions"][0]["when"] = condition
    return skill


def trade(n: int, maker: str, taker: str, usd: float) -> dict[str, Any]:
    """One trade row."""
    return {"trade_id": f"T{n}", "symbol": "BTCUSDT", "ts": "2026-01-05T01:00:00Z", "price": 50000.0,
            "qty": usd / 50000.0, "notional_usd": usd, "maker_account_id": maker, "taker_account_id": taker,
            "taker_side": "buy", "is_liquidation": False}


def make_db(path: Path, rows: dict[str, list[dict[str, Any]]], background_trades: int = 0) -> Path:
    """A DuckDB file of the canonical tables with these rows and, optionally, many unrelated trades."""
    with duckdb.connect(str(path)) as con:
        con.execute(schema_text("exchange.sql"))
        for table, items in rows.items():
            insert_rows(con, table, items)
        if background_trades:
            con.execute(
                "INSERT INTO trades SELECT 'BG' || i, 'ETHUSDT', TIMESTAMP '2026-01-01' + to_seconds(i % 600000), "
                "3000, 1, 3000, NULL, NULL, 'M' || (i % 97), 'K' || (i % 89), 'buy', false FROM range($n) t(i)",
                {"n": background_trades})
    return path


def kill_and_resume(tmp_path: Path, skill: dict[str, Any], db: Path, answers: dict[str, Any],
                    stop_after: int) -> tuple[bytes, Path]:
    """Run the skill with a real `sopc run` (account_id=A1, as alex), SIGKILL it once its record holds
    `stop_after` events, then `sopc run --resume` it as sam: the record as the kill left it, and its path.

    The kill must leave the run unfinished and without reports, and the resume must end with exit 0.
    """
    skills = tmp_path / "skills"
    (skills / skill["id"]).mkdir(parents=True, exist_ok=True)
    (skills / skill["id"] / "skill.json").write_text(json.dumps(skill))
    given = tmp_path / "answers.json"
    given.write_text(json.dumps(answers))
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOPC_USER": "alex"}
    run_id = f"k{stop_after}"
    command = [*SOPC, "run", skill["id"], "--db", str(db), "-i", "account_id=A1", "--answers", str(given),
               "--out", str(tmp_path / "runs"), "--skills", str(skills), "--run-id", run_id, "--no-prompt"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    record = tmp_path / "runs" / run_id / "events.jsonl"
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if record.exists() and record.read_bytes().count(b"\n") >= stop_after:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    process.wait()
    before = record.read_bytes()
    assert process.returncode == -signal.SIGKILL and b"run_ended" not in before, stop_after
    assert not (record.parent / "report.md").exists(), stop_after
    result = subprocess.run([*SOPC, "run", "--resume", str(record.parent), "--answers", str(given), "--no-prompt"],
                            env={**env, "SOPC_USER": "sam"}, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return before, record
