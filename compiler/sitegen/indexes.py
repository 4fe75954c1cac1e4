"""Index pages: all runbooks by domain and by severity (the alert quick index is in alerts.py)."""

from __future__ import annotations

from collections.abc import Sequence

from compiler.i18n.labels import label
from compiler.model import Sop
from compiler.sitegen.common import (
    RUNBOOKS,
    SEVERITIES,
    Library,
    domain_title,
    page_path,
    relative,
    sort_key,
    status_badges,
    table,
)
from compiler.sitegen.escape import code, meta_title, text


def _head(title: str, intro: str) -> list[str]:
    # Index pages stay out of the search index: a search for an alert, id or title then lands on the SOP
    # itself, and a large library's index sections do not exceed Zensical's per-field index limit.
    return ["---", f"title: {meta_title(title)}", "search:", "  exclude: true", "---", "", f"# {text(title)}", "",
            intro, ""]


def _sop_link(from_page: str, sop: Sop) -> str:
    return f"[{text(sop.title or sop.id)}]({relative(from_page, page_path(sop))})<br>{code(sop.id)}"


def _alerts(sop: Sop) -> str:
    return " ".join(code(t.alert) for t in sop.triggers)


def _rows(from_page: str, sops: Sequence[Sop], library: Library, with_domain: bool) -> list[list[str]]:
    rows = []
    for sop in sorted(sops, key=sort_key):
        row = [_sop_link(from_page, sop), status_badges(sop, library.today, library.lang), _alerts(sop),
               text(sop.owner)]
        if with_domain:
            row.insert(2, text(domain_title(sop.domain, library.lang)))
        rows.append(row)
    return rows


def _header(lang: str, with_domain: bool) -> list[str]:
    names = ("Runbook", "Severity", "Domain", "Alerts", "Owner") if with_domain else ("Runbook", "Severity", "Alerts",
                                                                                       "Owner")
    return [label(lang, n) for n in names]


def _domains(sops: Sequence[Sop]) -> list[str]:
    return sorted({s.domain for s in sops}, key=lambda d: (domain_title(d).lower(), d))


def runbooks_index(sops: Sequence[Sop], library: Library) -> str:
    """runbooks/index.md: every SOP, grouped by domain."""
    here = f"{RUNBOOKS}/index.md"
    lang = library.lang
    count = label(lang, "{n} runbook" if len(sops) == 1 else "{n} runbooks", n=len(sops))
    lines = _head(label(lang, "Runbooks"), label(lang, "{count}. Have an alert name? Use the [alert quick index](alerts.md) "
                                                 "or search for it; the [severity index](severity.md) lists the most "
                                                 "serious first.", count=count))
    if not sops:
        lines += [label(lang, "No runbooks yet."), ""]
    for domain in _domains(sops):
        members = [s for s in sops if s.domain == domain]
        lines += [f"## [{text(domain_title(domain, lang))}]({domain}/index.md)", "",
                  table(_header(lang, False), _rows(here, members, library, False)), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def domain_index(domain: str, sops: Sequence[Sop], library: Library) -> str:
    """runbooks/<domain>/index.md: the SOPs of one domain."""
    here = f"{RUNBOOKS}/{domain}/index.md"
    members = [s for s in sops if s.domain == domain]
    lang = library.lang
    lines = _head(domain_title(domain, lang), label(lang, "Runbooks of the {domain} domain ({n}).",
                                                    domain=text(domain_title(domain, lang).lower()), n=len(members)))
    lines += [table(_header(lang, False), _rows(here, members, library, False)), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def severity_index(sops: Sequence[Sop], library: Library) -> str:
    """runbooks/severity.md: every SOP, most severe first."""
    here = f"{RUNBOOKS}/severity.md"
    lang = library.lang
    lines = _head(label(lang, "Runbooks by severity"), label(lang, "The most serious risks first. See also the "
                                                             "[alert quick index](alerts.md)."))
    known = [*SEVERITIES, *sorted({s.severity for s in sops} - set(SEVERITIES))]
    for severity in known:
        members = [s for s in sops if s.severity == severity]
        if members:
            lines += [f"## {text(label(lang, severity.capitalize() or 'Unknown'))}", "",
                      table(_header(lang, True), _rows(here, members, library, True)), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
