"""One SOP's runbook page, as Markdown for MkDocs Material.

Top to bottom in the order an analyst needs it: what it is and whether it is
current, when to use it, what goes in, the flowchart, the checklist, whom to
escalate to, how it ends, what it misses, its history and the compiled skill.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from compiler.i18n.labels import label
from compiler.model import Sop
from compiler.sitegen.common import Library, domain_title, page_path, relative, review_overdue, status_badges, table
from compiler.sitegen.conditions import threshold_value
from compiler.sitegen.escape import anchor, code, link, meta_title, rich_block, rich_inline, text
from compiler.sitegen.flowchart import flowchart_svg
from compiler.sitegen.queries import input_form
from compiler.sitegen.steps import checklist, numbering, step_link
from compiler.skill.compile import inputs_schema


def _front_matter(sop: Sop) -> list[str]:
    return ["---", f"title: {meta_title(sop.title or sop.id)}", "search:", "  boost: 2", "---", ""]


def _banners(sop: Sop, library: Library) -> list[str]:
    here = page_path(sop)
    lang = library.lang
    lines: list[str] = []
    if sop.status == "deprecated":
        successor = library.link(here, sop.superseded_by) if sop.superseded_by else label(lang, "its successor")
        lines += [f'!!! danger "{label(lang, "Deprecated")}"', "",
                  "    " + label(lang, "This SOP is deprecated and must not be used for new cases. Use {successor} "
                                      "instead.", successor=successor), ""]
    elif sop.status == "draft":
        lines += [f'!!! warning "{label(lang, "Draft")}"', "",
                  "    " + label(lang, "This SOP is a draft: it has not been approved for use and is not exported as "
                                      "a skill."), ""]
    if review_overdue(sop, library.today):
        lines += [f'!!! warning "{label(lang, "Review overdue")}"', "",
                  "    " + label(lang, "The review date {date} has passed: the SOP may be out of date. Ask the owner "
                                      "({owner}) to review it.", date=text(sop.review_by), owner=text(sop.owner)), ""]
    return lines


def _escalations(sop: Sop, lang: str) -> str:
    found = [label(lang, "**{to}** within **{within}**", to=text(s.escalate_to), within=text(s.within)) if s.within
             else f"**{text(s.escalate_to)}**"
             for s in sop.steps if s.kind == "escalate" and s.escalate_to]
    return "; ".join(dict.fromkeys(found))


def _facts(sop: Sop, library: Library, skill_links: str) -> list[str]:
    here = page_path(sop)
    lang = library.lang
    review = text(sop.review_by)
    if review_overdue(sop, library.today):
        review += f' <span class="sop-overdue">⚠ {label(lang, "overdue")}</span>'
    domain_index = relative(here, f"runbooks/{sop.domain}/index.md")
    rows = [
        ["SOP id", code(sop.id)],
        ["Version", text(sop.version)],
        ["Status", text(label(lang, sop.status))],
        ["Severity", text(label(lang, sop.severity))],
        ["Domain", f"[{text(domain_title(sop.domain, lang))}]({domain_index})"],
        ["Owner", text(sop.owner)],
        ["Reviewers", ", ".join(text(r) for r in sop.reviewers)],
        ["Review by", review],
        ["Tags", " · ".join(text(t) for t in sop.tags)],
        ["Alerts", " ".join(code(t.alert) for t in sop.triggers)],
        ["Escalates to", _escalations(sop, lang)],
        ["Compiled skill", skill_links],
    ]
    if sop.status == "deprecated" and sop.superseded_by:
        rows.insert(3, ["Superseded by", library.link(here, sop.superseded_by)])
    # The marker span lets the stylesheet draw this table compactly and without its empty header.
    return [table(['<span class="sop-facts"></span>', ""], [[f"**{label(lang, k)}**", v] for k, v in rows]), ""]


def _when(sop: Sop, lang: str) -> list[str]:
    lines = [f"## {label(lang, 'When to use it')}", ""]
    if sop.summary:
        lines += [rich_block(sop.summary, "sop-md sop-summary"), ""]
    if sop.triggers:
        rows = [[code(t.alert), rich_inline(t.when)] for t in sop.triggers]
        lines += [table([label(lang, "Alert"), label(lang, "Fires when")], rows), ""]
    return lines


def _inputs(sop: Sop, lang: str) -> list[str]:
    lines: list[str] = []
    if sop.inputs:
        rows = []
        for name, spec in sorted(sop.inputs.items()):
            kind = label(lang, spec.type) + (": " + ", ".join(spec.values) if spec.values else "")
            default = code(json.dumps(spec.default, ensure_ascii=False)) if spec.default is not None else ""
            extra = label(lang, " Pattern {pattern}.", pattern=code(spec.pattern)) if spec.pattern else ""
            rows.append([code(name), text(kind), label(lang, "yes" if spec.required else "no"), default,
                         rich_inline(spec.description) + extra])
        header = [label(lang, h) for h in ("Input", "Type", "Required", "Default", "Description")]
        lines += [f"## {label(lang, 'Inputs')}", "", table(header, rows), ""]
    lines += input_form(inputs_schema(sop), lang)
    if sop.input_checks:
        rows = [[code(c.require), rich_inline(c.message)] for c in sop.input_checks]
        lines += [label(lang, "Before the first step the inputs must pass these checks; a run that fails one is "
                              "refused:"), "",
                  table([label(lang, "Check"), label(lang, "When it fails")], rows), ""]
    if sop.thresholds:
        rows = [[code(name), threshold_value(t), rich_inline(t.rationale)] for name, t in sorted(sop.thresholds.items())]
        header = [label(lang, h) for h in ("Threshold", "Value", "Rationale")]
        lines += [f"## {label(lang, 'Thresholds')}", "", table(header, rows), ""]
    return lines


def _flowchart(sop: Sop, numbers: Mapping[str, int], lang: str) -> list[str]:
    return [f"## {label(lang, 'Flowchart')}", "",
            label(lang, "Boxes are steps (click one to jump to it), hexagons are checks and decisions, rounded ends "
                        "are outcomes."), "",
            # data-search-exclude: the step titles in the chart are already in the checklist's text.
            '<figure class="sop-flow" data-search-exclude>', flowchart_svg(sop, dict(numbers), lang=lang), "</figure>", ""]


def _escalation(sop: Sop, numbers: Mapping[str, int], lang: str) -> list[str]:
    rows = []
    for s in sop.steps:
        if s.kind == "escalate":
            approval = text(s.approval.role) if s.approval else ""
            rows.append([step_link(sop, s.id, numbers), f"**{text(s.escalate_to)}**", f"**{text(s.within)}**",
                         text(s.channel), approval])
    timed = [[step_link(sop, s.id, numbers), f"**{text(s.timeout)}**"] for s in sop.steps if s.timeout]
    if not rows and not timed:
        return []
    lines = [f"## {label(lang, 'Escalation')}", ""]
    if rows:
        lines += [table([label(lang, h) for h in ("Step", "To", "Within", "Channel", "Approval")], rows), ""]
    if timed:
        lines += [label(lang, "Steps with a time limit: when one is exceeded, escalate to the SOP owner **{owner}**.",
                        owner=text(sop.owner)),
                  "", table([label(lang, "Step"), label(lang, "Time limit")], timed), ""]
    return lines


def _outcomes(sop: Sop, numbers: Mapping[str, int], lang: str) -> list[str]:
    reached: dict[str, list[str]] = {}
    for s in sop.steps:
        for _, t in s.transitions():
            if t.outcome:
                reached.setdefault(t.outcome, [])
                if s.id not in reached[t.outcome]:
                    reached[t.outcome].append(s.id)
    rows = []
    for oid, outcome in sop.outcomes.items():
        first = f'<span id="outcome-{anchor(oid)}"></span>{code(oid)}'
        meaning = f"**{text(outcome.title)}**" + (f" — {rich_inline(outcome.description)}" if outcome.description else "")
        sources = ", ".join(step_link(sop, sid, numbers) for sid in sorted(reached.get(oid, []),
                                                                             key=lambda i: numbers.get(i, 0)))
        rows.append([first, meaning, text(label(lang, outcome.disposition)), sources])
    for oid in sorted(set(reached) - set(sop.outcomes)):
        rows.append([f'<span id="outcome-{anchor(oid)}"></span>{code(oid)}', label(lang, "(not declared)"), "", ""])
    header = [label(lang, h) for h in ("Outcome", "Meaning", "Disposition", "Reached from")]
    return [f"## {label(lang, 'Outcomes')}", "", table(header, rows), ""]


def _lists(sop: Sop, lang: str) -> list[str]:
    lines: list[str] = []
    if sop.edge_cases:
        lines += [f"## {label(lang, 'Edge cases and blind spots')}", "",
                  *[f"- {rich_inline(e)}" for e in sop.edge_cases], ""]
    if sop.references:
        lines += [f"## {label(lang, 'References')}", "", *[f"- {link(r.title, r.url)}" for r in sop.references], ""]
    if sop.changelog:
        rows = [[text(c.version), text(c.date), rich_inline(c.change)] for c in sop.changelog]
        lines += [f"## {label(lang, 'Changelog')}", "",
                  table([label(lang, h) for h in ("Version", "Date", "Change")], rows), ""]
    return lines


def skill_links(sop: Sop, files: Sequence[tuple[str, str]], lang: str = "en") -> str:
    """Links to the compiled skill files: (name, path relative to site/docs) pairs."""
    if not files:
        return label(lang, "not exported (drafts are not compiled)" if sop.status == "draft" else "not built yet")
    here = page_path(sop)
    return " · ".join(f"[{text(name)}]({relative(here, path)})" for name, path in files)


def _crumbs(sop: Sop, lang: str) -> list[str]:
    # The navigation lists domains, not SOPs (see nav.py): the way back to the domain's list is on the page.
    here = page_path(sop)
    return [f"[{label(lang, 'Runbooks')}]({relative(here, 'runbooks/index.md')}) › "
            f"[{text(domain_title(sop.domain, lang))}]({relative(here, f'runbooks/{sop.domain}/index.md')})",
            "{: .sop-crumbs }", ""]


def sop_page(sop: Sop, library: Library, skill_files: Sequence[tuple[str, str]]) -> str:
    """The Markdown of one SOP's page."""
    numbers = numbering(sop)
    lang = library.lang
    links = skill_links(sop, skill_files, lang)
    lines = _front_matter(sop)
    lines += _crumbs(sop, lang)
    lines += [f"# {text(sop.title or sop.id)}", "",
              f'<p class="sop-badges">{status_badges(sop, library.today, lang)}</p>', ""]
    lines += _banners(sop, library)
    lines += _facts(sop, library, links)
    lines += _when(sop, lang)
    lines += _inputs(sop, lang)
    lines += _flowchart(sop, numbers, lang)
    lines += checklist(sop, numbers, library)
    lines += _escalation(sop, numbers, lang)
    lines += _outcomes(sop, numbers, lang)
    lines += _lists(sop, lang)
    lines += [f"## {label(lang, 'Compiled agent skill')}", "",
              label(lang, "The same SOP compiled for agents and the bundled runner: {links}.", links=links), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
