"""The findings as report.md and report.html show them in another language: titles and messages from the skill's
translation.

report.json stays the findings schema's, in English; report.md and report.html
of a run with a language (sopc run --lang) are written from these, with the
fixed words of the report looked up by `label`. Pure, like report.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.i18n.skilltext import localized_skill
from compiler.runner.includes import steps_by_id
from compiler.runner.report import findings
from compiler.runner.state import RunState


def localized_report(skill: Mapping[str, Any], state: RunState, record: Mapping[str, Any],
                     lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the skill with its prose in lang, the findings with translated titles and escalation messages)."""
    shown_skill = localized_skill(skill, lang)
    shown = findings(shown_skill, state, record)
    messages = {qid: (s.get("escalation") or {}).get("message") for qid, s in steps_by_id(shown_skill).items()}
    shown["escalations"] = [{**e, "message": messages.get(e["step"]) or e["message"]} for e in shown["escalations"]]
    return shown_skill, shown
