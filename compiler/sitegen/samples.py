"""Generated SOP documents for the site's tests and benchmark.

- `hostile`: an SOP whose every free-text field (and the names of its inputs,
  thresholds and fields) carries XSS payloads, to prove that nothing an author
  writes runs in the browser.
- `html_hazards`: what in an HTML page could run script, for the tests to
  assert that there is nothing.
- `variant`: the n-th variation of a real SOP (new id, domain, alerts,
  title), to build a large library for the benchmark.

Both work on the loaded YAML data (dicts and lists), not on text.
"""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from typing import Any

from compiler.domains import DOMAINS

PAYLOAD = (
    "<script>window.__xss=1</script>"
    '<img src=x onerror="window.__xss=1">'
    "[click me](javascript:window.__xss=1) "
    '<a href="javascript:window.__xss=1">link</a> '
    '{: onclick="window.__xss=1" } '
    "&lt;img src=x onerror=window.__xss=1&gt; "
    "</title><svg onload=window.__xss=1> "
    "``` `tick` | pipe | ## "
)
"""Raw HTML, an event handler, javascript: links, an attr_list, entity-encoded HTML, a title breakout, fences."""

STRUCTURAL = frozenset({"id", "domain", "status", "next", "outcome", "superseded_by", "format", "version", "kind",
                        "review_by", "date", "otherwise"})
"""Keys whose values must stay valid for the SOP to have pages and a step graph."""

RENAMED_KEYS = frozenset({"inputs", "thresholds", "evidence", "output"})
"""Mappings whose keys (names) get the payload too."""


def _inject(node: Any, key: str, payload: str) -> Any:
    if isinstance(node, dict):
        return {(k + payload if key in RENAMED_KEYS else k): _inject(v, k, payload) for k, v in node.items()}
    if isinstance(node, list):
        return [_inject(v, key, payload) for v in node]
    if isinstance(node, str) and key not in STRUCTURAL:
        return node + payload
    return node


def hostile(data: dict[str, Any], sop_id: str = "xss-everywhere", payload: str = PAYLOAD) -> dict[str, Any]:
    """A copy of an SOP document with the payload appended to every free-text value and name."""
    out: dict[str, Any] = _inject(copy.deepcopy(data), "", payload)
    out["id"] = sop_id
    out["tests"] = []
    return out


SEVERITIES = ("low", "medium", "high", "critical")
WORDS = ("spoofing", "layering", "ramping", "marking", "churning", "front-running", "quote-stuffing", "painting")


def variant(data: dict[str, Any], n: int) -> dict[str, Any]:
    """The n-th variation of an SOP document: id, domain, severity, title, tags and alert names change."""
    out = copy.deepcopy(data)
    word = WORDS[n % len(WORDS)]
    out["id"] = f"{data['id']}-{n:04d}"
    out["domain"] = DOMAINS[n % len(DOMAINS)]
    out["severity"] = SEVERITIES[n % len(SEVERITIES)]  # 4 and 9 domains are coprime: every pairing occurs
    out["title"] = f"{data['title']} ({word} variant {n})"
    out["tags"] = [*data.get("tags", []), word]
    out["triggers"] = [{**t, "alert": f"{t['alert']}_{n:04d}"} for t in data.get("triggers", [])]
    return out


class _Hazards(HTMLParser):
    """Collects what could run script in a page: handlers, script URLs, marked scripts, embeds."""

    URL_ATTRS = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"})

    def __init__(self, marker: str) -> None:
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            text = (value or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            elif name in self.URL_ATTRS and text.replace("\t", "").replace("\n", "").startswith(
                    ("javascript:", "vbscript:", "data:text")):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag in ("iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        if tag == "script":
            self._in_script = True
            if any(self.marker in (v or "") for _, v in attrs):
                self.found.append("<script> with the marker in an attribute")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and self.marker in data:
            self.found.append("<script> with the marker in its code")


def html_hazards(html: str, marker: str = "__xss") -> list[str]:
    """Event-handler attributes, script/javascript: URLs, embeds and scripts carrying the marker."""
    parser = _Hazards(marker)
    parser.feed(html)
    parser.close()
    return parser.found
