"""The findings report as a document: what a Compliance officer reads, independent of Markdown or HTML.

Pure: made from the skill and report.json alone. The summary says in plain
words what was reviewed, what was found (the decisive figures against their
thresholds), what is recommended and who must act by when; the decision path
gives, for every decision, the values read and the thresholds they were
compared with, including the conditions that did not hold when an
`otherwise` branch was taken. Text from SOPs, answers and data is carried as
plain text; the renderers (`reportmd`, `reporthtml`) make it inert.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from compiler.i18n.labels import label
from compiler.runner import figures as fig
from compiler.runner.includes import step_table

MD_ROWS = 20
"""Rows of each query shown; report.json keeps every recorded row."""
_OPS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "!=": "≠"}
_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "==": "==", "!=": "!="}


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of text: plain, strong (our own emphasis) or code (identifiers and hashes we made or checked)."""

    text: str
    kind: str = ""


Inline = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Item:
    """A list item, with items under it."""

    spans: Inline
    children: tuple[Item, ...] = ()


@dataclass(frozen=True, slots=True)
class Chart:
    """A decisive figure against its threshold (drawn as a small bar in HTML)."""

    label: str
    value: float
    limit: float
    op: str
    value_text: str
    limit_text: str
    holds: bool


@dataclass(frozen=True, slots=True)
class Block:
    """heading (level, text), para (spans), list (items, ordered), table (header, rows) or charts."""

    kind: str
    spans: Inline = ()
    level: int = 0
    items: tuple[Item, ...] = ()
    ordered: bool = False
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    charts: tuple[Chart, ...] = ()


@dataclass(frozen=True, slots=True)
class Comparison:
    """One value a condition compared with a threshold."""

    read: str
    op: str
    threshold: str
    value: Any
    limit: Any
    unit: str
    rows: int = 0
    """When the value is one field of each row of a query (rows.exists(r, r.x >= …)): how many rows were read;
    the value shown is the one nearest to holding (the highest for ≥ and >, the lowest for ≤ and <)."""
    source: str = ""
    """The rows read (the condition's read key), when rows is set."""

    @property
    def numeric(self) -> bool:
        return all(isinstance(v, int | float) and not isinstance(v, bool) for v in (self.value, self.limit))

    @property
    def holds(self) -> bool:
        a, b = self.value, self.limit
        return bool({">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b, "==": a == b, "!=": a != b}[self.op])

    def texts(self, lang: str = "en") -> tuple[str, str]:
        """The figure and the threshold in words, at one precision, with the unit (a count's noun from the name)."""
        if not self.numeric:
            return value_text(self.value, lang=lang), value_text(self.limit, lang=lang)
        if self.unit != "count":
            return fig.compared(self.value, self.limit, self.unit, lang)
        noun = count_noun(self.threshold)
        shown, limit = fig.compared(self.value, self.limit, "", lang)
        return (fig.with_unit(shown, fig.singular(noun) if shown == "1" else noun, lang),
                fig.with_unit(limit, fig.singular(noun) if limit == "1" else noun, lang))

    def figure_label(self) -> str:
        """What was read, without the unit its figure is written with (a row count by the rows it counts)."""
        unit = self.unit if self.unit != "count" else count_noun(self.threshold)
        read = self.read.removesuffix(".row_count")
        return _unitless(fig.label(read), unit)

    def words(self, lang: str = "en") -> str:
        shown, limit = self.texts(lang)
        mark = label(lang, "met" if self.holds else "not met")
        read = self.figure_label()
        if self.rows > 1:
            read = label(lang, "{read} (highest of {n} rows)" if self.op in (">=", ">") else
                         "{read} (lowest of {n} rows)", read=read, n=f"{self.rows:,}")
        named = fig.label(self.threshold)
        if self.figure_label() != fig.label(self.read.removesuffix(".row_count")):
            named = named.removesuffix(f" {self.unit}")
        named = "" if named == fig.label(self.read) else label(lang, " ({name})", name=named)
        return label(lang, "{read} {shown} {op} {limit}{named}: {mark}", read=read, shown=shown, op=_OPS[self.op],
                     limit=limit, named=named, mark=mark)

    def chart(self, lang: str = "en") -> Chart:
        shown, limit = self.texts(lang)
        return Chart(self.figure_label(), float(self.value), float(self.limit), self.op, shown, limit, self.holds)


def count_noun(threshold: str) -> str:
    """The noun a count threshold counts, from its name: min_counterparties → counterparties,
    max_accounts_per_identifier → accounts; '' when the name has no plural noun (sample_size)."""
    nouns = [w for w in threshold.split("_") if len(w) > 3 and w.endswith("s") and not w.endswith("ss")]
    return nouns[-1] if nouns else ""


def _unitless(label: str, unit: str) -> str:
    """volume usd → volume when the figure is written with USD anyway; confirmed errors → confirmed (8 errors)."""
    short = label.removesuffix(f" {unit}") if unit and unit not in UNITLESS else label
    return short if len(short) >= 5 else label  # "self usd" stays: "self" alone says nothing


UNITLESS = frozenset({"ratio", "multiple", "percent"})
"""Units written as a sign (%, ×), which a label never ends with."""


@dataclass(slots=True)
class Doc:
    """Blocks in reading order, added section by section."""

    blocks: list[Block] = field(default_factory=list)

    def heading(self, level: int, text: str) -> None:
        self.blocks.append(Block("heading", (Span(text),), level=level))

    def para(self, *spans: Span) -> None:
        self.blocks.append(Block("para", spans))

    def bullets(self, items: list[Item], ordered: bool = False) -> None:
        if items:
            self.blocks.append(Block("list", items=tuple(items), ordered=ordered))

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.blocks.append(Block("table", header=tuple(header), rows=tuple(tuple(r) for r in rows)))


def value_text(value: Any, name: str = "", lang: str = "en") -> str:
    """Any JSON value in words: numbers formatted, times in UTC, lists joined, objects as name: value pairs."""
    if value is None:
        return label(lang, "none")
    if isinstance(value, bool):
        return label(lang, "yes" if value else "no")
    if isinstance(value, int | float):
        if fig.is_ratio_name(name):
            return fig.percent(value)
        unit = "usd" if name.endswith("_usd") else "multiple" if name.endswith("_multiple") else ""
        return fig.with_unit(fig.number(value), unit, lang)
    if isinstance(value, str):
        return fig.timestamp(value) if fig.looks_like_time(value) else value
    if isinstance(value, list):
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            key = record_key(value)
            return fig.words([value_text(v[key], lang=lang) for v in value], lang) if key else \
                label(lang, "{n} records", n=f"{len(value):,}")
        return fig.words([value_text(v, lang=lang) for v in value], lang) if value else label(lang, "none")
    if isinstance(value, dict):
        if set(value) == {"first_20", "items"}:
            return label(lang, "{values} (first 20 of {n})", values=value_text(value["first_20"], lang=lang),
                         n=f"{value['items']:,}")
        return label(lang, "; ").join(label(lang, "{name}: {value}", name=k.replace("_", " "),
                                            value=value_text(v, k, lang))
                                      for k, v in value.items()) or label(lang, "none")
    return str(value)


def record_key(records: list[dict[str, Any]]) -> str | None:
    """The id field every record has (account_id, …), which names each in prose; None if there is none."""
    keys = [k for k in records[0] if k.endswith("_id") and all(isinstance(r.get(k), str) for r in records)]
    return keys[0] if keys else None


_OPERAND = r"(?:\b(?:double|int|uint)\(\s*)?([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d+\])*)(?:\s*\))?"
_COMPARISON = re.compile(_OPERAND + r"\s*(>=|<=|==|!=|>|<)\s*" + _OPERAND)
"""a >= b, where each side is a name path, bare or converted (double(x), int(x))."""
_MACRO = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d+\])*)\.(?:exists|all|exists_one|filter)\(\s*([A-Za-z_]\w*)\s*,")
"""rows.exists(r, …): the rows a macro variable stands for."""


@functools.lru_cache(maxsize=1024)  # a skill has few expressions; each report reads them several times
def _pairs(expression: str) -> tuple[tuple[str, str, str, str], ...]:
    """(left, op, right, the rows the left side's macro variable stands for, or '') of each comparison."""
    bindings = [(m.start(), m.group(2), m.group(1)) for m in _MACRO.finditer(expression)]
    found = []
    for match in _COMPARISON.finditer(expression):
        left, op, right = match.groups()
        variable = (left if not left.startswith("thresholds.") else right).partition(".")[0]
        rows = [r for at, v, r in bindings if v == variable and at < match.start()]  # the nearest one before
        found.append((left, op, right, rows[-1] if rows else ""))
    return tuple(found)


def _row_values(recorded: Any, field: str) -> list[Any]:
    """The field of each recorded row (a list of rows, or the first 20 of a longer one)."""
    rows = recorded.get("first_20") if isinstance(recorded, dict) else recorded
    if not isinstance(rows, list):
        return []
    return [r[field] for r in rows if isinstance(r, dict) and isinstance(r.get(field), int | float)
            and not isinstance(r.get(field), bool)]


def comparisons(condition: Mapping[str, Any], thresholds: Mapping[str, Any]) -> list[Comparison]:
    """The threshold comparisons in a recorded condition, with the values it read (for a field of each row
    inside rows.exists(r, …), the value nearest to holding)."""
    found: list[Comparison] = []
    reads = condition["reads"]
    for left, op, right, rows in _pairs(str(condition["expression"])):
        if right.startswith("thresholds.") and not left.startswith("thresholds."):
            read, key = left, right
        elif left.startswith("thresholds.") and not right.startswith("thresholds."):
            read, key, op = right, left, _FLIP[op]
        else:
            continue
        name = key.removeprefix("thresholds.")
        if key not in reads or name not in thresholds:
            continue
        unit = str(thresholds[name].get("unit", ""))
        field = read.partition(".")[2]
        if read in reads:
            item = Comparison(read, op, name, reads[read], reads[key], unit)
        elif rows in reads and field.isidentifier() and op not in ("==", "!="):
            values = _row_values(reads[rows], field)
            if not values:
                continue
            nearest = max(values) if op in (">=", ">") else min(values)
            item = Comparison(f"{rows}.{field}", op, name, nearest, reads[key], unit, rows=len(values), source=rows)
        else:
            continue
        if item not in found:
            found.append(item)
    return found


def plain_reads(condition: Mapping[str, Any], compared: list[Comparison], thresholds: Mapping[str, Any],
                lang: str = "en", *, counts: bool = True) -> list[str]:
    """The values a condition read that no threshold comparison shows, in words (counts: also how many rows
    of a query it read, which the decision path shows and the summary leaves out)."""
    used = {c.read for c in compared} | {c.source for c in compared} | {f"thresholds.{c.threshold}" for c in compared}
    lines = []
    for key, value in condition["reads"].items():
        if key in used:
            continue
        root, _, rest = key.partition(".")
        if root == "thresholds" and rest in thresholds and isinstance(value, int | float):
            lines.append(label(lang, "threshold {name}: {value}", name=fig.label(rest),
                               value=fig.threshold(value, str(thresholds[rest].get("unit", "")), lang)))
        elif key.endswith((".rows", ".row_count")):
            if not counts:
                continue
            root = key.rpartition(".")[0]
            count = value if isinstance(value, int) else len(value) if isinstance(value, list) else \
                value.get("items", 0) if isinstance(value, dict) else 0
            rows = label(lang, "1 row") if count == 1 else label(lang, "{n} rows", n=f"{count:,}")
            lines.append(label(lang, "{name}: {value}", name=fig.label(root), value=rows))
        else:
            name = fig.label(key)
            shown = value_text(value, name.replace(" ", "_"), lang)
            if isinstance(value, int | float) and name.endswith(" usd") and len(name) > 8:
                name = name.removesuffix(" usd")  # the figure says USD
            lines.append(label(lang, "{name}: {value}", name=name, value=shown))
    return list(dict.fromkeys(lines))


def decisive(skill: Mapping[str, Any], report: Mapping[str, Any],
             lang: str = "en") -> tuple[list[Comparison], list[str]]:
    """What decided the path: the comparisons (and other values read, row counts aside) of each branch taken, or
    of every condition that failed before an otherwise was taken."""
    out: list[Comparison] = []
    other: list[str] = []
    for step in report["steps"]:
        conditions = step.get("conditions", [])
        if not conditions or step["status"] != "done":
            continue
        held = [c for c in conditions if c["result"]]
        thresholds = thresholds_of(skill, step["step"])
        for condition in held[-1:] if held else conditions:
            found = comparisons(condition, thresholds)
            out += [c for c in found if c not in out]
            other += [line for line in plain_reads(condition, found, thresholds, lang, counts=False)
                      if line not in other]
    return out, other


def thresholds_of(skill: Mapping[str, Any], step_id: str) -> Mapping[str, Any]:
    """The thresholds a step's conditions read: those of the skill that declares it (an included one too)."""
    place = step_table(skill).get(step_id)
    found: Mapping[str, Any] = place.skill["thresholds"] if place else skill["thresholds"]
    return found
