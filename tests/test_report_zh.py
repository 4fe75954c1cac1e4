"""`sopc run --lang zh`: report.md and report.html in Chinese, golden files tests/reports/wash-ring.zh.{md,html}.

The shipped wash-trading skill runs on the first scenario of its SOP (a
two-account ring trading flat) with a fixed clock. Two figures of a run
vary with the machine, the milliseconds a query took and so the hash of the
record's last line; they are replaced by <ms> and <head> before comparing.
To accept a deliberate change: UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_report_zh.py
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from runner_fixtures import make_db, probe_skill

from compiler.files import UsageError
from compiler.runner.answers import GivenAnswers
from compiler.runner.database import Database
from compiler.runner.events import read_events
from compiler.runner.reportmd import inline
from compiler.runner.run import Finished, read_skill, resume, start
from compiler.runner.verify import verify

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "reports"
SOP = "sops/market-abuse/wash-trading-linked-accounts.yaml"


ANSWERS = {
    "draft_narrative": {"narrative": "A1001 and A1002 share device dev-9 and traded 50,000 USD with each other, all of "
                                     "the subject's volume; the group's net position is 0.",
                        "replay_focus": "The two trades five seconds apart."},
    "replay": {"replay_link": "https://replay.internal/case/1", "mirrored_orders": True,
               "note": "Mirrored orders five seconds apart."},
    "escalate": {"approved": True, "by": "dana", "role": "risk-manager"},
    "force_stp": {"approved": True, "by": "dana", "role": "risk-manager", "note": "STP for the group"},
}


def _clock() -> Any:
    ticks = itertools.count()
    return lambda: datetime.datetime(2026, 12, 5, 8, 0, tzinfo=datetime.UTC) + datetime.timedelta(seconds=next(ticks))


def _run(tmp_path: Path, lang: str, answers: dict[str, Any] | None = None) -> Finished:
    scenario = yaml.safe_load((REPO / SOP).read_text())["tests"][0]
    db = make_db(tmp_path / f"ring-{lang}.duckdb", scenario["data"])
    skill, raw = read_skill(REPO / "skills" / "wash-trading-linked-accounts" / "skill.json")
    given = ANSWERS if answers is None else answers
    return start(skill, Database.open(db), scenario["inputs"], GivenAnswers(given), tmp_path / lang,
                 started_by="alex", run_id=f"wash-ring-{lang}", clock=_clock(), raw=raw, lang=lang,
                 alert={"id": "ALR-7731", "name": "wash_trade_ring_detected", "ts": "2026-01-06T00:05:00Z"},
                 case_id="CM-2026-0117")


def _normalized(finished: Finished, name: str) -> str:
    text = (finished.folder / name).read_text(encoding="utf-8")
    head = json.loads((finished.folder / "report.json").read_text())["record"]["head"]
    data = str(finished.folder.parent.parent / "ring-zh.duckdb")
    return text.replace(head, "<head>").replace(inline(data), "ring.duckdb").replace(data, "ring.duckdb")


@pytest.mark.parametrize("name", ["report.md", "report.html"])
def test_a_chinese_report_matches_its_golden_file(tmp_path: Path, name: str) -> None:
    finished = _run(tmp_path, "zh")
    assert finished.state.outcome == "escalated"
    text = _normalized(finished, name)
    golden = GOLDEN / name.replace("report", "wash-ring.zh")
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert text == golden.read_text(encoding="utf-8")


def test_the_chinese_report_has_the_translated_titles_and_the_same_figures(tmp_path: Path) -> None:
    zh, en = _run(tmp_path, "zh"), _run(tmp_path, "en")
    chinese = (zh.folder / "report.md").read_text(encoding="utf-8")
    english = (en.folder / "report.md").read_text(encoding="utf-8")
    assert chinese.startswith("# 调查结论：自成交与关联账户对敲\n")
    for title in ("回放相关成交前后的订单簿", "上报合规，并建议提交 STOR/SAR", "已上报合规；已对账户组强制启用 STP"):
        assert title in chinese and title not in english
    assert english.startswith("# Findings: Self-trade and linked-account wash trading\n")
    figures = re.compile(r"\b\d{1,3}(?:,\d{3})*\.\d+\b|\b0\.\d+\b")
    assert sorted(figures.findall(chinese)) == sorted(figures.findall(english))
    assert "volume 50,000 USD ≥ 10,000 USD（min volume）：达到" in chinese
    page = (zh.folder / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in page and "<h1>调查结论：自成交与关联账户对敲</h1>" in page
    assert "回放相关成交前后的订单簿" in page
    # report.json is the findings schema's, in English, whatever the language of report.md.
    assert _comparable(zh) == _comparable(en)


def test_the_steps_of_an_included_sop_are_shown_in_its_translation(tmp_path: Path) -> None:
    finished = _run(tmp_path, "zh")
    chinese = (finished.folder / "report.md").read_text(encoding="utf-8")
    skill, _ = read_skill(REPO / "skills" / "wash-trading-linked-accounts" / "skill.json")
    (include,) = [s for s in skill["steps"] if s["kind"] == "include"]
    inner = include["include"]["skill"]
    texts = inner["translations"]["zh"]["texts"]
    ran = [s["step"].partition("/")[2] for s in json.loads((finished.folder / "report.json").read_text())["steps"]
           if s["step"].startswith(include["id"] + "/")]
    assert len(ran) >= 3, ran
    for n, step in enumerate(inner["steps"]):
        if step["id"] in ran:
            assert f"**{texts[f'/steps/{n}/title']['text']}**" in chinese and step["title"] not in chinese, step["id"]


def _comparable(finished: Finished) -> dict[str, Any]:
    """report.json without what differs between two runs of the same data (run id, timings, record)."""
    report: dict[str, Any] = json.loads((finished.folder / "report.json").read_text())
    for step in report["steps"]:
        step.get("evidence", {}).pop("elapsed_ms", None)
    return {k: v for k, v in report.items() if k not in ("run_id", "record")}


def test_the_language_is_recorded_so_verify_and_resume_rebuild_the_chinese_report(tmp_path: Path) -> None:
    paused = _run(tmp_path, "zh", answers={})
    assert paused.state.status == "awaiting_answer"
    started = read_events(paused.folder / "events.jsonl")[0][0]
    assert started["lang"] == "zh"
    assert verify(paused.folder).intact
    done = resume(paused.folder, GivenAnswers(ANSWERS), by="alex", clock=_clock())
    assert done.state.outcome == "escalated"
    assert (done.folder / "report.md").read_text(encoding="utf-8").startswith("# 调查结论：")
    assert verify(done.folder).intact


def test_a_skill_without_the_translation_is_refused(tmp_path: Path) -> None:
    db = make_db(tmp_path / "empty.duckdb", {})
    with pytest.raises(UsageError, match="no zh translation"):
        start(probe_skill(), Database.open(db), {"account_id": "A1"}, GivenAnswers({}), tmp_path / "runs",
              started_by="alex", lang="zh")
    assert not (tmp_path / "runs").exists()
