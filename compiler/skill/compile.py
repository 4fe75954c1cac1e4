"""Compile one SOP into the canonical, machine-readable skill (skill.json).

The skill holds everything an agent runtime needs and nothing it must guess:
identity and digest, a JSON Schema for the inputs, thresholds, every step as
an executable checklist item with its transitions and safety class, the
outcomes, escalation targets, the findings schema and a source map.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from compiler.document import Document
from compiler.i18n.translation import Translation, translations_block
from compiler.model import Input, Sop, Step, Transition, TypedField
from compiler.runner.includes import canonical_sha256, qualified_ids
from compiler.skill import SKILL_FORMAT
from compiler.skill.digest import digests
from compiler.sqlcheck import SqlReport, analyze_read, read_query
from compiler.translate import read_to_spark

SKILL_SCHEMA_ID = "https://sopc.dev/schema/skill.schema.json"
SAFETY_ORDER = ("read-only", "reversible", "irreversible")
DURATION_PATTERN = "^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"

_FIELD_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "string": {"type": "string"},
    "url": {"type": "string", "format": "uri"},
    "boolean": {"type": "boolean"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "timestamp": {"type": "string", "format": "date-time"},
    "list": {"type": "array", "items": {"type": "string"}},
}


def sql_report(sql: str, allowed: frozenset[str]) -> SqlReport:
    """The parameters, columns and tables of a query the lint accepted (its unknown columns are not looked for).
    Made with its Spark translation, from the same parse: a skill holds both."""
    return _compiled_query(sql, allowed)[0]


def spark_text(sql: str, allowed: frozenset[str]) -> str | None:
    """The Spark SQL of a query the lint accepted (validate makes sure there is one: SOP310)."""
    return _compiled_query(sql, allowed)[1]


@cache
def _compiled_query(sql: str, allowed: frozenset[str]) -> tuple[SqlReport, str | None]:
    """What a skill says of one query, from one parse (the costliest part of both): the report reads the tree,
    and then the Spark translation rewrites it."""
    read = read_query(sql)
    return analyze_read(sql, read, set(allowed), resolve_columns=False), read_to_spark(sql, read).text


def input_schema(spec: Input) -> dict[str, Any]:
    """JSON Schema of one SOP input."""
    schema: dict[str, Any]
    if spec.type == "timestamp":
        schema = {"type": "string", "format": "date-time"}
    elif spec.type == "duration":
        schema = {"type": "string", "pattern": DURATION_PATTERN}
    elif spec.type == "enum":
        schema = {"type": "string", "enum": list(spec.values)}
    else:
        schema = {"type": spec.type}
    if spec.pattern:
        schema["pattern"] = spec.pattern
    schema["description"] = spec.description
    if spec.default is not None:
        schema["default"] = spec.default
    return schema


def inputs_schema(sop: Sop) -> dict[str, Any]:
    """Closed JSON Schema for the inputs object of a run."""
    return {
        "type": "object",
        "properties": {name: input_schema(spec) for name, spec in sop.inputs.items()},
        "required": [name for name, spec in sop.inputs.items() if spec.required and spec.default is None],
        "additionalProperties": False,
    }


def field_schema(spec: TypedField) -> dict[str, Any]:
    """JSON Schema of one evidence or output field."""
    schema = dict(_FIELD_TYPES.get(spec.type, {"type": "string"}))
    if spec.type == "enum":
        schema = {"type": "string", "enum": list(spec.values)}
    schema["description"] = spec.description
    return schema


def fields_schema(fields: tuple[TypedField, ...]) -> dict[str, Any]:
    """Closed JSON Schema of a step's evidence or output."""
    return {
        "type": "object",
        "properties": {f.name: field_schema(f) for f in fields},
        "required": [f.name for f in fields if f.required],
        "additionalProperties": False,
    }


def _transition(label: str, to: Transition, when: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {}
    if when is not None:
        item["when"] = when
    if label:
        item["label"] = label
    if to.next is not None:
        item["next"] = to.next
    else:
        item["outcome"] = to.outcome
    return item


def transitions(step: Step) -> list[dict[str, Any]]:
    """Ordered transitions: the first whose `when` holds (or that has none) is taken."""
    if step.kind == "decision":
        # Every branch has a label: the record, the report and coverage name the branch taken by it.
        return [_transition(b.label or ("otherwise" if b.otherwise else f"branch {number}"), b.to,
                            None if b.otherwise else b.when)
                for number, b in enumerate(step.branches, start=1)]
    if step.kind == "check" and step.on_pass and step.on_fail:
        return [_transition("pass", step.on_pass, step.condition), _transition("fail", step.on_fail)]
    # An include's mapped outcomes first (label: the included outcome), then its own next/outcome for the rest.
    mapped = [_transition(f"outcome {name}", to) for name, to in step.on_outcome] if step.kind == "include" else []
    return mapped + ([_transition("", step.to)] if step.to is not None else [])


def safety(step: Step, library: Mapping[str, Sop], seen: frozenset[str] = frozenset()) -> str:
    """read-only, reversible or irreversible: the worst effect the step can have."""
    if step.kind == "action":
        return "reversible" if step.reversible else "irreversible"
    if step.kind == "escalate":
        return "reversible"
    if step.kind == "include":
        target = library.get(step.sop)
        if target is None or target.id in seen:
            return "reversible"
        worst = [safety(s, library, seen | {target.id}) for s in target.steps]
        return max(worst, key=SAFETY_ORDER.index, default="read-only")
    return "read-only"


def _parameters(sop: Sop, step: Step, report: SqlReport) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for name in report.parameters:
        if name in step.params:
            found.append({"name": name, "source": "param", "expression": step.params[name]})
        elif name in sop.inputs:
            found.append({"name": name, "source": "input", "type": sop.inputs[name].type})
        else:
            found.append({"name": name, "source": "threshold", "value": sop.thresholds[name].value})
    return found


def _approval(step: Step) -> dict[str, Any] | None:
    if step.approval is None:
        return None
    gate: dict[str, Any] = {"role": step.approval.role, "count": step.approval.count}
    if step.approval.on_refused is not None:
        gate["on_refused"] = _transition("refused", step.approval.on_refused)
    return gate


def _include(step: Step, library: Mapping[str, Sop], documents: Mapping[str, Document],
             translations: Mapping[str, Sequence[Translation]]) -> dict[str, Any]:
    """The included skill, compiled and embedded as its own skill.json is (with its translations, which a report
    in another language takes the included steps' titles from): the caller's skill.json runs on its own."""
    target = library.get(step.sop)
    if target is None or target.id not in documents:
        raise ValueError(f"step {step.id!r} includes {step.sop!r}, which is not in the library")
    embedded = compile_skill(target, documents[target.id], library, documents, translations)
    if translations.get(target.id):
        embedded["translations"] = translations_block(documents[target.id].data, translations[target.id])
    return {"sop": step.sop, "version": target.version, "digest": embedded["digest"],
            "skill_sha256": canonical_sha256(embedded), "with": dict(step.bindings), "skill": embedded}


def result_schema(sop: Sop, step: Step) -> dict[str, Any]:
    """JSON Schema of what the step produces, as later conditions read it."""
    if step.kind == "query":
        report = sql_report(step.sql, frozenset(sop.inputs) | frozenset(sop.thresholds) | frozenset(step.params))
        row: dict[str, Any] = {"type": "object"}
        if report.columns is not None:
            row["properties"] = {c: {} for c in report.columns}
            row["required"] = list(report.columns)
        return {"type": "object", "properties": {"rows": {"type": "array", "items": row},
                                                 "row_count": {"type": "integer"}},
                "required": ["rows", "row_count"], "additionalProperties": False}
    if step.kind == "manual":
        return fields_schema(step.evidence)
    if step.kind == "agent":
        return fields_schema(step.output)
    single = {"check": ("passed", "boolean"), "decision": ("branch", "string"), "include": ("outcome", "string"),
              "action": ("approved", "boolean")}
    if step.kind in single:
        name, kind = single[step.kind]
        return {"type": "object", "properties": {name: {"type": kind}}, "required": [name],
                "additionalProperties": False}
    return {"type": "object", "properties": {}, "additionalProperties": False}


def compile_step(sop: Sop, step: Step, library: Mapping[str, Sop], line: int,
                 documents: Mapping[str, Document] | None = None,
                 translations: Mapping[str, Sequence[Translation]] | None = None) -> dict[str, Any]:
    """One executable checklist item."""
    item: dict[str, Any] = {
        "id": step.id,
        "kind": step.kind,
        "title": step.title,
        "instruction": step.instruction,
        "safety": safety(step, library),
        "approval": _approval(step),
        "timeout": step.timeout or None,
        "transitions": transitions(step),
        "result_schema": result_schema(sop, step),
        "source_line": line,
    }
    if step.kind == "query":
        allowed = frozenset(sop.inputs) | frozenset(sop.thresholds) | frozenset(step.params)
        report = sql_report(step.sql, allowed)
        item["sql"] = {"text": step.sql, "file": f"queries/{step.id}.sql", "dialect": "duckdb",
                       "parameters": _parameters(sop, step, report), "columns": report.columns,
                       "tables": list(report.tables)}
        spark = spark_text(step.sql, allowed)
        if spark is not None:
            item["sql"]["spark"] = {"text": spark, "file": f"queries/{step.id}.spark.sql"}
        if step.params:
            item["params"] = dict(step.params)
    elif step.kind == "check":
        item["condition"] = step.condition
    elif step.kind == "manual":
        item["actor"] = step.actor
        item["evidence_schema"] = fields_schema(step.evidence)
    elif step.kind == "agent":
        item["output_schema"] = fields_schema(step.output)
    elif step.kind == "escalate":
        item["escalation"] = {"to": step.escalate_to, "within": step.within, "channel": step.channel,
                              "message": step.message}
    elif step.kind == "action":
        item["action"] = {"action": step.action, "target": step.target, "reversible": bool(step.reversible),
                          "reason_code": step.reason_code or None}
    elif step.kind == "include":
        item["include"] = _include(step, library, documents or {}, translations or {})
    return item


def _gated(steps: list[dict[str, Any]]) -> bool:
    """Whether any step a run may execute, in an included SOP too, has an approval gate."""
    return any(s.get("approval") or (s["kind"] == "include" and _gated(s["include"]["skill"]["steps"]))
               for s in steps)


def findings_schema(sop: Sop, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """JSON Schema of the findings report of a run (what `sopc run` writes as report.json).

    Step ids name the steps of included SOPs too, as <include step>/<step>: they run in the same record.
    """
    step_ids = qualified_ids(steps)
    names: list[str | None] = [*sorted(sop.outcomes), *(["approval_refused"] if _gated(steps) else []), None]
    approvers = {"type": ["array", "null"], "items": {"type": "string"},
                 "description": "Who approved the step's gate (null without a gate)."}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Findings report for {sop.id}",
        "type": "object",
        "required": ["sop", "version", "digest", "run_id", "status", "inputs", "outcome", "disposition", "path",
                     "steps", "escalations", "recommended_actions", "summary", "record"],
        "additionalProperties": False,
        "properties": {
            "sop": {"const": sop.id},
            "version": {"const": sop.version},
            "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
            "run_id": {"type": "string", "minLength": 1},
            "status": {"enum": ["completed", "awaiting_approval", "awaiting_answer", "failed", "approval_refused"],
                       "description": "Where the run stands; only completed runs have an outcome."},
            "inputs": inputs_schema(sop),
            "alert": {"type": "object", "additionalProperties": False,
                      "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                     "ts": {"type": "string", "format": "date-time"}},
                      "description": "The alert the run was started for (id, name, time, each when known); "
                                     "absent when none was named."},
            "case_id": {"type": "string", "description": "The case the run belongs to; absent when none was named."},
            "outcome": {"enum": names, "description": "The outcome reached; approval_refused when an approver "
                        "refused a gate (the run's declared terminal status); null while the run is open or failed."},
            "disposition": {"type": ["string", "null"]},
            "path": {"type": "array", "items": {"enum": step_ids}},
            "steps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["step", "kind", "title", "status"],
                    "additionalProperties": False,
                    "properties": {
                        "step": {"enum": step_ids},
                        "kind": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"enum": ["done", "failed", "awaiting", "refused"]},
                        "result": {"type": "object"},
                        "evidence": {"type": "object", "description": "The query's hash, row count and kept rows."},
                        "conditions": {"type": "array", "items": {"type": "object"},
                                       "description": "Each condition evaluated, the values it read and its result."},
                        "approved_by": approvers,
                        "approval": {"type": "object", "description": "The gate's decision: approved, by, role, note."},
                        "note": {"type": ["string", "null"]},
                        "grounding": {"type": "object", "description": (
                            "For an agent step answered through sopc's runner API: each figure and identifier of "
                            "the output with the recorded value it matched, and the outputs refused before it.")},
                    },
                },
            },
            "escalations": {"type": "array", "items": {
                "type": "object", "required": ["step", "to", "within"],
                "properties": {"step": {"enum": step_ids}, "to": {"type": "string"},
                               "within": {"type": ["string", "null"]}, "channel": {"type": ["string", "null"]},
                               "message": {"type": ["string", "null"]}, "approved_by": approvers,
                               "at": {"type": ["string", "null"], "description": "When it was recorded (UTC)."},
                               "due": {"type": ["string", "null"],
                                       "description": "When the hand-over is due: at plus within (UTC)."}}}},
            "approvals": {"type": "array", "description": "Every decision at a gate and every approval the runner "
                          "refused (decision rejected, note saying why), in the order recorded.", "items": {
                "type": "object", "required": ["step", "decision", "by", "at", "signature"],
                "properties": {"step": {"enum": step_ids}, "decision": {"enum": ["approved", "refused", "rejected"]},
                               "by": {"type": "array", "items": {"type": "string"}},
                               "role": {"type": ["string", "null"]}, "at": {"type": ["string", "null"]},
                               "note": {"type": ["string", "null"]},
                               "signature": {"enum": ["verified", "unverified", "rejected"]},
                               "keys": {"type": "array", "items": {"type": "string"}}}}},
            "started_by": {"type": "string", "description": "Who started the run (as recorded)."},
            "recommended_actions": {"type": "array", "items": {
                "type": "object", "required": ["step", "action", "target", "executed"],
                "properties": {"step": {"enum": step_ids}, "action": {"type": "string"}, "target": {},
                               "reversible": {"type": "boolean"}, "reason_code": {"type": ["string", "null"]},
                               "approved_by": approvers,
                               "executed": {"const": False, "description": "sopc never carries out actions."}}}},
            "summary": {"type": "string", "minLength": 1,
                        "description": "What was found, with the figures, for the risk manager."},
            "record": {"type": "object", "required": ["events", "head"], "additionalProperties": False,
                       "description": "The run record this report was made from: its length and last line's sha256.",
                       "properties": {"events": {"type": "integer", "minimum": 0},
                                      "head": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"}}},
        },
    }


def compile_skill(sop: Sop, doc: Document, library: Mapping[str, Sop],
                  documents: Mapping[str, Document] | None = None,
                  translations: Mapping[str, Sequence[Translation]] | None = None) -> dict[str, Any]:
    """The skill.json document of one SOP (documents: the library's documents, to embed included SOPs;
    translations: the library's translations by SOP id, which the embedded skills carry)."""
    lines = {s.id: doc.source.value(s.pointer)[0] for s in sop.steps}
    steps = [compile_step(sop, s, library, lines[s.id], documents, translations) for s in sop.steps]
    return {
        "$schema": SKILL_SCHEMA_ID,
        "skill_format": SKILL_FORMAT,
        "id": sop.id,
        "version": sop.version,
        "digest": digests(doc.data)["digest"],
        "title": sop.title,
        "summary": sop.summary,
        "status": sop.status,
        "superseded_by": sop.superseded_by or None,
        "owner": sop.owner,
        "reviewers": list(sop.reviewers),
        "review_by": sop.review_by,
        "severity": sop.severity,
        "domain": sop.domain,
        "tags": list(sop.tags),
        "triggers": [{"alert": t.alert, "when": t.when, **({"inputs": dict(t.inputs)} if t.inputs else {})}
                     for t in sop.triggers],
        "inputs_schema": inputs_schema(sop),
        "input_checks": [{"require": c.require, "message": c.message} for c in sop.input_checks],
        "thresholds": {n: {"value": t.value, "unit": t.unit, "rationale": t.rationale}
                       for n, t in sop.thresholds.items()},
        "first_step": sop.steps[0].id,
        "steps": steps,
        "outcomes": {o.id: {"title": o.title, "disposition": o.disposition or None} for o in sop.outcomes.values()},
        "escalations": [{"step": s.id, "to": s.escalate_to, "within": s.within, "channel": s.channel}
                        for s in sop.steps if s.kind == "escalate"],
        "findings_schema": findings_schema(sop, steps),
        "edge_cases": list(sop.edge_cases),
        "references": [{"title": r.title, "url": r.url or None} for r in sop.references],
        "source_map": {"path": sop.path.replace("\\", "/"), "steps": lines},
    }
