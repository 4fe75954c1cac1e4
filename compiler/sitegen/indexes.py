"""Index pages: all runbooks by domain and by severity (the alert quick index is in alerts.py)."""

from __future__ import annotations

from collections.abc import Sequence

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
        row = [_sop_link(from_page, sop), status_badges(sop, library.today), _alerts(sop), text(sop.owner)]
        if with_domain:
            row.insert(2, text(domain_title(sop.domain)))
        rows.append(row)
    return rows


def _domains(sops: Sequence[Sop]) -> list[str]:
    return sorted({s.domain for s in sops}, key=lambda d: (domain_title(d).lower(), d))


def runbooks_index(sops: Sequence[Sop], library: Library) -> str:
    """runbooks/index.md: every SOP, grouped by domain."""
    here = f"{RUNBOOKS}/index.md"
    count = f"{len(sops)} runbook{'s' * (len(sops) != 1)}"
    lines = _head("Runbooks", f"{count}. Have an alert name? Use the [alert quick index](alerts.md) or search for it; "
                              "the [severity index](severity.md) lists the most serious first.")
    if not sops:
        lines += ["No runbooks yet.", ""]
    for domain in _domains(sops):
        members = [s for s in sops if s.domain == domain]
        lines += [f"## [{text(domain_title(domain))}]({domain}/index.md)", "",
                  table(["Runbook", "Severity", "Alerts", "Owner"], _rows(here, members, library, False)), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def domain_index(domain: str, sops: Sequence[Sop], library: Library) -> str:
    """runbooks/<domain>/index.md: the SOPs of one domain."""
    here = f"{RUNBOOKS}/{domain}/index.md"
    members = [s for s in sops if s.domain == domain]
    lines = _head(domain_title(domain), f"Runbooks of the {text(domain_title(domain).lower())} domain "
                                        f"({len(members)}).")
    lines += [table(["Runbook", "Severity", "Alerts", "Owner"], _rows(here, members, library, False)), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def severity_index(sops: Sequence[Sop], library: Library) -> str:
    """runbooks/severity.md: every SOP, most severe first."""
    here = f"{RUNBOOKS}/severity.md"
    lines = _head("Runbooks by severity", "The most serious risks first. See also the "
                                          "[alert quick index](alerts.md).")
    known = [*SEVERITIES, *sorted({s.severity for s in sops} - set(SEVERITIES))]
    for severity in known:
        members = [s for s in sops if s.severity == severity]
        if members:
            lines += [f"## {text(severity.capitalize() or 'Unknown')}", "",
                      table(["Runbook", "Severity", "Domain", "Alerts", "Owner"], _rows(here, members, library, True)),
                      ""]
    return "\n".join(lines).rstrip("\n") + "\n"
