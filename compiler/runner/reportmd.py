"""report.md: the report's blocks as Markdown in which no value can act.

Every text from an SOP, an answer or the data goes through `inline`: one
line (control characters replaced, as the site's `escape.clean` does); the
characters CommonMark and Python-Markdown both read as syntax and both
unescape with a backslash (`*`, `` ` ``, `[`, `]`, `#`, `\\`, and `_` at a
word's edge) backslash-escaped; `<` before a tag's first character, `&`
before an entity, `~` and `|` written as entities (which both pass through
as text); and an invisible word joiner (U+2060) placed where a GFM or
linkify autolink would start (`://`, `www.`, `@`, `name.tld`), so a
URL in a note stays text. Values never begin a line: each follows text of
ours, so nothing in them can open a heading, list, quote or code fence.
"""

from __future__ import annotations

import functools
import re

from compiler.runner.reportdoc import Block, Item, Span
from compiler.sitegen.escape import clean

_SYNTAX = re.compile(r"[\\`*\[\]#]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_ENTITY = re.compile(r"<(?=[A-Za-z/!?])|&(?=[A-Za-z#])|[~|]")
_ENTITIES = {"<": "&lt;", "&": "&amp;", "~": "&#126;", "|": "&#124;"}
_LINKS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)|(?<=[A-Za-z0-9])(?=\.[A-Za-z])", re.IGNORECASE)
WORD_JOINER = "\u2060"


@functools.lru_cache(maxsize=4096)  # labels, names and cells repeat within a report and across its rebuilds
def inline(value: str) -> str:
    """Plain text as inert Markdown on one line."""
    text = " ".join(clean(value).split())
    escaped = _SYNTAX.sub(lambda m: "\\" + m.group(0), text)
    return _LINKS.sub(WORD_JOINER, _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], escaped))


def _edges(text: str, body: str) -> str:
    """body with one space before and after if text had spacing there (inline() trims it)."""
    if not body:
        return " " if text[:1].isspace() else ""
    return (" " if text[:1].isspace() else "") + body + (" " if text[-1:].isspace() else "")


def _spans(spans: tuple[Span, ...]) -> str:
    out = []
    for span in spans:
        if span.kind == "code":  # identifiers and hashes sopc made or checked: no backticks in them
            out.append(f"`{span.text.replace('`', '')}`")
        elif span.kind == "strong" and span.text.strip():
            out.append(_edges(span.text, f"**{inline(span.text)}**"))
        else:
            out.append(_edges(span.text, inline(span.text)))
    return "".join(out).strip()


def _cell(text: str) -> str:
    return inline(text) or " "


def _items(items: tuple[Item, ...], ordered: bool, depth: int) -> list[str]:
    lines = []
    for number, item in enumerate(items, start=1):
        marker = f"{number}. " if ordered else "- "
        lines.append("    " * depth + marker + _spans(item.spans))
        lines += _items(item.children, False, depth + 1)
    return lines


def render(blocks: list[Block]) -> str:
    """The Markdown text of the report (LF, one trailing newline)."""
    out: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            out += ["#" * block.level + " " + _spans(block.spans), ""]
        elif block.kind == "para":
            out += [_spans(block.spans), ""]
        elif block.kind == "list":
            out += [*_items(block.items, block.ordered, 0), ""]
        elif block.kind == "table":
            out.append("| " + " | ".join(_cell(h) for h in block.header) + " |")
            out.append("|" + "---|" * len(block.header))
            out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
