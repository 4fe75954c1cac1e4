"""The loader builds the values PyYAML's safe loader builds, whichever path a scalar takes through it.

The loader constructs the common scalars (decimal integers, text) itself and
leaves the rest to PyYAML's constructor; a spelling that takes the short way
must give the same value as the long one. Timestamps are the one deliberate
difference: they stay text, as the schema validates them.
"""

from __future__ import annotations

import math

import pytest
import yaml

from compiler.yamlload import load_text

SPELLINGS = [
    # integers: decimal (the short way), then every other form YAML 1.1 reads as one
    "0", "7", "-12", "-0", "123456789012345678901234567890", "+5", "012", "0o17", "0x1F", "0b101", "1_000",
    "-1_0", "1:30", "190:20:30",
    # floats, booleans, nulls and text
    "1.5", "-0.25", "1e3", "6.8523015e+5", "1_000.5", "1:30.5", ".5", "true", "False", "yes", "NO", "on", "Off",
    "~", "null", "", "text", "1.2.3", "0.1.0", "'012'", '"7"', "1e", "0x", "٣",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_scalar_has_the_value_pyyaml_gives_it(spelling: str) -> None:
    text = f"value: {spelling}\nlisted: [{spelling or 'null'}]\n"
    doc, _ = load_text("v.yaml", text)
    assert doc is not None
    expected = yaml.safe_load(text)
    assert doc.data == expected
    assert [type(doc.data["value"]), type(doc.data["listed"][0])] == [type(expected["value"]), type(expected["listed"][0])]


@pytest.mark.parametrize(("spelling", "finite"), [
    (".nan", False), ("-.inf", False), (".Inf", False), ("1.0e+999", False), ("!!float .nan", False),
    ('!!float "-inf"', False), ("1.5", True), ("!!float 2", True), ("'.nan'", True),
])
def test_the_loader_notes_every_value_json_cannot_hold(spelling: str, finite: bool) -> None:
    doc, _ = load_text("v.yaml", f"a: 1\nvalue: {spelling}\n")
    assert doc is not None
    value = doc.data["value"]
    assert (not isinstance(value, float) or math.isfinite(value)) == finite
    assert doc.source.non_finite == ([] if finite else [(2, 8)])


def test_an_integer_past_pythons_digit_limit_stays_text() -> None:
    digits = "1" * 4400  # int() refuses more than 4,300 digits by default
    doc, _ = load_text("v.yaml", f"value: {digits}\nshort: 123456789012345678\nlonger: 1234567890123456789\n")
    assert doc is not None
    assert doc.data == {"value": digits, "short": 123456789012345678, "longer": 1234567890123456789}
