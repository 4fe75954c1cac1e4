"""The findings as report.md shows them in another language: titles, summary and messages from the skill's translation.

report.json stays the findings schema's, in English; report.md of a run with
a language (sopc run --lang) is written from these. Pure, like report.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.i18n.skilltext import localized_skill
from compiler.runner.report import findings, summary
from compiler.runner.state import RunState


def localized_report(skill: Mapping[str, Any], state: RunState, record: Mapping[str, Any],
                     lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the skill with its prose in lang, the findings with translated titles, summary and escalation messages)."""
    shown_skill = localized_skill(skill, lang)
    shown = findings(shown_skill, state, record)
    shown["summary"] = summary(shown_skill, state, lang)
    messages = {s["id"]: (s.get("escalation") or {}).get("message") for s in shown_skill["steps"]}
    shown["escalations"] = [{**e, "message": messages.get(e["step"]) or e["message"]} for e in shown["escalations"]]
    return shown_skill, shown
