"""What the page generators share: where each SOP's page is, names of things, small Markdown pieces."""

from __future__ import annotations

import datetime
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from compiler.domains import DOMAIN_TITLES
from compiler.i18n.labels import label
from compiler.model import Sop
from compiler.sitegen.escape import anchor, attr, text

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

SEVERITIES = ("critical", "high", "medium", "low")
STATUS_ORDER = {"active": 0, "draft": 1, "deprecated": 2}
KINDS = ("query", "check", "decision", "manual", "agent", "escalate", "action", "include")
DISPOSITIONS = ("no-finding", "action-taken", "escalated", "inconclusive")


def known(value: str, allowed: Sequence[str] | Mapping[str, object], fallback: str = "other") -> str:
    """The value if it is one of the allowed ones (safe in a class name), else the fallback."""
    return value if value in allowed else fallback


RUNBOOKS = "runbooks"
REFERENCE = "reference"
ALERTS = "alerts"

ALERT_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")
"""An alert name that can name a page (the pattern of triggers[].alert in the SOP schema)."""


def domain_title(domain: str, lang: str = "en") -> str:
    """Human name of a domain ('market-abuse' -> 'Market abuse')."""
    return label(lang, DOMAIN_TITLES.get(domain, domain.replace("-", " ").capitalize()))


def page_path(sop: Sop) -> str:
    """Where an SOP's page lives, relative to site/docs/."""
    return f"{RUNBOOKS}/{sop.domain}/{sop.id}.md"


def alert_path(alert: str) -> str:
    """Where an alert's page lives, relative to site/docs/ (served at /alerts/<alert>/)."""
    return f"{ALERTS}/{alert}.md"


@lru_cache(maxsize=1 << 16)
def relative(from_page: str, to_path: str) -> str:
    """A link from one docs file to another (both relative to site/docs/); cached, as index pages ask thousands."""
    return posixpath.relpath(to_path, posixpath.dirname(from_page) or ".")


def page_url(path: str) -> str:
    """The URL of a docs page under use_directory_urls ('a/b.md' -> 'a/b/', 'a/index.md' -> 'a/')."""
    stem = path.removesuffix(".md")
    return stem.removesuffix("index") if stem == "index" or stem.endswith("/index") else stem + "/"


def url_relative(from_page: str, to_page: str) -> str:
    """A link from one page to another for raw HTML, which MkDocs does not rewrite: URL to URL."""
    return posixpath.relpath(page_url(to_page) or ".", page_url(from_page) or ".") + "/"


def review_overdue(sop: Sop, today: datetime.date) -> bool:
    """True when review_by is a valid date before today."""
    try:
        return datetime.date.fromisoformat(sop.review_by) < today
    except ValueError:
        return False


def sort_key(sop: Sop) -> tuple[int, int, str, str]:
    """Current SOPs first, then by severity (critical first), title and id."""
    severity = SEVERITIES.index(sop.severity) if sop.severity in SEVERITIES else len(SEVERITIES)
    return (STATUS_ORDER.get(sop.status, 3), severity, sop.title.lower(), sop.id)


def badge(label: str, *classes: str) -> str:
    """An inline badge; classes are reduced to [a-z0-9_-]."""
    names = " ".join(["sop-badge", *(f"sop-badge--{anchor(c)}" for c in classes if c)])
    return f'<span class="{attr(names)}">{text(label)}</span>'


def status_badges(sop: Sop, today: datetime.date, lang: str = "en") -> str:
    """Severity, status and review badges for a title line or a table cell."""
    found = [badge(label(lang, sop.severity) if sop.severity else "severity?",
                   f"severity-{known(sop.severity, SEVERITIES)}")]
    if sop.status != "active":
        found.append(badge(label(lang, sop.status) if sop.status else "status?",
                           f"status-{known(sop.status, STATUS_ORDER)}"))
    if review_overdue(sop, today):
        found.append(badge(label(lang, "review overdue"), "overdue"))
    return " ".join(found)


def cell(value: str) -> str:
    """Table cell content: never empty, never a raw newline."""
    return value.replace("\n", " ").strip() or "—"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (cells must already be escaped)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Library:
    """The SOPs that get pages, by id, so that pages can link to each other."""

    sops: Mapping[str, Sop]
    today: datetime.date
    lang: str = "en"
    """Language of the pages (their fixed words; the SOPs come already translated)."""

    def link(self, from_page: str, sop_id: str) -> str:
        """A Markdown link to the SOP's page, or its id as code when it has no page."""
        target = self.sops.get(sop_id)
        if target is None:
            return f"<code>{text(sop_id)}</code>"
        return f"[{text(target.title or target.id)}]({relative(from_page, page_path(target))})"
