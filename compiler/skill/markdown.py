"""SKILL.md: the skill in the Agent Skills format, written for an agent.

Front matter carries name (the folder name), a description of at most 1,024
characters naming the alert triggers, and string-valued metadata. The body
is the checklist; details live in skill.json and one file per query, read
only when needed (progressive disclosure).
"""

from __future__ import annotations

import json
from typing import Any

MAX_DESCRIPTION = 1024


def _yaml_str(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def description(skill: dict[str, Any]) -> str:
    """What the skill does and when to use it, naming the alerts, within 1,024 characters."""
    alerts = ", ".join(t["alert"] for t in skill["triggers"])
    tail = f" Use when one of these alerts fires: {alerts}."
    head = f"{skill['title']}. "
    summary = " ".join(str(skill["summary"]).split())
    room = MAX_DESCRIPTION - len(head) - len(tail)
    if len(summary) > room:
        summary = summary[: max(room - 1, 0)].rstrip() + "…"
    text = head + summary + tail
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def _front_matter(skill: dict[str, Any], tool_names: list[str]) -> list[str]:
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
    lines = ["---", f"name: {skill['id']}", f"description: {_yaml_str(description(skill))}", "metadata:"]
    lines += [f"  {key}: {_yaml_str(str(value))}" for key, value in metadata.items()]
    return [*lines, "---"]


def _where(transition: dict[str, Any]) -> str:
    return f"go to step `{transition['next']}`" if "next" in transition else f"finish with outcome `{transition['outcome']}`"


def _step_lines(number: int, step: dict[str, Any]) -> list[str]:
    gate = f", approval by **{step['approval']['role']}**" if step["approval"] else ""
    lines = [f"### {number}. `{step['id']}` — {step['title']}", "",
             f"Kind: {step['kind']} · safety: {step['safety']}{gate}"
             + (f" · timeout: {step['timeout']}" if step["timeout"] else ""), ""]
    if step["instruction"]:
        lines += [" ".join(step["instruction"].split()), ""]
    if step["kind"] == "query":
        params = ", ".join(f"`${p['name']}` ({p['source']})" for p in step["sql"]["parameters"]) or "none"
        lines += [f"Run `{step['sql']['file']}` (DuckDB, read-only) with bound parameters: {params}.",
                  "Never paste values into the SQL text."]
        for name, expression in step.get("params", {}).items():
            lines.append(f"Compute `${name}` as `{expression}`.")
        lines.append("")
    elif step["kind"] == "manual":
        lines += [f"Ask the **{step['actor']}** to do this and record: "
                  + ", ".join(f"`{k}`" for k in step["evidence_schema"]["properties"]) + ".", ""]
    elif step["kind"] == "agent":
        lines += ["Return: " + ", ".join(f"`{k}` ({v.get('type', 'string')})"
                                         for k, v in step["output_schema"]["properties"].items()) + ".", ""]
    elif step["kind"] == "escalate":
        esc = step["escalation"]
        lines += [f"Escalate to **{esc['to']}** within **{esc['within']}** via {esc['channel']}."]
        if esc["message"]:
            lines.append("Include: " + " ".join(esc["message"].split()))
        lines.append("")
    elif step["kind"] == "action":
        act = step["action"]
        lines += [f"Request `{act['action']}` on `{act['target']}`"
                  + (" (irreversible)" if not act["reversible"] else "")
                  + ". Do not perform it yourself: it takes effect only after the approval is recorded.", ""]
    elif step["kind"] == "include":
        inc = step["include"]
        bound = ", ".join(f"`{k}` = `{v}`" for k, v in inc["with"].items()) or "no inputs"
        lines += [f"Run the skill `{inc['sop']}` {inc['version']} (embedded in skill.json, `{inc['skill_sha256']}`) "
                  f"with {bound}; record its steps as `{step['id']}/<step>`. Its outcome is `{step['id']}.outcome` "
                  f"and each of its steps' results `{step['id']}.<step>`.", ""]
    refusal_gate = step.get("approval") or {}
    if refusal_gate.get("on_refused"):
        lines.append(f"- If the approval is refused: {_where(refusal_gate['on_refused'])}.")
    for transition in step["transitions"]:
        if "when" in transition:
            lines.append(f"- If `{' '.join(str(transition['when']).split())}`: {_where(transition)}.")
        elif transition.get("label", "").startswith("outcome "):
            lines.append(f"- If it ends in `{transition['label'][8:]}`: {_where(transition)}.")
        else:
            prefix = "Otherwise" if len(step["transitions"]) > 1 else "Then"
            lines.append(f"- {prefix}: {_where(transition)}.")
    return [*lines, ""]


def _mapped(trigger: dict[str, Any]) -> str:
    """How the trigger's alert payload fills the inputs, as a clause (empty when it maps none)."""
    if not trigger.get("inputs"):
        return ""
    return " Inputs from the alert payload: " + ", ".join(f"`{name}` = `{pointer}`"
                                                        for name, pointer in trigger["inputs"].items()) + "."


def render_skill_md(skill: dict[str, Any], tool_names: list[str]) -> str:
    """The SKILL.md text of a compiled skill."""
    lines = _front_matter(skill, tool_names)
    lines += ["", f"# {skill['title']}", "",
              f"Compiled by sopc from `{skill['source_map']['path']}`, version {skill['version']} "
              f"({skill['digest'][:19]}…). Do not edit: change the SOP and rebuild.", ""]
    if skill["status"] == "deprecated":
        lines += [f"**Deprecated:** use the skill `{skill['superseded_by']}` instead.", ""]
    lines += [" ".join(str(skill["summary"]).split()), "", "## When to use", ""]
    lines += [f"- `{t['alert']}`: {t['when']}" + _mapped(t) for t in skill["triggers"]]
    lines += ["", "## How to run it", "",
              "With the sopc MCP server connected (`sopc mcp`), let the runner do the work: `start_run` with the",
              "alert, answer only the `agent` steps it hands you with `submit_step` (every figure you write is",
              "checked against the run's data), and leave manual steps and approvals to people. Without it:", "",
              "1. Read `skill.json`: it has the inputs schema, thresholds, every step with its transitions,",
              "   result schema and safety class, and `findings_schema` for your report.",
              f"2. Validate the inputs against `inputs_schema` (and `input_checks`, if any), then start at step "
              f"`{skill['first_step']}`.",
              "3. Do each step below; after each, record its result with the `record_step` tool"
              f" (`{tool_names[0]}`).",
              "4. Evaluate conditions exactly as written (CEL) against `inputs.<name>`, `thresholds.<name>`",
              "   and earlier results (`<step>.rows`, `<step>.row_count`, `<step>.<field>`).",
              "5. Never take an action or escalation before its approval is recorded; never contact the subject.",
              f"6. At an outcome, submit the findings report with `{tool_names[1]}`.", ""]
    if skill["inputs_schema"]["properties"]:
        lines += ["## Inputs", "", "| name | type | required | description |", "|---|---|---|---|"]
        required = set(skill["inputs_schema"]["required"])
        for name, spec in skill["inputs_schema"]["properties"].items():
            kind = spec.get("format", spec.get("type"))
            lines.append(f"| `{name}` | {kind} | {'yes' if name in required else 'no'} | {spec['description']} |")
        lines.append("")
    if skill.get("input_checks"):
        lines += ["Refuse to start unless every input check holds (CEL over `inputs` and `thresholds`):", ""]
        lines += [f"- `{' '.join(c['require'].split())}`: otherwise, {c['message']}" for c in skill["input_checks"]]
        lines.append("")
    if skill["thresholds"]:
        lines += ["## Thresholds", "", "| name | value | unit |", "|---|---|---|"]
        lines += [f"| `{n}` | {t['value']} | {t['unit']} |" for n, t in skill["thresholds"].items()]
        lines.append("")
    lines += ["## Checklist", ""]
    for number, step in enumerate(skill["steps"], start=1):
        lines += _step_lines(number, step)
    lines += ["## Outcomes", ""]
    lines += [f"- `{oid}`: {o['title']}" for oid, o in skill["outcomes"].items()]
    if skill["edge_cases"]:
        lines += ["", "## Known blind spots", ""]
        lines += [f"- {' '.join(e.split())}" for e in skill["edge_cases"]]
    return "\n".join(lines).rstrip() + "\n"
