"""SKILL.md: the skill in the Agent Skills format, written for an agent.

Front matter carries name (the folder name), a description of at most 1,024
characters naming the alert triggers, and string-valued metadata. The body
is the checklist; details live in skill.json and one file per query, read
only when needed (progressive disclosure).

An agent reads SKILL.md as its instructions, so no SOP value may add
structure to it (a heading, a list, a quote, a code fence, a link, front
matter): that would be a prompt injection. Every SOP string goes through
`md` (literal text on one line, Markdown's syntax characters escaped with
backslashes, which an agent reads past easily) or `code` (a code span no
backtick inside can close); front matter values are JSON strings.
"""

from __future__ import annotations

import json
import re
from typing import Any

from compiler.i18n.labels import label

MAX_DESCRIPTION = 1024
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_INLINE = re.compile(r"[\\`*\[\]<>&~|!#$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
"""Characters that open or close inline syntax (emphasis, code, links, images, HTML, entities,
strikethrough, table cells) or close a heading (#), and `$` for math extensions. An underscore between
two letters or digits (start_ts) cannot open emphasis and stays as it is."""
_BLOCK_START = re.compile(r"^(?:[>+\-=:]|(\d{1,9})([.)]))")
"""What opens a block at the start of a line: a quote, a list item, a setext underline, an ordered item."""


def md(value: Any) -> str:
    """A value as literal Markdown text on one line: nothing in it can open inline syntax (a link, an image,
    HTML, emphasis, code) or end the line's own construct; for a value that starts a line, see `md_block`."""
    return _INLINE.sub(lambda m: "\\" + m.group(0), " ".join(_CONTROL.sub(" ", str(value)).split()))


def md_block(value: Any) -> str:
    """`md` for a value that begins a line or a list item: it cannot open a heading, quote, list or rule
    either (# is already escaped by `md`)."""
    return _BLOCK_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(0)}",
                            md(value))


def code(value: Any) -> str:
    """A value as one inline code span: fenced by more backticks than any run inside it."""
    flat = " ".join(_CONTROL.sub(" ", str(value)).split())
    fence = "`" * (max((len(run) for run in re.findall("`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _yaml_str(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def description(skill: dict[str, Any], lang: str = "en") -> str:
    """What the skill does and when to use it, naming the alerts, within 1,024 characters."""
    alerts = ", ".join(t["alert"] for t in skill["triggers"])
    tail = " " + label(lang, "Use when one of these alerts fires: {alerts}.", alerts=alerts)
    head = label(lang, "{title}. ", title=skill["title"])
    summary = " ".join(str(skill["summary"]).split())
    room = MAX_DESCRIPTION - len(head) - len(tail)
    if len(summary) > room:
        summary = summary[: max(room - 1, 0)].rstrip() + "…"
    text = head + summary + tail
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def _front_matter(skill: dict[str, Any], tool_names: list[str], lang: str) -> list[str]:
    metadata = {
        "version": skill["version"],
        "digest": skill["digest"],
        "status": skill["status"],
        "severity": skill["severity"],
        "domain": skill["domain"],
        "owner": skill["owner"],
        "review-by": skill["review_by"],
        "tools": " ".join(tool_names),
    }
    if skill.get("superseded_by"):
        metadata["superseded-by"] = skill["superseded_by"]
    lines = ["---", f"name: {skill['id']}", f"description: {_yaml_str(description(skill, lang))}", "metadata:"]
    lines += [f"  {key}: {_yaml_str(str(value))}" for key, value in metadata.items()]
    return [*lines, "---"]


def _where(transition: dict[str, Any], lang: str) -> str:
    if "next" in transition:
        return label(lang, "go to step {step}", step=code(transition["next"]))
    return label(lang, "finish with outcome {outcome}", outcome=code(transition["outcome"]))


def _step_lines(number: int, step: dict[str, Any], lang: str) -> list[str]:
    gate = label(lang, ", approval by **{role}**", role=md(step["approval"]["role"])) if step["approval"] else ""
    lines = [f"### {number}. {code(step['id'])} — {md(step['title'])}", "",
             label(lang, "Kind: {kind} · safety: {safety}", kind=md(step["kind"]), safety=md(step["safety"])) + gate
             + (label(lang, " · timeout: {timeout}", timeout=md(step["timeout"])) if step["timeout"] else ""), ""]
    if step["instruction"]:
        lines += [md_block(step["instruction"]), ""]
    if step["kind"] == "query":
        params = ", ".join(f"{code('$' + p['name'])} ({md(p['source'])})" for p in step["sql"]["parameters"]) \
            or label(lang, "none")
        lines += [label(lang, "Run {file} (DuckDB, read-only) with bound parameters: {params}.",
                        file=code(step["sql"]["file"]), params=params),
                  label(lang, "Never paste values into the SQL text.")]
        for name, expression in step.get("params", {}).items():
            lines.append(label(lang, "Compute {name} as {expression}.", name=code("$" + name), expression=code(expression)))
        lines.append("")
    elif step["kind"] == "manual":
        fields = ", ".join(code(k) for k in step["evidence_schema"]["properties"])
        lines += [label(lang, "Ask the **{actor}** to do this and record: {fields}.", actor=md(step["actor"]),
                        fields=fields), ""]
    elif step["kind"] == "agent":
        fields = ", ".join(f"{code(k)} ({md(v.get('type', 'string'))})"
                           for k, v in step["output_schema"]["properties"].items())
        lines += [label(lang, "Return: {fields}.", fields=fields), ""]
    elif step["kind"] == "escalate":
        esc = step["escalation"]
        lines += [label(lang, "Escalate to **{to}** within **{within}** via {channel}.", to=md(esc["to"]),
                        within=md(esc["within"]), channel=md(esc["channel"]))]
        if esc["message"]:
            lines.append(label(lang, "Include: {message}", message=md(esc["message"])))
        lines.append("")
    elif step["kind"] == "action":
        act = step["action"]
        lines += [label(lang, "Request {action} on {target}", action=code(act["action"]), target=code(act["target"]))
                  + (label(lang, " (irreversible)") if not act["reversible"] else "")
                  + label(lang, ". Do not perform it yourself: it takes effect only after the approval is recorded."), ""]
    elif step["kind"] == "include":
        inc = step["include"]
        bound = ", ".join(f"{code(k)} = {code(v)}" for k, v in inc["with"].items()) or label(lang, "no inputs")
        lines += [label(lang, "Run the skill {sop} {version} (embedded in skill.json, {sha}) with {bound}; record its "
                        "steps as {steps}. Its outcome is {outcome} and each of its steps' results {results}.",
                        sop=code(inc["sop"]), version=code(inc["version"]), sha=code(inc["skill_sha256"]), bound=bound,
                        steps=code(step["id"] + "/<step>"), outcome=code(step["id"] + ".outcome"),
                        results=code(step["id"] + ".<step>")), ""]
    refusal_gate = step.get("approval") or {}
    if refusal_gate.get("on_refused"):
        lines.append(label(lang, "- If the approval is refused: {where}.", where=_where(refusal_gate["on_refused"], lang)))
    for transition in step["transitions"]:
        if "when" in transition:
            lines.append(label(lang, "- If {when}: {where}.", when=code(transition["when"]),
                               where=_where(transition, lang)))
        elif transition.get("label", "").startswith("outcome "):
            lines.append(label(lang, "- If it ends in {outcome}: {where}.", outcome=code(transition["label"][8:]),
                               where=_where(transition, lang)))
        else:
            prefix = "- Otherwise: {where}." if len(step["transitions"]) > 1 else "- Then: {where}."
            lines.append(label(lang, prefix, where=_where(transition, lang)))
    return [*lines, ""]


def _mapped(trigger: dict[str, Any], lang: str) -> str:
    """How the trigger's alert payload fills the inputs, as a clause (empty when it maps none)."""
    if not trigger.get("inputs"):
        return ""
    return label(lang, " Inputs from the alert payload: {pairs}.",
                 pairs=label(lang, ", ").join(f"{code(name)} = {code(pointer)}"
                                              for name, pointer in trigger["inputs"].items()))


def render_skill_md(skill: dict[str, Any], tool_names: list[str], lang: str = "en") -> str:
    """The SKILL.md text of a compiled skill (SKILL.<lang>.md: the skill localized, with lang's fixed words)."""
    lines = _front_matter(skill, tool_names, lang)
    lines += ["", f"# {md(skill['title'])}", "",
              label(lang, "Compiled by sopc from {path}, version {version} ({digest}…). Do not edit: change the SOP "
                          "and rebuild.", path=code(skill["source_map"]["path"]), version=md(skill["version"]),
                    digest=md(skill["digest"][:19])), ""]
    if skill["status"] == "deprecated":
        lines += [label(lang, "**Deprecated:** use the skill {successor} instead.",
                        successor=code(skill["superseded_by"])), ""]
    lines += [md_block(skill["summary"]), "", f"## {label(lang, 'When to use')}", ""]
    lines += [f"- {code(t['alert'])}: {md(t['when'])}" + _mapped(t, lang) for t in skill["triggers"]]
    lines += ["", f"## {label(lang, 'How to run it')}", "",
              label(lang, "With the sopc MCP server connected (`sopc mcp`), let the runner do the work: `start_run` "
                          "with the"),
              label(lang, "alert, answer only the `agent` steps it hands you with `submit_step` (every figure you "
                          "write is"),
              label(lang, "checked against the run's data), and leave manual steps and approvals to people. Without "
                          "it:"), "",
              label(lang, "1. Read `skill.json`: it has the inputs schema, thresholds, every step with its transitions,"),
              label(lang, "   result schema and safety class, and `findings_schema` for your report."),
              label(lang, "2. Validate the inputs against `inputs_schema` (and `input_checks`, if any), then start at "
                          "step {first}.", first=code(skill["first_step"])),
              label(lang, "3. Do each step below; after each, record its result with the `record_step` tool ({tool}).",
                    tool=code(tool_names[0])),
              label(lang, "4. Evaluate conditions exactly as written (CEL) against `inputs.<name>`, `thresholds.<name>`"),
              label(lang, "   and earlier results (`<step>.rows`, `<step>.row_count`, `<step>.<field>`)."),
              label(lang, "5. Never take an action or escalation before its approval is recorded; never contact the "
                          "subject."),
              label(lang, "6. At an outcome, submit the findings report with {tool}.", tool=code(tool_names[1])), ""]
    if skill["inputs_schema"]["properties"]:
        lines += [f"## {label(lang, 'Inputs')}", "", label(lang, "| name | type | required | description |"),
                  "|---|---|---|---|"]
        required = set(skill["inputs_schema"]["required"])
        for name, spec in skill["inputs_schema"]["properties"].items():
            kind = spec.get("format", spec.get("type"))
            needed = label(lang, "yes" if name in required else "no")
            lines.append(f"| {code(name)} | {md(kind)} | {needed} | {md(spec['description'])} |")
        lines.append("")
    if skill.get("input_checks"):
        lines += [label(lang, "Refuse to start unless every input check holds (CEL over `inputs` and `thresholds`):"),
                  ""]
        lines += [f"- {code(c['require'])}: " + label(lang, "otherwise, {message}", message=md(c["message"]))
                  for c in skill["input_checks"]]
        lines.append("")
    if skill["thresholds"]:
        lines += [f"## {label(lang, 'Thresholds')}", "", label(lang, "| name | value | unit |"), "|---|---|---|"]
        lines += [f"| {code(n)} | {md(t['value'])} | {md(t['unit'])} |" for n, t in skill["thresholds"].items()]
        lines.append("")
    lines += [f"## {label(lang, 'Checklist')}", ""]
    for number, step in enumerate(skill["steps"], start=1):
        lines += _step_lines(number, step, lang)
    lines += [f"## {label(lang, 'Outcomes')}", ""]
    lines += [f"- {code(oid)}: {md(o['title'])}" for oid, o in skill["outcomes"].items()]
    if skill["edge_cases"]:
        lines += ["", f"## {label(lang, 'Known blind spots')}", ""]
        lines += [f"- {md_block(e)}" for e in skill["edge_cases"]]
    return "\n".join(lines).rstrip() + "\n"
