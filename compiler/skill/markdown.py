"""SKILL.md: the skill in the Agent Skills format, written for an agent.

Front matter carries name (the folder name), a description of at most 1,024
characters naming the alert triggers, and string-valued metadata. The body
is the checklist; details live in skill.json and one file per query, read
only when needed (progressive disclosure).
"""

from __future__ import annotations

import json
from typing import Any

from compiler.i18n.labels import label

MAX_DESCRIPTION = 1024


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
        return label(lang, "go to step `{step}`", step=transition["next"])
    return label(lang, "finish with outcome `{outcome}`", outcome=transition["outcome"])


def _step_lines(number: int, step: dict[str, Any], lang: str) -> list[str]:
    gate = label(lang, ", approval by **{role}**", role=step["approval"]["role"]) if step["approval"] else ""
    lines = [f"### {number}. `{step['id']}` — {step['title']}", "",
             label(lang, "Kind: {kind} · safety: {safety}", kind=step["kind"], safety=step["safety"]) + gate
             + (label(lang, " · timeout: {timeout}", timeout=step["timeout"]) if step["timeout"] else ""), ""]
    if step["instruction"]:
        lines += [" ".join(step["instruction"].split()), ""]
    if step["kind"] == "query":
        params = ", ".join(f"`${p['name']}` ({p['source']})" for p in step["sql"]["parameters"]) or label(lang, "none")
        lines += [label(lang, "Run `{file}` (DuckDB, read-only) with bound parameters: {params}.",
                        file=step["sql"]["file"], params=params),
                  label(lang, "Never paste values into the SQL text.")]
        for name, expression in step.get("params", {}).items():
            lines.append(label(lang, "Compute `${name}` as `{expression}`.", name=name, expression=expression))
        lines.append("")
    elif step["kind"] == "manual":
        fields = ", ".join(f"`{k}`" for k in step["evidence_schema"]["properties"])
        lines += [label(lang, "Ask the **{actor}** to do this and record: {fields}.", actor=step["actor"], fields=fields),
                  ""]
    elif step["kind"] == "agent":
        fields = ", ".join(f"`{k}` ({v.get('type', 'string')})" for k, v in step["output_schema"]["properties"].items())
        lines += [label(lang, "Return: {fields}.", fields=fields), ""]
    elif step["kind"] == "escalate":
        esc = step["escalation"]
        lines += [label(lang, "Escalate to **{to}** within **{within}** via {channel}.", to=esc["to"],
                        within=esc["within"], channel=esc["channel"])]
        if esc["message"]:
            lines.append(label(lang, "Include: {message}", message=" ".join(esc["message"].split())))
        lines.append("")
    elif step["kind"] == "action":
        act = step["action"]
        lines += [label(lang, "Request `{action}` on `{target}`", action=act["action"], target=act["target"])
                  + (label(lang, " (irreversible)") if not act["reversible"] else "")
                  + label(lang, ". Do not perform it yourself: it takes effect only after the approval is recorded."), ""]
    elif step["kind"] == "include":
        inc = step["include"]
        bound = ", ".join(f"`{k}` = `{v}`" for k, v in inc["with"].items()) or label(lang, "no inputs")
        lines += [label(lang, "Run the skill `{sop}` with {bound}; its outcome is `{step}.outcome`.", sop=inc["sop"],
                        bound=bound, step=step["id"]), ""]
    for transition in step["transitions"]:
        if "when" in transition:
            lines.append(label(lang, "- If `{when}`: {where}.", when=" ".join(str(transition["when"]).split()),
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
                 pairs=label(lang, ", ").join(f"`{name}` = `{pointer}`" for name, pointer in trigger["inputs"].items()))


def render_skill_md(skill: dict[str, Any], tool_names: list[str], lang: str = "en") -> str:
    """The SKILL.md text of a compiled skill (SKILL.<lang>.md: the skill localized, with lang's fixed words)."""
    lines = _front_matter(skill, tool_names, lang)
    lines += ["", f"# {skill['title']}", "",
              label(lang, "Compiled by sopc from `{path}`, version {version} ({digest}…). Do not edit: change the SOP "
                          "and rebuild.", path=skill["source_map"]["path"], version=skill["version"],
                    digest=skill["digest"][:19]), ""]
    if skill["status"] == "deprecated":
        lines += [label(lang, "**Deprecated:** use the skill `{successor}` instead.", successor=skill["superseded_by"]),
                  ""]
    lines += [" ".join(str(skill["summary"]).split()), "", f"## {label(lang, 'When to use')}", ""]
    lines += [f"- `{t['alert']}`: {t['when']}" + _mapped(t, lang) for t in skill["triggers"]]
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
                          "step `{first}`.", first=skill["first_step"]),
              label(lang, "3. Do each step below; after each, record its result with the `record_step` tool (`{tool}`).",
                    tool=tool_names[0]),
              label(lang, "4. Evaluate conditions exactly as written (CEL) against `inputs.<name>`, `thresholds.<name>`"),
              label(lang, "   and earlier results (`<step>.rows`, `<step>.row_count`, `<step>.<field>`)."),
              label(lang, "5. Never take an action or escalation before its approval is recorded; never contact the "
                          "subject."),
              label(lang, "6. At an outcome, submit the findings report with `{tool}`.", tool=tool_names[1]), ""]
    if skill["inputs_schema"]["properties"]:
        lines += [f"## {label(lang, 'Inputs')}", "", label(lang, "| name | type | required | description |"),
                  "|---|---|---|---|"]
        required = set(skill["inputs_schema"]["required"])
        for name, spec in skill["inputs_schema"]["properties"].items():
            kind = spec.get("format", spec.get("type"))
            needed = label(lang, "yes" if name in required else "no")
            lines.append(f"| `{name}` | {kind} | {needed} | {spec['description']} |")
        lines.append("")
    if skill.get("input_checks"):
        lines += [label(lang, "Refuse to start unless every input check holds (CEL over `inputs` and `thresholds`):"),
                  ""]
        lines += [f"- `{' '.join(c['require'].split())}`: " + label(lang, "otherwise, {message}", message=c["message"])
                  for c in skill["input_checks"]]
        lines.append("")
    if skill["thresholds"]:
        lines += [f"## {label(lang, 'Thresholds')}", "", label(lang, "| name | value | unit |"), "|---|---|---|"]
        lines += [f"| `{n}` | {t['value']} | {t['unit']} |" for n, t in skill["thresholds"].items()]
        lines.append("")
    lines += [f"## {label(lang, 'Checklist')}", ""]
    for number, step in enumerate(skill["steps"], start=1):
        lines += _step_lines(number, step, lang)
    lines += [f"## {label(lang, 'Outcomes')}", ""]
    lines += [f"- `{oid}`: {o['title']}" for oid, o in skill["outcomes"].items()]
    if skill["edge_cases"]:
        lines += ["", f"## {label(lang, 'Known blind spots')}", ""]
        lines += [f"- {' '.join(e.split())}" for e in skill["edge_cases"]]
    return "\n".join(lines).rstrip() + "\n"
