"""The grounding gate, table-driven: figures and identifiers in every form, grounded and not."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.runner import grounding
from compiler.runner.grounding import Facts, recorded_facts

FACTS: Facts = recorded_facts(
    inputs={"account_id": "WR-1", "start_ts": "2026-01-05T00:00:00Z", "end_ts": "2026-01-06T00:00:00Z"},
    thresholds={"related_match_ratio": {"value": 0.2}, "min_volume_usd": {"value": 10000},
                "max_net_position_ratio": {"value": 0.05}},
    queries={
        "linked_accounts": {"row_count": 2, "rows": [{"account_id": "WR-2", "link_type": "device_id"},
                                                     {"account_id": "WR-3", "link_type": "device_id"}]},
        "linked_volume": {"row_count": 1, "rows": [{"volume_usd": 332491.34, "self_volume_usd": 0.0,
                                                    "related_volume_usd": 330811.34,
                                                    "related_match_ratio": 0.9949472368212657}]},
        "trades": {"row_count": 12, "rows": [{"trade_id": "T31", "symbol": "BTCUSDT", "price": 50000.0,
                                              "maker_account_id": "100234567"}]},
        "net_position": {"row_count": 1, "rows": [{"net_usd": 210.5, "gross_usd": 663302.68,
                                                   "net_position_ratio": 0.000317352}]},
    },
    reads=[{"linked_volume.rows[0].related_match_ratio": 0.9949472368212657}],
    vocabulary=["Recommend a STOR under MiCA; payments are P2P; digests are SHA256."],
)

SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    "note": {"type": "string"}, "ratio": {"type": "number"}, "accounts": {"type": "integer"},
    "flag": {"type": "boolean"}, "link": {"type": "string", "format": "uri"},
    "when": {"type": "string", "format": "date-time"}}}


GROUNDED_TEXT = [
    ("volume of 332,491.34 USD", "linked_volume.rows[0].volume_usd"),
    ("volume of 332491.34", "linked_volume.rows[0].volume_usd"),
    ("about $332k of volume", "linked_volume.rows[0].volume_usd"),
    ("about 332K", "linked_volume.rows[0].volume_usd"),
    ("0.332M traded", "linked_volume.rows[0].volume_usd"),
    ("0.33 million matched", "linked_volume.rows[0].related_volume_usd"),
    ("$331k matched inside the group", "linked_volume.rows[0].related_volume_usd"),
    ("a ratio of 99.5%", "linked_volume.rows[0].related_match_ratio"),
    ("99.49 percent of it", "linked_volume.rows[0].related_match_ratio"),
    ("a ratio of 0.995", "linked_volume.rows[0].related_match_ratio"),
    ("a ratio of 0.99495", "linked_volume.rows[0].related_match_ratio"),
    ("12 trades", "trades.row_count"),
    ("2 linked accounts", "linked_accounts.row_count"),
    ("above the 20% threshold", "thresholds.related_match_ratio"),
    ("above 0.2", "thresholds.related_match_ratio"),
    ("the $10,000 floor", "thresholds.min_volume_usd"),
    ("net 0.03% of gross", "net_position.rows[0].net_position_ratio"),
    ("net position 3.2 bps", "net_position.rows[0].net_position_ratio"),
    ("a net of -210.5 USD", "net_position.rows[0].net_usd"),
    ("a net of −210.5 USD", "net_position.rows[0].net_usd"),
    ("gross 663,302.68", "net_position.rows[0].gross_usd"),
    ("gross $663,303", "net_position.rows[0].gross_usd"),
    ("gross 663.3k", "net_position.rows[0].gross_usd"),
    ("price 50,000", "trades.rows[0].price"),
    ("(5%) limit", "thresholds.max_net_position_ratio"),
]


@pytest.mark.parametrize(("text", "source"), GROUNDED_TEXT)
def test_grounded_figures_in_text_match_the_recorded_value(text: str, source: str) -> None:
    verdict = grounding.check({"note": text}, SCHEMA, FACTS)
    assert verdict.grounded, verdict.problems()
    assert [f["source"] for f in verdict.figures] == [source]


UNGROUNDED_TEXT = [
    ("volume of 332,591.34 USD", "332,591.34", "linked_volume.rows[0].volume_usd"),
    ("about $340k of volume", "$340k", "linked_volume.rows[0].volume_usd"),
    ("0.35M traded", "0.35M", "linked_volume.rows[0].volume_usd"),
    ("a ratio of 98.5%", "98.5%", "linked_volume.rows[0].related_match_ratio"),
    ("a ratio of 0.985", "0.985", "linked_volume.rows[0].related_match_ratio"),
    ("13 trades", "13", "trades.row_count"),
    ("gross $663,300", "$663,300", "net_position.rows[0].gross_usd"),  # zeros shown are digits: write 663.3k
    ("1,680 USD traded with strangers", "1,680", "thresholds.min_volume_usd"),  # a difference: never recorded
]


@pytest.mark.parametrize(("text", "figure", "near"), UNGROUNDED_TEXT)
def test_ungrounded_figures_are_refused_with_the_nearest_recorded_values(text: str, figure: str, near: str) -> None:
    verdict = grounding.check({"note": text}, SCHEMA, FACTS)
    assert not verdict.grounded
    assert [u["text"] for u in verdict.ungrounded] == [figure]
    assert near in [n["source"] for n in verdict.ungrounded[0]["nearest"]]
    assert len(verdict.ungrounded[0]["nearest"]) == grounding.NEAREST
    assert f"{figure!r} matches no recorded value (nearest: " in verdict.problems()[0]


NOT_FIGURES = [
    "Trades between 2026-01-05T00:00:00Z and 2026-01-06T00:00:00Z.",
    "Trades on 2026-01-05 from 01:00:05 UTC to 23:59.",
    "Seen on 5 Jan 2026 and on Jan 6th, 2026 and on 01/05/2026.",
    "In 2026 the ring reappeared, as in 2025.",
    "See step 3, article 92 of MiCA, section 4.2, rule #7 and § 12.",
    "Escalate within 24h; orders came 1-3 seconds apart over 30 days; a 30-day baseline.",
    "The 3rd and 21st trades; version 1.3.0 of the SOP.",
    "WR-2 and WR-3 traded BTCUSDT; trade T31.",
    "Replay at https://replay.internal/case/42?at=17 by ops@example.com.",
    "Recommend a STOR under MiCA for the P2P leg; SHA256 digests match.",
]


@pytest.mark.parametrize("text", NOT_FIGURES)
def test_dates_years_step_numbers_and_ids_are_not_figures(text: str) -> None:
    verdict = grounding.check({"note": text}, SCHEMA, FACTS)
    assert verdict.grounded, verdict.problems()
    assert verdict.figures == ()


@pytest.mark.parametrize(("text", "known", "unknown"), [
    ("WR-1 traded with WR-2 and WR-3.", ["WR-1", "WR-2", "WR-3"], []),
    ("WR-1 traded with WR-4.", ["WR-1"], ["WR-4"]),
    ("Trade T31 on BTCUSDT.", ["T31", "BTCUSDT"], []),
    ("Trade T99 on ETHUSDT.", [], ["T99", "ETHUSDT"]),
    ("Account A3001 is unrelated.", [], ["A3001"]),
    ("Maker 100234567 in Q4, H1 and L2.", ["100234567"], []),
])
def test_identifiers_must_be_in_recorded_rows(text: str, known: list[str], unknown: list[str]) -> None:
    verdict = grounding.check({"note": text}, SCHEMA, FACTS)
    assert [i["identifier"] for i in verdict.identifiers] == known
    assert [u["identifier"] for u in verdict.unknown] == unknown
    assert verdict.grounded == (not unknown)


def test_an_unknown_identifier_comes_with_the_closest_known_ones() -> None:
    verdict = grounding.check({"note": "WR-4 is the fourth account."}, SCHEMA, FACTS)
    assert verdict.unknown[0]["nearest"][:3] == ["WR-1", "WR-2", "WR-3"]
    assert "'WR-4' is in no recorded row or input (closest: WR-1, WR-2, WR-3)" in verdict.problems()[0]


@pytest.mark.parametrize(("output", "grounded"), [
    ({"ratio": 0.9949472368212657}, True),
    ({"ratio": 0.995}, True),
    ({"ratio": 0.9949}, True),
    ({"ratio": 0.98}, False),
    ({"accounts": 2}, True),
    ({"accounts": 3}, False),
    ({"flag": True}, True),
    ({"link": "https://replay.internal/case/31337"}, True),
    ({"when": "2031-07-04T12:34:56Z"}, True),
])
def test_numeric_fields_are_figures_and_urls_and_timestamps_are_not(output: dict[str, Any], grounded: bool) -> None:
    assert grounding.check(output, SCHEMA, FACTS).grounded is grounded


def test_every_figure_of_an_output_is_reported_by_field() -> None:
    verdict = grounding.check({"note": "332,491.34 USD, 99.5% related, 14 trades.", "ratio": 0.5}, SCHEMA, FACTS)
    assert [(f["field"], f["text"]) for f in verdict.figures] == [("note", "332,491.34"), ("note", "99.5%")]
    assert [(u["field"], u["text"]) for u in verdict.ungrounded] == [("note", "14"), ("ratio", "0.5")]
    assert verdict.summary()["figures"][0]["value"] == 332491.34


def test_figures_in_reads_each_form() -> None:
    shown = {f.text: (f.value, f.half_unit, f.percent) for f in grounding.figures_in(
        "332,491.34 and $332k and 0.33M and 99.5% and 50 bps and 3x and 1.2 billion")}
    assert shown["332,491.34"] == (332491.34, pytest.approx(0.005), False)
    assert shown["$332k"] == (332000.0, 500.0, False)
    assert shown["0.33M"] == (330000.0, pytest.approx(5000.0), False)
    assert shown["99.5%"] == (99.5, pytest.approx(0.05), True)
    assert shown["50 bps"] == (pytest.approx(0.005), pytest.approx(0.00005), False)
    assert shown["3x"] == (3.0, 0.5, False)
    assert shown["1.2 billion"] == (pytest.approx(1.2e9), pytest.approx(5e7), False)


def test_an_all_digit_id_the_run_never_saw_is_refused_as_a_figure() -> None:
    verdict = grounding.check({"note": "Maker 100234568 traded."}, SCHEMA, FACTS)
    assert [u["text"] for u in verdict.ungrounded] == ["100234568"]
    assert verdict.identifiers == ()
