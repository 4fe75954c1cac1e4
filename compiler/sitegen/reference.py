"""Generated reference pages: the diagnostic codes (compiler/codes.py) and the format (schema/sop.schema.json)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from compiler.codes import Code
from compiler.sitegen.cases import Example
from compiler.sitegen.common import badge, table
from compiler.sitegen.escape import anchor, code, meta_title, text
from compiler.sitegen.steps import fence

FAMILIES = {
    "0": "Reading the file",
    "1": "Schema",
    "2": "Step graph",
    "3": "SQL",
    "4": "Conditions",
    "5": "Library",
    "6": "Lifecycle",
    "7": "Test scenarios",
}


def _head(title: str) -> list[str]:
    return ["---", f"title: {meta_title(title)}", "---", "", f"# {text(title)}", ""]


def _safe_name(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._/-]+", "_", value)


LONGEST_LINE = 200
"""Characters of an example's line shown: a hostile case's 10,000 brackets say nothing more than their first
hundred, and a page section that long is past what a site search indexes (Zensical refuses to build)."""


def _cut_long_lines(snippet: str) -> str:
    return "\n".join(line if len(line) <= LONGEST_LINE
                     else f"{line[:LONGEST_LINE - 40]} … ({len(line) - LONGEST_LINE + 40:,} more characters)"
                     for line in snippet.split("\n"))


def _example(example: Example) -> list[str]:
    lines = [f"Example from the test case {code(example.case)}:", ""]
    for snippet in example.snippets:
        if not snippet.text:
            lines += [f"*{text(snippet.note or snippet.name)}*", ""]
            continue
        if snippet.note:
            lines += [f"{code(snippet.name)}, {text(snippet.note)}:", ""]
        options = f' title="{_safe_name(f"{example.case}/{snippet.name}")}" linenums="{snippet.first_line}"'
        if snippet.highlight:
            relative_lines = " ".join(str(n - snippet.first_line + 1) for n in snippet.highlight)
            options += f' hl_lines="{relative_lines}"'
        block = fence(_cut_long_lines(snippet.text), "yaml")
        block[0] += options
        lines += [*block, ""]
    if example.diagnostics:
        lines += ["`sopc validate` reports:", "", *fence("\n".join(example.diagnostics), "text"), ""]
    return lines


def diagnostics_page(codes: Iterable[Code], examples: Mapping[str, Example]) -> str:
    """reference/diagnostics.md: every code with its explanation and, where a test case shows it, an example."""
    lines = _head("Diagnostic codes")
    lines += ["`sopc validate` reports every problem at once, each as "
              "`path:line:col: severity[CODE] message`, followed by the JSON pointer of the value and a hint. "
              "Codes are stable: a code is never reused for another meaning. Warnings become errors with "
              "`--strict`.", ""]
    family = ""
    for c in sorted(codes, key=lambda c: c.code):
        digit = c.code[3:4]
        if digit != family:
            family = digit
            name = FAMILIES.get(digit, "Other")
            lines += [f"## {text(name)} ({text(c.code[:4])}xx) {{ #family-{anchor(c.code[:4])}xx }}", ""]
        lines += [f"### {text(c.code)} — {text(c.title)} {{ #{anchor(c.code)} }}", "",
                  f'<p class="sop-step-meta">{badge(c.severity, "diag-" + c.severity)}</p>', "",
                  text(c.explanation), ""]
        example = examples.get(c.code)
        if example is not None:
            lines += _example(example)
    return "\n".join(lines).rstrip("\n") + "\n"


# -- format reference -----------------------------------------------------------


def _def_link(ref: str, defs: Mapping[str, Any]) -> str:
    name = ref.rsplit("/", 1)[-1]
    spec = defs.get(name, {})
    title = spec.get("title", name) if isinstance(spec, dict) else name
    return f"[{text(title)}](#def-{anchor(name)})"


def type_of(spec: Any, defs: Mapping[str, Any]) -> str:
    """The type of a schema node, in words, with links to definitions."""
    if not isinstance(spec, dict):
        return "any"
    if "$ref" in spec and isinstance(spec["$ref"], str):
        return _def_link(spec["$ref"], defs)
    if "const" in spec:
        return "exactly " + code(json.dumps(spec["const"]))
    if "enum" in spec and isinstance(spec["enum"], list):
        return "one of " + ", ".join(code(str(v)) for v in spec["enum"])
    kind = spec.get("type")
    if kind == "array":
        return "list of " + type_of(spec.get("items"), defs)
    if kind == "object" and isinstance(spec.get("additionalProperties"), dict):
        key = spec.get("propertyNames")
        key_text = type_of(key, defs) if isinstance(key, dict) else "name"
        return f"map of {key_text} → {type_of(spec['additionalProperties'], defs)}"
    if isinstance(kind, list):
        return " or ".join(text(str(k)) for k in kind)
    return text(str(kind)) if kind else "any"


_CONSTRAINTS = (
    ("pattern", "pattern {}"), ("format", "format {}"), ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"), ("minimum", "at least {}"), ("maximum", "at most {}"),
    ("minItems", "at least {} items"), ("maxItems", "at most {} items"), ("minProperties", "at least {} entries"),
)


def constraints(spec: Any) -> str:
    """Pattern, length and count limits of a schema node."""
    if not isinstance(spec, dict):
        return ""
    found = []
    for key, words in _CONSTRAINTS:
        if key in spec:
            value = spec[key]
            shown = code(str(value)) if key in ("pattern", "format") else text(str(value))
            found.append(words.format(shown))
    if spec.get("uniqueItems"):
        found.append("no duplicates")
    return "; ".join(found)


def _describe(spec: Any) -> str:
    if not isinstance(spec, dict):
        return ""
    title = spec.get("title", "")
    desc = spec.get("description", "")
    parts = [f"**{text(title)}**" if title else "", text(desc)]
    limits = constraints(spec)
    if limits:
        parts.append(f"({limits})")
    return " ".join(p for p in parts if p)


def _properties_table(spec: Mapping[str, Any], defs: Mapping[str, Any]) -> list[str]:
    props = spec.get("properties")
    if not isinstance(props, dict) or not props:
        return []
    required = set(spec.get("required", [])) if isinstance(spec.get("required"), list) else set()
    rows = [[code(name), type_of(p, defs), "yes" if name in required else "", _describe(p)]
            for name, p in props.items()]
    extra = sorted(required - set(props))
    lines = [table(["Field", "Type", "Required", "Description"], rows), ""]
    if extra:
        lines += ["Also required here: " + ", ".join(code(n) for n in extra) + ".", ""]
    for name, p in props.items():  # objects written inline (not as a definition) get their own table
        if isinstance(p, dict) and isinstance(p.get("properties"), dict) and p["properties"]:
            lines += [f"Fields of {code(name)}:", "", *_properties_table(p, defs)]
    return lines


def _rules(spec: Mapping[str, Any], defs: Mapping[str, Any]) -> list[str]:
    rules = []
    for rule in spec.get("allOf", []) if isinstance(spec.get("allOf"), list) else []:
        cond, then = rule.get("if", {}), rule.get("then", {})
        if not isinstance(cond, dict) or not isinstance(then, dict):
            continue
        for field, value in (cond.get("properties") or {}).items():
            if isinstance(value, dict) and "const" in value:
                when = f"When {code(field)} is {code(str(value['const']))}"
                if "$ref" in then:
                    rules.append(f"- {when}: see {_def_link(then['$ref'], defs)}.")
                if isinstance(then.get("required"), list):
                    rules.append(f"- {when}: {', '.join(code(n) for n in then['required'])} is required.")
    return [*rules, ""] if rules else []


def format_page(schema: Mapping[str, Any]) -> str:
    """reference/format.md: every field of the SOP format with its title, type and description."""
    defs = schema.get("$defs", {}) if isinstance(schema.get("$defs"), dict) else {}
    lines = _head("SOP format reference")
    lines += [f"{text(str(schema.get('description', '')))}", "",
              "Generated from `schema/sop.schema.json`, the schema editors use to complete and check SOP files. "
              "See [Writing an SOP](../writing-an-sop.md) for a complete example.", "",
              "## Top level { #top-level }", ""]
    lines += _properties_table(schema, defs)
    lines += _rules(schema, defs)
    lines += ["## Definitions { #definitions }", ""]
    for name, spec in defs.items():
        if not isinstance(spec, dict):
            continue
        lines += [f"### {text(str(spec.get('title', name)))} {{ #def-{anchor(name)} }}", "",
                  f"{code(name)}: {text(str(spec.get('description', '')))}", ""]
        if "$ref" in spec:
            lines += [f"Also takes every field of {_def_link(spec['$ref'], defs)}.", ""]
        props = spec.get("properties")
        if isinstance(props, dict) and props:
            lines += _properties_table(spec, defs)
        else:
            kind = type_of({k: v for k, v in spec.items() if k not in ("title", "description")}, defs)
            limits = constraints(spec)
            lines += [f"Type: {kind}" + (f"; {limits}" if limits else "") + ".", ""]
        lines += _rules(spec, defs)
        if spec.get("additionalProperties") is False or spec.get("unevaluatedProperties") is False:
            lines += ["No other fields are allowed.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
