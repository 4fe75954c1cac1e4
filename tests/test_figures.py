"""Figures for people: table-driven tests of the pure formatting functions of reports."""

from __future__ import annotations

import re

import pytest

from compiler.runner import figures as fig
from compiler.runner.reportdoc import comparisons, count_noun
from compiler.runner.reportmd import WORD_JOINER, inline

AGAINST = [  # value, threshold, unit, shown, threshold shown beside it
    (332491.34, 10000, "usd", "332,491 USD", "10,000 USD"),
    (0.994947, 0.2, "ratio", "99.5%", "20.0%"),
    (4.02368e-06, 0.05, "ratio", "<0.1%", "5.0%"),  # not zero: never written 0.0%
    (-4e-06, 0.05, "ratio", ">-0.1%", "5.0%"),
    (0.4, 20, "count", "<1", "20"),
    (0.19996, 0.2, "ratio", "19.996%", "20.000%"),  # rounding would show 20.0% against 20.0%: more decimals
    (0.2, 0.2, "ratio", "20.0%", "20.0%"),
    (49999.99, 50000, "usd", "49,999.99 USD", "50,000.00 USD"),
    (2.6, 2.5, "multiple", "2.6×", "2.5×"),
    (59, 60, "minutes", "59 minutes", "60 minutes"),
    (12, 20, "count", "12", "20"),
    (1e22, 1, "usd", "10,000,000,000,000,000,000,000 USD", "1 USD"),
    (0.0101, 0.01, "ratio", "1.01%", "1.00%"),
    (-0.0, 0.05, "ratio", "0.0%", "5.0%"),
    (0.00625, 0.005, "ratio", "0.6%", "0.5%"),
]


@pytest.mark.parametrize(("value", "limit", "unit", "shown", "limit_shown"), AGAINST)
def test_a_figure_and_its_threshold_share_unit_and_precision(value: float, limit: float, unit: str, shown: str,
                                                             limit_shown: str) -> None:
    assert fig.compared(value, limit, unit) == (shown, limit_shown)
    assert fig.against(value, limit, unit) == shown


THRESHOLDS = [(0.2, "ratio", "20%"), (0.995, "ratio", "99.5%"), (10000, "usd", "10,000 USD"), (2.5, "multiple", "2.5×"),
              (50, "bps", "50 bps"), (24, "hours", "24 hours"), (1000000, "usd", "1,000,000 USD")]


@pytest.mark.parametrize(("value", "unit", "shown"), THRESHOLDS)
def test_thresholds_are_written_in_their_unit(value: float, unit: str, shown: str) -> None:
    assert fig.threshold(value, unit) == shown


NUMBERS = [(10000, "10,000"), (332491.3400000001, "332,491.34"), (0.994947, "0.9949"), (4.02368e-06, "0.000004024"),
           (1e-30, "less than 0.000000000001"), (1e300, None), (True, "yes"), (0, "0"), (-1234567, "-1,234,567"), (3.0, "3")]


@pytest.mark.parametrize(("value", "shown"), NUMBERS)
def test_numbers_never_use_scientific_notation(value: float, shown: str | None) -> None:
    text = fig.number(value)
    assert not re.search(r"\d[eE][+-]?\d", text)
    if shown is not None:
        assert text == shown
    else:
        assert text.startswith("1,000,000,") and text.endswith(".00")


PERCENTS = [(0.5, "50.0%"), (4.02368e-06, "0.0004%"), (0, "0.0%"), (1.25, "125.0%")]


@pytest.mark.parametrize(("value", "shown"), PERCENTS)
def test_ratios_without_a_threshold_are_percentages(value: float, shown: str) -> None:
    assert fig.percent(value) == shown


TIMES = [("2026-01-05T00:00:00Z", "2026-01-05 00:00 UTC"), ("2026-01-05T10:11:12.5Z", "2026-01-05 10:11:12 UTC"),
         ("2026-01-05T02:00:00+02:00", "2026-01-05 00:00 UTC"), ("not a time", "not a time")]


@pytest.mark.parametrize(("text", "shown"), TIMES)
def test_times_are_shown_in_utc(text: str, shown: str) -> None:
    assert fig.timestamp(text) == shown


DEADLINES = [("2026-12-05T09:00:00Z", "24h", "2026-12-06T09:00:00Z"), ("2026-12-05T23:30:00Z", "1h30m",
             "2026-12-06T01:00:00Z"), ("2026-12-05T09:00:00Z", "3d", "2026-12-08T09:00:00Z"),
             ("2026-12-05T09:00:00Z", "soon", None), ("yesterday", "4h", None)]


@pytest.mark.parametrize(("at", "within", "due"), DEADLINES)
def test_a_deadline_is_an_absolute_utc_time(at: str, within: str, due: str | None) -> None:
    assert fig.deadline(at, within) == due


@pytest.mark.parametrize(("text", "shown"), [("24h", "24 hours"), ("1h30m", "1 hour 30 minutes"), ("1d", "1 day"),
                                             ("4x", "4x")])
def test_durations_in_words(text: str, shown: str) -> None:
    assert fig.duration(text) == shown


@pytest.mark.parametrize(("names", "shown"), [([], ""), (["a"], "a"), (["a", "b"], "a and b"),
                                              (["a", "b", "c"], "a, b and c")])
def test_lists_in_words(names: list[str], shown: str) -> None:
    assert fig.words(names) == shown


INLINE = [
    ("plain words", "plain words"),
    ("**APPROVED**", "\\*\\*APPROVED\\*\\*"),
    ("[Approve here](javascript:alert(1))", "\\[Approve here\\](javascript:alert(1))"),
    ("<script>x</script>", "&lt;script>x&lt;/script>"),
    ("a < b > c & d_e", "a < b > c & d_e"),
    ("_em_ &amp; ~~s~~", "\\_em\\_ &amp;amp; &#126;&#126;s&#126;&#126;"),
    ("a\n# heading", "a \\# heading"),
    ("https://evil.example/x", f"https:{WORD_JOINER}//evil{WORD_JOINER}.example/x"),
    ("mail@evil.com", f"mail{WORD_JOINER}@evil{WORD_JOINER}.com"),
    ("a | b", "a &#124; b"),
    ("tab\tand\x07bell", "tab and\ufffdbell"),
]


@pytest.mark.parametrize(("value", "shown"), INLINE)
def test_values_become_inert_markdown(value: str, shown: str) -> None:
    assert inline(value) == shown


THRESHOLDS_OF_A_SKILL = {"share": {"value": 0.5, "unit": "ratio"}, "min_counterparties": {"value": 20, "unit": "count"},
                         "max_group_accounts": {"value": 50, "unit": "count"}, "min_usd": {"value": 100, "unit": "usd"}}
ROWS = [{"share": 0.2, "n": 3}, {"share": 0.95, "n": 30}]
CONDITIONS = [  # expression, reads, the comparisons in words
    ("a.rows[0].usd >= thresholds.min_usd", {"a.rows[0].usd": 99.5, "thresholds.min_usd": 100},
     ["usd 99.5 USD ≥ 100.0 USD (min usd): not met"]),
    ("size(g.rows) > thresholds.max_group_accounts || g.row_count > thresholds.max_group_accounts",
     {"g.row_count": 1, "thresholds.max_group_accounts": 50}, ["g 1 account > 50 accounts (max group accounts): not met"]),
    ("a.rows.exists(r, double(r.share) >= double(thresholds.share)) || b.rows.exists(r, r.n >= thresholds.min_counterparties)",
     {"a.rows": ROWS, "b.rows": {"first_20": [{"n": 12}], "items": 40}, "thresholds.share": 0.5,
      "thresholds.min_counterparties": 20},
     ["share (highest of 2 rows) 95.0% ≥ 50.0%: met", "n 12 counterparties ≥ 20 counterparties (min counterparties): not met"]),
    ("a.rows.all(r, r.share <= thresholds.share)", {"a.rows": ROWS, "thresholds.share": 0.5},
     ["share (lowest of 2 rows) 20.0% ≤ 50.0%: met"]),
    ("a.rows.exists(r, r.name == thresholds.share)", {"a.rows": ROWS, "thresholds.share": 0.5}, []),
]


@pytest.mark.parametrize(("expression", "reads", "words"), CONDITIONS)
def test_comparisons_show_the_value_read_against_its_threshold(expression: str, reads: dict[str, object],
                                                               words: list[str]) -> None:
    found = comparisons({"expression": expression, "reads": reads}, THRESHOLDS_OF_A_SKILL)
    assert [c.words() for c in found] == words


@pytest.mark.parametrize(("name", "noun"), [("min_counterparties", "counterparties"), ("sample_size", ""),
                                           ("max_accounts_per_identifier", "accounts"), ("burst_min_signups", "signups")])
def test_a_count_threshold_names_what_it_counts(name: str, noun: str) -> None:
    assert count_noun(name) == noun
    assert fig.singular("counterparties") == "counterparty" and fig.singular("accounts") == "account"
