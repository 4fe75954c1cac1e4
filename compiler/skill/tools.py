"""Tool (function) definitions an agent platform can register directly.

Each skill gets two functions: one to record a step's result and one to
submit the findings report. Their parameter schemas follow the strict
structured-output rules: every object is closed (additionalProperties:
false), every property is required (optional ones are a union with null),
and only type, properties, required, additionalProperties, items, enum,
anyOf and description are used (no oneOf/allOf/not/if, no formats or
bounds). `strict_violations` checks those rules and is run on every
generated schema by the tests.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from compiler.model import Sop, Step, TypedField
from compiler.skill.compile import sql_report

TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ALLOWED_KEYS = frozenset({"type", "properties", "required", "additionalProperties", "items", "enum", "anyOf",
                           "description"})
_SCALAR = {"text": "string", "string": "string", "url": "string", "timestamp": "string", "boolean": "boolean",
           "integer": "integer", "number": "number"}
_ANY_CELL = {"type": ["string", "number", "boolean", "null"]}


def tool_name(sop_id: str, verb: str) -> str:
    """'<sop_id>__<verb>' with underscores, shortened with a hash when over 64 characters."""
    base = sop_id.replace("-", "_")
    name = f"{base}__{verb}"
    if len(name) <= 64:
        return name
    tag = hashlib.sha256(sop_id.encode()).hexdigest()[:8]
    return f"{base[: 64 - len(verb) - len(tag) - 3]}_{tag}__{verb}"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if isinstance(kind, list) and "null" not in kind:
        return {**schema, "type": [*kind, "null"]}
    return schema


def _closed(properties: dict[str, dict[str, Any]], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": list(properties),
                              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def _field(spec: TypedField) -> dict[str, Any]:
    if spec.type == "enum":
        schema: dict[str, Any] = {"type": "string", "enum": list(spec.values)}
    elif spec.type == "list":
        schema = {"type": "array", "items": {"type": "string"}}
    else:
        schema = {"type": _SCALAR.get(spec.type, "string")}
    schema["description"] = spec.description
    return schema if spec.required else _nullable(schema)


def _step_result(sop: Sop, step: Step) -> dict[str, Any]:
    """Strict schema of one step's result, tagged by a const-like one-value enum on step."""
    tag = {"type": "string", "enum": [step.id]}
    if step.kind == "query":
        report = sql_report(step.sql, frozenset(sop.inputs) | frozenset(sop.thresholds) | frozenset(step.params))
        if report.columns is not None:
            rows: dict[str, Any] = {"type": "array", "items": _closed({c: dict(_ANY_CELL) for c in report.columns})}
        else:
            rows = {"type": "array", "items": {"type": "string"},
                    "description": "Each row as a JSON object string (the query selects *)."}
        return _closed({"step": tag, "rows": rows}, f"Rows returned by {step.id}.")
    if step.kind in ("manual", "agent"):
        fields = step.evidence if step.kind == "manual" else step.output
        return _closed({"step": tag, **{f.name: _field(f) for f in fields}}, step.title)
    if step.kind == "check":
        return _closed({"step": tag, "passed": {"type": "boolean"}}, step.title)
    if step.kind == "decision":
        labels = [b.label or ("otherwise" if b.otherwise else f"branch {i + 1}") for i, b in enumerate(step.branches)]
        return _closed({"step": tag, "branch": {"type": "string", "enum": labels}}, step.title)
    if step.kind == "include":
        return _closed({"step": tag, "outcome": {"type": "string"}}, step.title)
    return _closed({"step": tag, "done": {"type": "boolean"}}, step.title)


def record_step_tool(sop: Sop) -> dict[str, Any]:
    """Function for recording the result of one step."""
    approval = _closed({"approver": {"type": "string", "description": "Who approved (name or id)."},
                        "role": {"type": "string"},
                        "approved": {"type": "boolean"}}, "Approval given at the step's gate.")
    parameters = _closed({
        "step_id": {"type": "string", "enum": [s.id for s in sop.steps], "description": "The step being recorded."},
        "status": {"type": "string", "enum": ["done", "failed", "skipped"]},
        "result": {"anyOf": [_step_result(sop, s) for s in sop.steps],
                   "description": "The step's result; its step field repeats step_id."},
        "approval": {"anyOf": [approval, {"type": "null"}], "description": "Required for steps with an approval gate."},
        "note": {"type": ["string", "null"], "description": "Anything the reviewer should know."},
    })
    return {
        "type": "function",
        "name": tool_name(sop.id, "record_step"),
        "description": f"Record the result of one step of the SOP '{sop.title}' ({sop.id} {sop.version}).",
        "strict": True,
        "parameters": parameters,
    }


def submit_findings_tool(sop: Sop) -> dict[str, Any]:
    """Function for handing back the findings report at an outcome."""
    step_ids = [s.id for s in sop.steps]
    parameters = _closed({
        "outcome": {"type": "string", "enum": sorted(sop.outcomes), "description": "The outcome reached."},
        "path": {"type": "array", "items": {"type": "string", "enum": step_ids},
                 "description": "Step ids in the order they ran."},
        "summary": {"type": "string", "description": "What was found, with the figures, for the risk manager."},
        "escalated_to": {"type": ["string", "null"], "description": "Team the case was escalated to, if any."},
        "recommended_actions": {"type": "array", "items": {"type": "string"},
                                "description": "Actions recommended for approval, one per item."},
    })
    return {
        "type": "function",
        "name": tool_name(sop.id, "submit_findings"),
        "description": f"Submit the findings report of the SOP '{sop.title}' when an outcome is reached.",
        "strict": True,
        "parameters": parameters,
    }


def tools(sop: Sop) -> list[dict[str, Any]]:
    """Both functions of a skill."""
    return [record_step_tool(sop), submit_findings_tool(sop)]


def strict_violations(schema: Any, where: str = "$") -> list[str]:
    """Every way a parameter schema breaks the strict structured-output rules."""
    problems: list[str] = []
    if not isinstance(schema, dict):
        return [f"{where}: not a schema object"]
    for key in schema:
        if key not in _ALLOWED_KEYS:
            problems.append(f"{where}: keyword {key!r} is not allowed")
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "object" in kinds:
        properties = schema.get("properties")
        if schema.get("additionalProperties") is not False:
            problems.append(f"{where}: object must set additionalProperties: false")
        if not isinstance(properties, dict):
            problems.append(f"{where}: object must declare properties")
        elif sorted(schema.get("required", [])) != sorted(properties):
            problems.append(f"{where}: every property must be required")
    for name, sub in (schema.get("properties") or {}).items():
        problems.extend(strict_violations(sub, f"{where}.{name}"))
    if "items" in schema:
        problems.extend(strict_violations(schema["items"], f"{where}[]"))
    for index, sub in enumerate(schema.get("anyOf", [])):
        problems.extend(strict_violations(sub, f"{where}|{index}"))
    if "anyOf" not in schema and "enum" not in schema and kind is None:
        problems.append(f"{where}: schema has no type")
    return problems
