"""Ready-to-run queries: each query's SQL with its $parameters marked, and the form that fills them in.

The page shows every query expanded, as written, with each `$name` in a
span that says where its value comes from: an input (typed in the form at
the top of the page, whose fields follow the skill's input schema), a
threshold (a number known at build time, filled in here), or a value
computed from an earlier step (said in words, with a field to paste it).
site/docs/javascripts/runbook.js turns what is typed into DuckDB literals
and puts them in the spans; without script the SQL reads as written.

Everything an author wrote reaches the HTML through `html.escape`/`attr` or
the escape module; the script only ever sets text, never markup.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.i18n.labels import label
from compiler.model import Sop, Step
from compiler.sitegen.escape import attr, clean, code, rich_inline, text
from compiler.sitegen.words import Speaker

_TOKEN = re.compile(r"""'(?:[^']|'')*'?|"(?:[^"]|"")*"?|--[^\n]*|/\*[\s\S]*?(?:\*/|$)|\$([A-Za-z_]\w*)""")
"""A string, a quoted name or a comment (text, whatever they hold; unterminated ones run to the end), or a $name."""


def sql_pieces(sql: str) -> list[tuple[str, str]]:
    """The SQL as ('sql', text) and ('param', name) pieces; `$name` inside strings, quoted names and comments
    is text."""
    pieces: list[tuple[str, str]] = []
    start = 0
    for match in _TOKEN.finditer(sql):
        if match[1] is None:
            continue
        if match.start() > start:
            pieces.append(("sql", sql[start:match.start()]))
        pieces.append(("param", match[1]))
        start = match.end()
    if start < len(sql):
        pieces.append(("sql", sql[start:]))
    return pieces


def sql_number(value: Any) -> str:
    """A threshold as a DuckDB numeric literal."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else "NULL"
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class Computed:
    """A query parameter computed from earlier steps: its field key, words and kind."""

    name: str
    key: str
    words: str
    kind: str


def computed_params(sop: Sop, step: Step, speaker: Speaker) -> list[Computed]:
    """The step's parameters that come from earlier results, in the order the SQL first uses them."""
    used = dict.fromkeys(name for kind, name in sql_pieces(step.sql) if kind == "param")
    found = []
    for name in used:
        if name in step.params:
            said = speaker.describe(step.params[name])
            found.append(Computed(name, f"{step.id}.{name}", said.words, said.kind))
    return found


def _kind(name: str, sop: Sop) -> str:
    spec = sop.inputs.get(name)
    return spec.type if spec is not None else "string"


def sql_html(sop: Sop, step: Step, lang: str = "en") -> str:
    """The query as a raw HTML block: <pre><code> with a span per parameter (see runbook.js)."""
    out: list[str] = []
    for kind, value in sql_pieces(clean(step.sql).rstrip("\n")):
        if kind == "sql":
            out.append(html.escape(value, quote=False))
        elif value in step.params:
            out.append(f'<span class="sop-param sop-param--computed" data-param="{attr(step.id + "." + value)}" '
                       f'data-kind="computed">${html.escape(value)}</span>')
        elif value in sop.inputs:
            out.append(f'<span class="sop-param" data-param="{attr(value)}" data-kind="{attr(_kind(value, sop))}">'
                       f"${html.escape(value)}</span>")
        elif value in sop.thresholds:
            literal = sql_number(sop.thresholds[value].value)
            out.append(f'<span class="sop-param sop-param--fixed" title="{attr(label(lang, "threshold {name}", name=value))}">'
                       f"{html.escape(literal)}</span>")
        else:
            out.append(f"${html.escape(value)}")
    # No blank line may end the raw HTML block early: an empty line keeps one space.
    body = "\n".join(line or " " for line in "".join(out).split("\n"))
    return f'<div class="sop-sql" data-sop-sql="{attr(step.id)}"><pre><code>{body}</code></pre></div>'


def computed_fields(step: Step, computed: Sequence[Computed], lang: str = "en") -> list[str]:
    """Markdown lines: each computed parameter in words, then a raw HTML block with a field per parameter."""
    if not computed:
        return []
    lines = [label(lang, "Values this query needs from earlier steps (paste them below to fill the query in):"), ""]
    lines += ["- " + label(lang, "{name}: {value}", name=code("$" + c.name), value=c.words) for c in computed]
    lines += ["", '<div class="sop-form sop-form--computed" data-sop-form hidden>']
    for n, c in enumerate(computed, start=1):
        field_id = f"sop-{attr(step.id)}-{n}"
        many = c.kind == "list"
        placeholder = label(lang, "one value per line" if many else "the value")
        # A textarea even for one value: a pasted value may hold a line break, which an <input> would drop.
        box = (f'<textarea id="{field_id}" rows="{2 if many else 1}" data-sop-value="{attr(c.key)}" '
               f'data-kind="{attr(c.kind)}" placeholder="{placeholder}" spellcheck="false"></textarea>')
        default_as = "number" if c.kind == "number" else "text"
        # The value says how runbook.js quotes what is pasted; the text is the page's word for it.
        options = "".join(f'<option value="{v}"{" selected" if v == default_as else ""}>{text(label(lang, v))}</option>'
                          for v in ("text", "number", "timestamp"))
        kind_of = attr(label(lang, "type of {name}", name=c.name))
        lines.append(f'<p class="sop-form__field"><label for="{field_id}">{code("$" + c.name)}</label>{box}'
                     f'<select aria-label="{kind_of}" data-sop-as="{attr(c.key)}">{options}</select>'
                     f'<span class="sop-form__error" data-sop-error="{attr(c.key)}" hidden></span></p>')
    lines += ["</div>", ""]
    return lines


_TYPE_WORDS = {"string": "text", "integer": "whole number", "number": "number", "boolean": "yes / no",
               "timestamp": "timestamp, ISO 8601 (UTC unless an offset is given)", "duration": "duration (4h, 30m)",
               "enum": "one of the listed values"}


def _field(n: int, name: str, schema: Mapping[str, Any], required: bool, lang: str) -> str:
    kind = "timestamp" if schema.get("format") == "date-time" else "enum" if "enum" in schema else \
        str(schema.get("type", "string"))
    field_id = f"sop-input-{n}"
    default = schema.get("default")
    common = f'id="{field_id}" data-sop-value="{attr(name)}" data-kind="{attr(kind)}"'
    if schema.get("pattern"):
        common += f' data-pattern="{attr(str(schema["pattern"]))}"'
    if kind in ("enum", "boolean"):
        values = [str(v) for v in schema.get("enum", [])] if kind == "enum" else ["true", "false"]
        chosen = str(default).lower() if isinstance(default, bool) else str(default) if default is not None else ""
        options = ['<option value="">—</option>'] + [
            f'<option value="{attr(v)}"{" selected" if v == chosen else ""}>{text(v)}</option>' for v in values]
        box = f"<select {common}>{''.join(options)}</select>"
    else:
        value = f' value="{attr(json.dumps(default) if not isinstance(default, str) else default)}"' \
            if default is not None else ""
        placeholder = "2026-01-05T00:00:00Z" if kind == "timestamp" else ""
        box = f'<input {common} type="text" placeholder="{placeholder}"{value} spellcheck="false">'
    need = "" if required else label(lang, " (optional)")
    return (f'<p class="sop-form__field"><label for="{field_id}">{code(name)} '
            f'<span class="sop-form__type">{text(label(lang, _TYPE_WORDS.get(kind, kind)))}{need}</span></label>{box}'
            f'<span class="sop-form__hint">{rich_inline(str(schema.get("description", "")))}</span>'
            f'<span class="sop-form__error" data-sop-error="{attr(name)}" hidden></span></p>')


def input_form(schema: Mapping[str, Any], lang: str = "en") -> list[str]:
    """Markdown lines: the inputs form, typed from the skill's inputs schema (a raw HTML block)."""
    properties: Mapping[str, Any] = schema.get("properties", {})
    if not properties:
        return []
    required = set(schema.get("required", []))
    lines = [f"### {label(lang, 'Fill in the queries')}", "",
             label(lang, "Type the values from the alert: every query in the checklist shows them filled in as SQL "
                         "literals, quoted for DuckDB, ready to paste into the warehouse console. What you type stays "
                         "in this page."), "",
             '<form class="sop-form" data-sop-form hidden autocomplete="off">']
    lines += [_field(n, name, spec, name in required, lang)
              for n, (name, spec) in enumerate(properties.items(), start=1)]
    lines += [f'<p class="sop-form__field"><button type="reset" class="md-button">{text(label(lang, "Clear"))}</button>'
              "</p>", "</form>", ""]
    return lines
