"""The checklist section of an SOP page: numbered steps with checkboxes, badges, SQL and conditions.

Every step is an h3 with a stable anchor (`#step-<id>`, the flowchart links
to it) followed by task-list items the analyst ticks. What each kind asks of
the analyst is phrased from the step's own fields only; nothing is invented.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from compiler.graph import build_graph
from compiler.i18n.labels import label
from compiler.model import Sop, Step, Transition, TypedField
from compiler.sitegen.common import KINDS, Library, badge, known, page_path, table
from compiler.sitegen.conditions import condition_markdown
from compiler.sitegen.escape import anchor, attr, clean, code, rich_block, rich_inline, text
from compiler.sitegen.queries import computed_fields, computed_params, sql_html
from compiler.sitegen.words import Speaker

KIND_HINT = {
    "query": "Run the query below and keep its result with the case.",
    "check": "Check the condition below.",
    "decision": "Decide which branch applies: branches are tried in order and the first that holds is taken.",
    "manual": "Do the work described above.",
    "agent": "Have the agent do the work described above and check what it returns.",
    "escalate": "",
    "action": "",
    "include": "",
}

FIELD_TYPES = {"boolean": "yes/no", "url": "link"}
"""The word for a field type where it is not the type's own name (every word goes through `label`)."""


def numbering(sop: Sop) -> dict[str, int]:
    """Step id -> checklist number: reachable steps in run order, then any others in file order."""
    order = build_graph(sop).topological()
    for step in sop.steps:
        if step.id and step.id not in order:
            order.append(step.id)
    return {step_id: i for i, step_id in enumerate(order, start=1)}


def fence(body: str, lang: str) -> list[str]:
    """A fenced code block that no line of the body can close early."""
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    lines = clean(body).rstrip("\n").split("\n")
    return [f"{ticks}{lang}", *lines, ticks]


def indent(lines: list[str], by: str = "    ") -> list[str]:
    """Indent non-empty lines (content of an admonition or details block)."""
    return [by + line if line else "" for line in lines]


def step_link(sop: Sop, step_id: str, numbers: Mapping[str, int]) -> str:
    """'[3. Title](#step-id)' for a step of this page."""
    step = sop.step(step_id)
    title = step.title if step and step.title else step_id
    number = numbers.get(step_id)
    prefix = f"{number}. " if number else ""
    return f"[{prefix}{text(title)}](#step-{anchor(step_id)})"


def target(sop: Sop, transition: Transition | None, numbers: Mapping[str, int], lang: str = "en") -> str:
    """Where a transition goes, as Markdown: a step link or an outcome."""
    if transition is None:
        return "—"
    if transition.next:
        return label(lang, "go to {step}", step=step_link(sop, transition.next, numbers))
    if transition.outcome:
        outcome = sop.outcomes.get(transition.outcome)
        title = outcome.title if outcome and outcome.title else transition.outcome
        return label(lang, "end: {outcome}", outcome=f"**{text(title)}** ([{code(transition.outcome)}]"
                                                     f"(#outcome-{anchor(transition.outcome)}))")
    return "—"


def _field_item(verb: str, f: TypedField, lang: str) -> str:
    kind = label(lang, FIELD_TYPES.get(f.type, f.type))
    if f.values:
        kind += ": " + ", ".join(f.values)
    optional = label(lang, " (optional)") if not f.required else ""
    desc = rich_inline(f.description)
    kind_said = label(lang, " ({name})", name=text(kind))
    return f"- [ ] {label(lang, verb)} **{text(f.name)}**{kind_said}{text(optional)}" + (f" — {desc}" if desc else "")


def _items(sop: Sop, step: Step, numbers: Mapping[str, int], library: Library) -> list[str]:
    lang = library.lang
    items: list[str] = []
    if step.approval is not None:
        who = label(lang, "{count} people of role", count=step.approval.count) if step.approval.count > 1 \
            else label(lang, "role")
        items.append("- [ ] " + label(lang, "Approval by {who} **{role}** recorded before this step takes effect",
                                      who=text(who), role=text(step.approval.role)))
    hint = label(lang, KIND_HINT.get(step.kind, ""))
    if step.kind == "manual":
        actor = label(lang, " (actor: **{actor}**)", actor=text(step.actor)) if step.actor else ""
        items.append(f"- [ ] {text(hint)}{actor}")
        items.extend(_field_item("Record", f, lang) for f in step.evidence)
    elif step.kind == "agent":
        items.append(f"- [ ] {text(hint)}")
        items.extend(_field_item("Agent returned", f, lang) for f in step.output)
    elif step.kind == "escalate":
        via = label(lang, " via **{channel}**", channel=text(step.channel)) if step.channel else ""
        within = label(lang, " within **{within}**", within=text(step.within)) if step.within else ""
        items.append("- [ ] " + label(lang, "Hand the case to **{to}**{via}{within}", to=text(step.escalate_to),
                                      via=via, within=within))
    elif step.kind == "action":
        undo = label(lang, "reversible") if step.reversible else \
            f"**{label(lang, 'irreversible')}**" if step.reversible is False else ""
        reason = label(lang, "; reason code {code}", code=code(step.reason_code)) if step.reason_code else ""
        items.append("- [ ] " + label(lang, "Apply **{action}** to {target}", action=text(step.action),
                                      target=Speaker(sop, numbers, lang).describe(step.target).words)
                     + (label(lang, " ({name})", name=undo) if undo else "") + reason)
    elif step.kind == "include":
        items.append("- [ ] " + label(lang, "Run the SOP {sop} and note its outcome",
                                      sop=library.link(page_path(sop), step.sop)))
    elif step.kind == "check":
        items.append("- [ ] " + label(lang, "Check: {condition}",
                                      condition=condition_markdown(step.condition, sop.thresholds, lang)))
    elif hint:
        items.append(f"- [ ] {text(hint)}")
    return items


def _branch_table(sop: Sop, step: Step, numbers: Mapping[str, int], lang: str) -> list[str]:
    if step.kind == "check":
        rows = [[label(lang, "passes"), target(sop, step.on_pass, numbers, lang)],
                [label(lang, "fails"), target(sop, step.on_fail, numbers, lang)]]
        return [table([label(lang, "Result"), label(lang, "Then")], rows)]
    if step.kind == "decision":
        rows = []
        for i, b in enumerate(step.branches, start=1):
            when = label(lang, "otherwise (no branch above holds)") if b.otherwise \
                else condition_markdown(b.when or "", sop.thresholds, lang)
            name = f"{i}. **{text(b.label)}**" if b.label else f"{i}."
            rows.append([name, when, target(sop, b.to, numbers, lang)])
        return [table([label(lang, h) for h in ("Branch", "When", "Then")], rows)]
    return []


def _cel(step: Step, lang: str) -> list[str]:
    exprs: list[str] = []
    if step.condition:
        exprs.append(f"condition: {step.condition}")
    for i, b in enumerate(step.branches, start=1):
        if b.when:
            exprs.append(f"branch {i}{f' ({b.label})' if b.label else ''}: {' '.join(b.when.split())}")
    exprs.extend(f"param {k}: {v}" for k, v in sorted(step.params.items()))
    exprs.extend(f"input {k}: {v}" for k, v in sorted(step.bindings.items()))
    if step.target:
        exprs.append(f"target: {step.target}")
    if not exprs:
        return []
    return [f'??? abstract "{label(lang, "Expressions as written (CEL)")}"', "",
            *indent(fence("\n".join(exprs), "text"))]


def _details(sop: Sop, step: Step, numbers: Mapping[str, int], lang: str) -> list[str]:
    blocks: list[list[str]] = []
    speaker = Speaker(sop, numbers, lang)
    if step.sql:
        blocks.append([sql_html(sop, step, lang), "", *computed_fields(step, computed_params(sop, step, speaker), lang)])
    if step.bindings:
        rows = [[code(k), speaker.describe(v).words] for k, v in sorted(step.bindings.items())]
        blocks.append([label(lang, "Inputs passed to the included SOP:"), "",
                       table([label(lang, "Input"), label(lang, "Value")], rows)])
    cel = _cel(step, lang)
    if cel:
        blocks.append(cel)
    out: list[str] = []
    for block in blocks:
        out.extend([*block, ""])
    return out


def _meta(step: Step, lang: str) -> str:
    parts = [badge(label(lang, step.kind) if step.kind else "step", f"kind-{known(step.kind, KINDS)}")]
    if step.approval is not None:
        count = f" ×{step.approval.count}" if step.approval.count > 1 else ""
        parts.append(badge(label(lang, "approval: {role}", role=step.approval.role) + count, "gate"))
    if step.kind == "action" and step.reversible is False:
        parts.append(badge(label(lang, "irreversible"), "irreversible"))
    if step.timeout:
        parts.append(badge(label(lang, "time limit {timeout}", timeout=step.timeout), "timeout"))
    parts.append(code(step.id))
    return '<p class="sop-step-meta">' + " ".join(parts) + "</p>"


def step_section(sop: Sop, step: Step, numbers: Mapping[str, int], library: Library) -> list[str]:
    """Markdown lines of one step."""
    number = numbers.get(step.id, 0)
    lang = library.lang
    lines = [f"### {number}. {text(step.title or step.id)} {{ #step-{anchor(step.id)} }}", "", _meta(step, lang), ""]
    if step.instruction:
        lines += [rich_block(step.instruction), ""]
    items = _items(sop, step, numbers, library)
    if items:
        lines += [*items, ""]
    if step.kind == "escalate" and step.message:
        lines += [label(lang, "The hand-over must contain:"), "", rich_block(step.message, "sop-md sop-message"), ""]
    branches = _branch_table(sop, step, numbers, lang)
    if branches:
        lines += [*branches, ""]
    lines += _details(sop, step, numbers, lang)
    if not branches and step.to is not None:
        lines += [f"**{label(lang, 'Then')}** {target(sop, step.to, numbers, lang)}", ""]
    return lines


def checklist(sop: Sop, numbers: Mapping[str, int], library: Library) -> list[str]:
    """The whole checklist section."""
    lines = [f"## {label(library.lang, 'Checklist')}", "",
             label(library.lang, "Work down from step 1; each step says where to go next. Tick the boxes as you go: "
                                 "this browser keeps them for this version of the runbook (nothing is sent anywhere); "
                                 "record the results in the case."), "",
             f'<p class="sop-progress" data-sop-progress="{attr(sop.id)}" data-sop-version="{attr(sop.version)}" '
             'hidden></p>', ""]
    seen: set[str] = set()
    for step in sorted(sop.steps, key=lambda s: numbers.get(s.id, 0)):
        if step.id in seen:
            continue
        seen.add(step.id)
        lines += step_section(sop, step, numbers, library)
    return lines
