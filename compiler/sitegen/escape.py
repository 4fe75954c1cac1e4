"""Putting SOP-provided strings into generated Markdown without letting them act.

The pages are Markdown read by Python-Markdown (MkDocs), which passes raw HTML
through and links any `[text](javascript:...)`. SOP text is author input, so
every SOP string goes through exactly one of these functions:

- `text` for a plain value (an id, a title, a team): `&`, `<`, `>` become
  entities, and so does every ASCII punctuation character that Markdown or an
  enabled extension could read as syntax (emphasis, links, `{: attr_list}`,
  headings' closing `#`, table pipes). Python-Markdown copies entities through
  untouched and the browser shows the original character, so the reader sees
  exactly what the author wrote and nothing in it is interpreted.
- `rich_block` / `rich_inline` for the fields the format documents as Markdown
  (summary, instruction, message, descriptions): markdown-it-py renders them
  with raw HTML disabled, images disabled (they would be requests to other
  hosts) and its link validation (no `javascript:`, `vbscript:`, `file:` or
  `data:` links); the text inside the resulting tags is escaped like `text`,
  so Python-Markdown finds nothing left to interpret.
- `meta_title` for the page title in front matter, which the theme's
  templates print without escaping and pass through Jinja's `striptags`
  (which decodes entities once): `<` and `>` are replaced by the look-alike
  single angle quotation marks (U+2039, U+203A) so that no decoding step can turn the title into a tag.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererProtocol
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ACTIVE = set("\\`*_{}[]()#+!|~^=:$")
"""Characters that Markdown or an extension may treat as syntax somewhere."""

_ENTITY_TABLE = {ord(c): f"&#{ord(c)};" for c in _ACTIVE} | {ord(k): v for k, v in _NAMED.items()}


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters other than tab and newline, and lone surrogates: they break YAML, HTML or UTF-8."""


def clean(value: str) -> str:
    """The string with CRLF as LF and every other control character replaced by U+FFFD."""
    if value.isprintable():
        return value
    return _CONTROL.sub("\ufffd", value.replace("\r\n", "\n"))


def text(value: str) -> str:
    """A plain SOP value as inert Markdown: one line, every active character an entity."""
    return " ".join(clean(value).split()).translate(_ENTITY_TABLE)


def code(value: str) -> str:
    """A plain value shown as inline code (`<code>` with inert content)."""
    return f"<code>{text(value)}</code>" if value else ""


def attr(value: str) -> str:
    """A value for an HTML attribute we write ourselves (quoted with double quotes)."""
    return html.escape(clean(value), quote=True)


def svg_text(value: str) -> str:
    """Text content of an SVG element."""
    return html.escape(" ".join(clean(value).split()), quote=False)


def anchor(value: str) -> str:
    """An HTML id fragment built from an SOP identifier: only [a-z0-9_-] survive."""
    return re.sub(r"[^a-z0-9_-]+", "-", value.lower()).strip("-") or "x"


def meta_title(value: str) -> str:
    """The page title for front matter, as a YAML (JSON) string that stays text in every template."""
    plain = " ".join(clean(value).replace("<", "\u2039").replace(">", "\u203a").split())
    plain = re.sub("[\ufffe\uffff]", "\ufffd", plain)  # not allowed in YAML
    return json.dumps(html.escape(plain, quote=False), ensure_ascii=False)


def safe_url(url: str) -> str | None:
    """The URL if it is an absolute http(s) URL without spaces or quotes, else None."""
    return url if re.fullmatch(r"https?://[^\s<>\"'`\\]+", url) else None


def link(label: str, url: str) -> str:
    """An external link when the URL is safe, the label as text otherwise."""
    good = safe_url(url)
    if good is None:
        return text(label)
    return f'<a href="{attr(good)}">{text(label)}</a>'


# -- Markdown fields ----------------------------------------------------------


def _render_text(renderer: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict,
        env: EnvType) -> str:
    return text_keep_space(tokens[idx].content)


def _render_code_inline(renderer: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict,
        env: EnvType) -> str:
    return f"<code>{text_keep_space(tokens[idx].content)}</code>"


def _render_block_code(renderer: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict,
        env: EnvType) -> str:
    body = clean(tokens[idx].content).translate(_ENTITY_TABLE)
    # A blank line inside a raw HTML block could end it early for some parsers; keep lines non-empty.
    body = "\n".join(line or "&#32;" for line in body.split("\n"))
    return f"<pre><code>{body}</code></pre>\n"


def _render_softbreak(renderer: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict,
        env: EnvType) -> str:
    return " "


def _render_hardbreak(renderer: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict,
        env: EnvType) -> str:
    return "<br>"


def text_keep_space(value: str) -> str:
    """Like `text` but keeps the spacing (for text inside tags we close ourselves)."""
    return clean(value).replace("\n", " ").translate(_ENTITY_TABLE)


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.disable("image")
    md.add_render_rule("text", _render_text)
    md.add_render_rule("code_inline", _render_code_inline)
    md.add_render_rule("code_block", _render_block_code)
    md.add_render_rule("fence", _render_block_code)
    md.add_render_rule("softbreak", _render_softbreak)
    md.add_render_rule("hardbreak", _render_hardbreak)
    return md


def _no_blank_lines(rendered: str) -> str:
    return "\n".join(line for line in rendered.split("\n") if line.strip())


def rich_block(value: str, css: str = "sop-md") -> str:
    """A Markdown field as one raw HTML block (place it at column 0, blank lines around)."""
    if not value.strip():
        return ""
    body = _no_blank_lines(_parser().render(clean(value)))
    return f'<div class="{attr(css)}">\n{body}\n</div>'


@lru_cache(maxsize=1 << 16)
def rich_inline(value: str) -> str:
    """A Markdown field as inline HTML on one line (for table cells and list items).

    Cached: the index pages show every SOP's alerts, and a preview renders them again after each edit."""
    if not value.strip():
        return ""
    rendered: str = _parser().renderInline(" ".join(clean(value).split()))
    return rendered.replace("\n", " ")


def number(value: Any) -> str:
    """A number as people read it: 10000 -> 10,000; 0.2 -> 0.2 (no float noise)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return text(str(value))
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.10g}" if abs(value) >= 1000 else f"{value:.10g}"
