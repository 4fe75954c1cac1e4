"""The grounding gate: every figure and identifier an agent writes must be one the run recorded.

Pure: the facts of a run (inputs, thresholds, query rows and row counts,
the values conditions read) and an agent's output in, a verdict out.

A figure is a number in a numeric field or in free text, in the forms people
write: 332,491.34, $332k, 0.33M, 1.2 million, 99.5%, 50 bps, 0.995, 3x,
12 accounts. It is grounded when a recorded value, in one of its usual forms
(as is, as a percent of a ratio or a ratio of a percent, sign ignored),
rounds to it at the digits shown: 332k stands for anything from 331,500 to
332,500, 0.995 for 0.9945 to 0.9955. There is no other tolerance: a sum,
a difference or an average the agent worked out itself is not a recorded
value, and is refused; the machine computes, the agent cites.

Not figures: dates and times (2026-01-05, 01:00:05 UTC, 5 Jan), durations
(24h, 30 days, 5 seconds), a whole number from 1900 to 2100 standing alone
(a year), ordinals (3rd), numbers after step, article, section, rule, §, #
or No., versions (1.3.0), URLs, and digits inside identifiers.

An identifier is a token of at least three letters and digits (WR-1, A3001,
T31, dev-9) or a trading symbol (BTCUSDT, ETH-PERP). It is known when a
recorded row or input holds it, or the skill's own text uses it (P2P,
SHA256); otherwise it is refused with the closest known ones. A run of
digits that a recorded row holds as text (an account id 100234567) is an
identifier, not a figure.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

NEAREST = 3
"""Recorded values (or identifiers) offered for each one that did not match."""

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_NOT_FIGURES = re.compile("|".join((
    r"https?://\S+",
    r"\b[\w.+-]+@[\w-]+\.[\w.]+",
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b",
    r"\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?(?:UTC|Z|GMT|am|pm))?",
    r"\b\d{1,2}/\d{1,2}/\d{2,4}\b",
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:\s+\d{{4}})?",
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b",
    r"\bv?\d+\.\d+\.\d+\b",
    r"(?i:(?:\b(?:steps?|article|art\.|section|sec\.|rule|no\.|level|tier|phase|round|page|line|version)|§|#)"
    r"\s*\d+(?:\.\d+)*)",
    r"(?i:\b\d+(?:\.\d+)?(?:\s?(?:-|–|to)\s?\d+(?:\.\d+)?)?(?:\s?|-)(?:ms|milliseconds?|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|d|days?"
    r"|weeks?|wks?|months?|mos?|years?|yrs?)\b)",
    r"(?i:\b\d+(?:st|nd|rd|th)\b)",
)))
_SYMBOL = r"[A-Z0-9]{2,10}[-/]?(?:USDT|USDC|USD|BUSD|BTC|ETH|EUR|PERP)"
_IDENTIFIER = re.compile(
    rf"(?<![\w-])(?:{_SYMBOL}|(?=[A-Za-z0-9_-]*\d)[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*)(?![\w-])")
_NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>[-−+])?(?P<cur>[$€£])?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s?(?P<scale>%|percent\b|per cent\b|bps\b|bp\b|thousand\b|million\b|billion\b|mn\b|bn\b|[kKmMbB]\b|[x×]))?"
    r"(?![\w])")
_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9,
           "bp": 1e-4, "bps": 1e-4}
_PERCENT = ("%", "percent", "per cent")


@dataclass(frozen=True, slots=True)
class Fact:
    """A number the run recorded, and where."""

    source: str
    """Where it is in the record, as conditions name it: linked_volume.rows[0].volume_usd, inputs.window_h."""
    value: float


@dataclass(frozen=True, slots=True)
class Facts:
    """What an agent may cite: the run's recorded numbers and identifiers."""

    numbers: tuple[Fact, ...]
    identifiers: frozenset[str]


@dataclass(frozen=True, slots=True)
class Figure:
    """A number as the agent wrote it."""

    text: str
    value: float
    """The number in plain units (332k is 332000; 99.5% is 99.5 with percent set)."""
    half_unit: float
    """Half a unit of the last digit shown, in plain units: how far a recorded value may be and round to it."""
    percent: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    """Every figure and identifier of one output, matched or not."""

    figures: tuple[dict[str, Any], ...]
    """Grounded figures: field, text, and the recorded value it matched (source, value)."""
    identifiers: tuple[dict[str, Any], ...]
    """Known identifiers: field, identifier."""
    ungrounded: tuple[dict[str, Any], ...]
    """Figures no recorded value rounds to: field, text, and the nearest recorded values."""
    unknown: tuple[dict[str, Any], ...]
    """Identifiers the run never saw: field, identifier, and the closest ones it did."""

    @property
    def grounded(self) -> bool:
        """Nothing ungrounded, nothing unknown."""
        return not self.ungrounded and not self.unknown

    def problems(self) -> list[str]:
        """One sentence per figure or identifier that did not match."""
        out = []
        for item in self.ungrounded:
            near = ", ".join(f"{n['source']} = {_show(n['value'])}" for n in item["nearest"]) or "none"
            out.append(f"{item['field']}: {item['text']!r} matches no recorded value (nearest: {near})")
        for item in self.unknown:
            near = ", ".join(item["nearest"]) or "none"
            out.append(f"{item['field']}: {item['identifier']!r} is in no recorded row or input (closest: {near})")
        return out

    def summary(self) -> dict[str, Any]:
        """What the record keeps of an accepted output: every figure with its match, every identifier."""
        return {"figures": list(self.figures), "identifiers": list(self.identifiers)}


def _show(value: float) -> str:
    return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.6g}"


def _numbers(value: Any, source: str) -> Iterator[Fact]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        if math.isfinite(value):
            yield Fact(source, float(value))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _numbers(item, f"{source}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _numbers(item, f"{source}[{index}]")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def recorded_facts(inputs: Mapping[str, Any], thresholds: Mapping[str, Any], queries: Mapping[str, Mapping[str, Any]],
                   reads: Iterable[Mapping[str, Any]], vocabulary: Iterable[str] = ()) -> Facts:
    """The facts of a run.

    queries: step id -> {row_count, rows}; reads: the values each condition
    read ({expression: value}); vocabulary: the skill's own text, whose
    identifier-like words (P2P, SHA256) are not claims about the data.
    """
    numbers = [*_numbers(dict(inputs), "inputs"),
               *(f for name, spec in thresholds.items() for f in _numbers(spec.get("value"), f"thresholds.{name}"))]
    strings: set[str] = set(_strings(dict(inputs)))
    for step, query in queries.items():
        numbers.append(Fact(f"{step}.row_count", float(query["row_count"])))
        numbers += _numbers(query["rows"], f"{step}.rows")
        strings.update(_strings(query["rows"]))
    for read in reads:
        for expression, value in read.items():
            numbers += _numbers(value, expression)
            strings.update(_strings(value))
    known = {token for text in strings for token in _tokens(text)} | {s for s in strings if len(s) <= 64}
    known |= {token for text in vocabulary for token in identifiers_in(text)}
    unique = {(f.source, f.value): f for f in numbers}
    return Facts(tuple(unique.values()), frozenset(known))


def _tokens(text: str) -> Iterator[str]:
    """Identifier-like tokens; two characters (Q4, H1, L2) are too short to name an account or a trade."""
    yield from (m.group(0) for m in _IDENTIFIER.finditer(text) if len(m.group(0)) >= 3)


def identifiers_in(text: str) -> list[str]:
    """Identifier-like tokens of a text (after URLs and dates are set aside)."""
    return list(_tokens(_NOT_FIGURES.sub(" ", text)))


def figures_in(text: str) -> list[Figure]:
    """The figures of a free text, in the order written."""
    blank = _IDENTIFIER.sub(lambda m: " " * len(m.group(0)), _NOT_FIGURES.sub(lambda m: " " * len(m.group(0)), text))
    found = []
    for match in _NUMBER.finditer(blank):
        digits = match["num"].replace(",", "")
        scale_word = (match["scale"] or "").lower()
        if not match["cur"] and not scale_word and "," not in match["num"] and re.fullmatch(r"(19|20)\d\d", digits):
            continue  # a year
        decimals = len(digits.partition(".")[2])
        scale = _SCALES.get(scale_word, 1.0)
        value = float(digits) * scale
        found.append(Figure(match.group(0).strip(), -value if match["sign"] in ("-", "−") else value,
                            0.5 * 10.0 ** -decimals * scale, scale_word in _PERCENT))
    return found


def _number_figure(value: float | int) -> Figure:
    text = repr(value)
    decimals = len(text.partition(".")[2]) if "e" not in text else 15
    return Figure(text, float(value), 0.5 * 10.0 ** -decimals if isinstance(value, float) else 0.5)


def _forms(figure: Figure, fact: float) -> tuple[float, ...]:
    """The recorded value in each form this figure could be written in."""
    magnitude = abs(fact)
    if figure.percent:
        return magnitude * 100, magnitude
    # A plain figure reads a recorded percent as a ratio only when it looks like one (0.995 for 99.5).
    return (magnitude, magnitude / 100) if abs(figure.value) <= 1 else (magnitude,)


def _distance(figure: Figure, fact: float) -> float:
    """How far the figure is from a recorded value, in its closest form, relative to that form."""
    return min(abs(abs(figure.value) - form) / max(form, 1e-12) for form in _forms(figure, fact))


def match(figure: Figure, facts: Facts) -> Fact | None:
    """The recorded value this figure stands for, if any (the closest, when several round to it)."""
    target = abs(figure.value)
    fits = [f for f in facts.numbers
            if any(abs(target - form) <= figure.half_unit + 1e-9 * max(1.0, form) for form in _forms(figure, f.value))]
    return min(fits, key=lambda f: _distance(figure, f.value)) if fits else None


def nearest(figure: Figure, facts: Facts) -> list[dict[str, Any]]:
    """The recorded values closest to a figure that matched none."""
    ranked = sorted(facts.numbers, key=lambda f: (_distance(figure, f.value), f.source))
    return [{"source": f.source, "value": f.value} for f in ranked[:NEAREST]]


def _closest(token: str, facts: Facts) -> list[str]:
    """The known identifiers most like an unknown one (ties in name order)."""
    scored = [(difflib.SequenceMatcher(None, token, known).ratio(), known) for known in facts.identifiers]
    return [known for score, known in sorted(scored, key=lambda s: (-s[0], s[1])) if score >= 0.5][:NEAREST]


def _leaves(value: Any, schema: Mapping[str, Any], where: str) -> Iterator[tuple[str, Any, Mapping[str, Any]]]:
    if isinstance(value, Mapping):
        properties = schema.get("properties", {})
        for key, item in value.items():
            yield from _leaves(item, properties.get(key, {}), f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, schema.get("items", {}), f"{where}[{index}]")
    else:
        yield where, value, schema


def check(output: Mapping[str, Any], schema: Mapping[str, Any], facts: Facts) -> Verdict:
    """Match every figure and identifier of an agent's output against the run's facts."""
    figures: list[dict[str, Any]] = []
    ungrounded: list[dict[str, Any]] = []
    identifiers: list[dict[str, Any]] = []
    unknown: list[dict[str, Any]] = []
    lowered = {known.casefold(): known for known in facts.identifiers}
    for field, value, spec in _leaves(output, schema, ""):
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            written = [_number_figure(value)]
        elif isinstance(value, str) and spec.get("format") not in ("date-time", "uri", "date"):
            written = figures_in(value)
            for token in dict.fromkeys(identifiers_in(value)):
                if token in facts.identifiers or token.casefold() in lowered:
                    identifiers.append({"field": field, "identifier": token})
                else:
                    unknown.append({"field": field, "identifier": token, "nearest": _closest(token, facts)})
        else:
            continue
        for figure in written:
            if figure.text.isdigit() and figure.text in facts.identifiers:  # an all-digit id: 100234567
                identifiers.append({"field": field, "identifier": figure.text})
                continue
            found = match(figure, facts)
            if found is None:
                ungrounded.append({"field": field, "text": figure.text, "nearest": nearest(figure, facts)})
            else:
                figures.append({"field": field, "text": figure.text, "source": found.source, "value": found.value})
    return Verdict(tuple(figures), tuple(identifiers), tuple(ungrounded), tuple(unknown))
