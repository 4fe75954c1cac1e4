"""From an alert to a skill's inputs: JSON pointers into the payload, and which runbooks an alert names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compiler.files import UsageError
from compiler.runner.alerts import find_runbooks, inputs_from_alert, resolve

SKILLS = Path(__file__).resolve().parent.parent / "skills"
DOC = {"subject": {"account_id": "WR-1", "a/b": 1, "m~n": 2, "none": None},
       "accounts": ["A1", "A2"], "": {"": "empty key"}}


@pytest.mark.parametrize(("pointer", "found", "value"), [
    ("", True, DOC),
    ("/subject/account_id", True, "WR-1"),
    ("/subject/a~1b", True, 1),
    ("/subject/m~0n", True, 2),
    ("/subject/none", True, None),
    ("/accounts/1", True, "A2"),
    ("/accounts/2", False, None),
    ("/accounts/01", False, None),
    ("/accounts/-", False, None),
    ("/subject/missing", False, None),
    ("/subject/account_id/deeper", False, None),
    ("//", True, "empty key"),
])
def test_resolve_follows_rfc_6901(pointer: str, found: bool, value: Any) -> None:
    assert resolve(DOC, pointer) == (found, value)


SKILL: dict[str, Any] = {
    "id": "probe", "triggers": [
        {"alert": "mapped", "when": "x", "inputs": {"account_id": "/subject/account_id", "start_ts": "/window/start",
                                                    "note": "/extra/note"}},
        {"alert": "unmapped", "when": "y"}],
    "inputs_schema": {"required": ["account_id", "start_ts"],
                      "properties": {"account_id": {"type": "string"}, "start_ts": {"type": "string"},
                                     "note": {"type": "string"}}},
}


@pytest.mark.parametrize(("alert", "expected"), [
    ({"name": "mapped", "payload": {"subject": {"account_id": "A1"}, "window": {"start": "2026-01-05T00:00:00Z"}}},
     {"account_id": "A1", "start_ts": "2026-01-05T00:00:00Z"}),
    ({"name": "mapped", "payload": {"subject": {"account_id": "A1"}, "window": {"start": "t"},
                                    "extra": {"note": "n"}}},
     {"account_id": "A1", "start_ts": "t", "note": "n"}),
])
def test_inputs_from_alert_take_what_the_trigger_maps(alert: dict[str, Any], expected: dict[str, Any]) -> None:
    assert inputs_from_alert(SKILL, alert) == expected


@pytest.mark.parametrize(("alert", "message"), [
    ({"name": "mapped", "payload": {"window": {"start": "t"}}},
     "alert 'mapped' carries no value for account_id (at /subject/account_id)"),
    ({"name": "mapped", "payload": {"subject": {"account_id": None}}},
     "carries no value for account_id (at /subject/account_id), start_ts (at /window/start)"),
    ({"name": "unmapped", "payload": {}}, "skill 'probe' maps no inputs from alert 'unmapped'; give the inputs instead"),
    ({"name": "other", "payload": {}}, "skill 'probe' has no trigger for alert 'other' (its alerts: mapped, unmapped)"),
    ({"name": "mapped"}, "an alert is {name: <alert name>, payload: {...}}"),
    ({"payload": {}}, "an alert is {name: <alert name>, payload: {...}}"),
])
def test_an_alert_that_cannot_fill_the_inputs_is_refused_in_one_line(alert: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError) as refused:
        inputs_from_alert(SKILL, alert)
    assert message in str(refused.value)


def _library() -> list[dict[str, Any]]:
    index = json.loads((SKILLS / "index.json").read_text())
    return [json.loads((SKILLS / s["id"] / "skill.json").read_text()) for s in index["skills"]]


def test_every_shipped_trigger_with_a_mapping_fills_every_required_input_from_its_documented_payload() -> None:
    """The payload shape the README documents (subject, window) starts a run of each shipped skill."""
    payload = {"subject": {"account_id": "A1", "symbol": "BTCUSDT", "campaign_id": "C1", "p2p_order_id": "P1",
                           "agent_id": "agent-1", "alert_type": "x"},
               "window": {"start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z"}}
    mapped = 0
    for skill in _library():
        for trigger in skill["triggers"]:
            if not trigger.get("inputs"):
                continue
            mapped += 1
            values = inputs_from_alert(skill, {"name": trigger["alert"], "payload": payload})
            assert set(skill["inputs_schema"]["required"]) <= set(values), trigger["alert"]
    assert mapped >= 40


def test_find_runbooks_ranks_exact_names_first_then_close_ones() -> None:
    library = _library()
    exact = find_runbooks(library, "insurance_fund_drawdown")
    assert [(r["id"], r["match"]) for r in exact] == [("liquidation-suicide-attack", "exact")]
    close = find_runbooks(library, "p2p_payer_name_mismatch_clusters")
    assert [(r["alert"], r["match"]) for r in close][:2] == [("p2p_payer_name_mismatch_cluster", "close"),
                                                             ("p2p_payer_name_mismatch", "close")]
    assert find_runbooks(library, "zzzz") == []
