"""A page per alert (`alerts/<alert>.md`, served at /alerts/<alert>/) and the alert quick index.

A surveillance system links straight to /alerts/<alert>/: with one runbook
the page sends the browser on to it (an HTML refresh, no script) and shows
the link for anyone whose browser does not follow; with several it lists them.

The alert pages are also what makes a search for an alert name put its
runbook first. Material's search (lunr) splits the name at underscores, so
`related_account_volume_share` is the words related, account, volume and
share, each matched as a prefix, and a page with its words in its title
scores far above one with them only in its text. The alert page has exactly
the alert's words as its title, so it outranks every page that holds only
some of them; a name whose words are all found in a longer name
(`p2p_payer_name_mismatch` in `p2p_payer_name_mismatch_cluster`) would tie
with it, and lunr scores no field by its length (Material sets b = 0), so the
page boost (`search: boost`) decides: a little higher for fewer words. The
step from one word count to the next (2.5%) is far above what the text of a
page can add to a title match (under 0.5%) and far below what a missing
word costs (Material's post-query boost alone gives a page with every query
word 5/4.2 times the score of one missing one of them), so it breaks only ties.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from compiler.i18n.labels import label
from compiler.model import Sop
from compiler.sitegen.common import (
    ALERT_NAME,
    RUNBOOKS,
    Library,
    alert_path,
    domain_title,
    page_path,
    relative,
    sort_key,
    status_badges,
    url_relative,
)
from compiler.sitegen.escape import attr, code, meta_title, rich_inline, text

WORDS = re.compile(r"[_.\-]+")
BOOST_BASE = 3.0
"""Above the SOP pages' boost (2), so that the alert's own page comes before a runbook whose title shares a word."""
BOOST_STEP = 0.1


@dataclass(frozen=True, slots=True)
class AlertEntry:
    """One alert and the runbooks it leads to, current ones first."""

    alert: str
    runbooks: tuple[tuple[Sop, str], ...]
    """(SOP, when the alert fires, as that SOP says)."""


def alert_entries(sops: Sequence[Sop]) -> list[AlertEntry]:
    """Every alert of the published SOPs, by name."""
    found: dict[str, list[tuple[Sop, str]]] = {}
    for sop in sops:
        for trigger in sop.triggers:
            pairs = found.setdefault(trigger.alert, [])
            if all(s.id != sop.id for s, _ in pairs):
                pairs.append((sop, trigger.when))
    return [AlertEntry(name, tuple(sorted(found[name], key=lambda p: sort_key(p[0])))) for name in sorted(found)]


def search_boost(alert: str) -> float:
    """The page boost of an alert's page: fewer words, a little higher (see the module docstring)."""
    words = len([w for w in WORDS.split(alert) if w])
    return round(BOOST_BASE + BOOST_STEP * max(0, 12 - words), 2)


def has_page(alert: str) -> bool:
    """Whether the alert name can name a page (a name the schema accepts)."""
    return bool(ALERT_NAME.match(alert))


def _runbook_line(here: str, sop: Sop, when: str, library: Library) -> str:
    title = f"[{text(sop.title or sop.id)}]({relative(here, page_path(sop))})"
    lang = library.lang
    line = f"- **{title}** {status_badges(sop, library.today, lang)} · {text(domain_title(sop.domain, lang))}"
    if sop.status == "deprecated":
        line += _deprecated(here, sop, library)
    return line + (f"<br>{label(lang, 'Fires when')}{label(lang, ': ')}{rich_inline(when)}" if when else "")


def _deprecated(here: str, sop: Sop, library: Library) -> str:
    successor = library.link(here, sop.superseded_by) if sop.superseded_by else label(library.lang, "its successor")
    return label(library.lang, " (deprecated: use {successor})", successor=successor)


def alert_page(entry: AlertEntry, library: Library) -> str:
    """alerts/<alert>.md: the runbook to open (the browser is sent on to it when there is one)."""
    here, lang = alert_path(entry.alert), library.lang
    lines = ["---", f"title: {meta_title(entry.alert)}", "search:", f"  boost: {search_boost(entry.alert)}",
             "hide:", "  - navigation", "  - toc", "---", ""]
    current = [(s, w) for s, w in entry.runbooks if s.status != "deprecated"]
    if len(entry.runbooks) == 1:
        sop = entry.runbooks[0][0]
        target = url_relative(here, page_path(sop))
        # A refresh in the body is honoured by browsers; it is what "no script" can do for a redirect.
        lines += [f'<meta http-equiv="refresh" content="0; url={attr(target)}">', ""]
        intro = label(lang, "Open the runbook **{title}**:", title=text(sop.title or sop.id))
    elif len(current) == 1:
        intro = label(lang, "Open the current runbook; the others are deprecated:")
    else:
        intro = label(lang, "{n} runbooks handle this alert; open the one whose case fits:", n=len(entry.runbooks))
    lines += [f"# {code(entry.alert)}", "", intro, ""]
    lines += [_runbook_line(here, sop, when, library) for sop, when in entry.runbooks]
    lines += ["", f"[{label(lang, 'All alerts')}]({relative(here, f'{RUNBOOKS}/alerts.md')})", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def alerts_index(sops: Sequence[Sop], library: Library) -> str:
    """runbooks/alerts.md: every alert as a short list item that fits a phone (name, runbook, severity, when)."""
    here, lang = f"{RUNBOOKS}/alerts.md", library.lang
    title = label(lang, "Alert quick index")
    lines = ["---", f"title: {meta_title(title)}", "search:", "  exclude: true", "hide:", "  - toc", "---", "",
             f"# {title}", "",
             label(lang, "Find the alert that fired and open its runbook. Press <kbd>/</kbd> to search by alert name, "
                         "SOP id or title words. A surveillance system can link straight to "
                         "<code>/alerts/&lt;alert name&gt;/</code>."), ""]
    entries = alert_entries(sops)
    if not entries:
        return "\n".join([*lines, label(lang, "No alerts yet."), ""])
    for entry in entries:
        name = code(entry.alert)
        if has_page(entry.alert):
            name = f"[{name}]({relative(here, alert_path(entry.alert))})"
        parts = [f'<span class="sop-alerts__name">{name}</span>']
        for sop, when in entry.runbooks:
            runbook = f"[{text(sop.title or sop.id)}]({relative(here, page_path(sop))})"
            if sop.status == "deprecated":
                runbook += _deprecated(here, sop, library)
            parts.append(f'<span class="sop-alerts__runbook">{status_badges(sop, library.today, lang)} {runbook}</span>')
            if when:
                parts.append(f'<span class="sop-alerts__when">{rich_inline(when)}</span>')
        lines.append("- " + "".join(parts))
    lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
