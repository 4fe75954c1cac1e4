"""JSON Schema validation, translated into located diagnostics.

jsonschema reports errors against the schema's structure; authors need them
against their file. Each error is mapped to a stable code, the position of
the offending value (or key), and a hint: the closest known key or allowed
value, or the field's description from the schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from compiler.diagnostics import Diagnostic, make
from compiler.document import Document, pointer_join
from compiler.resources import schema_json
from compiler.suggest import closest

_RANGE = {"minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum",
          "exclusiveMinimum", "exclusiveMaximum", "uniqueItems", "minProperties", "maxProperties"}
_JSON_TYPES = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
               int: "an integer", float: "a number", type(None): "null"}


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = schema_json("sop.schema.json")
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a local $ref (#/$defs/...) once."""
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
        return schema
    target: dict[str, Any] = schema_json("sop.schema.json")["$defs"][ref.removeprefix("#/$defs/")]
    return target


def _known_keys(schema: dict[str, Any]) -> list[str]:
    """Every property name a schema (and the schemas it $refs) declares."""
    keys: list[str] = []
    seen: set[int] = set()
    todo = [schema]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        keys.extend(current.get("properties", {}))
        if "$ref" in current:
            todo.append(_resolve(current))
    return sorted(set(keys))


def _type_name(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _label(schema: dict[str, Any]) -> str:
    resolved = _resolve(schema)
    return str(resolved.get("title") or schema.get("title") or "value").lower()


def _diagnose(doc: Document, error: ValidationError) -> Iterator[Diagnostic]:
    pointer = ""
    for token in error.absolute_path:
        pointer = pointer_join(pointer, token)
    at = doc.source.value(pointer)
    kind = error.validator
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}

    if kind in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        allowed = _known_keys(schema)
        for key in sorted(k for k in instance if k not in allowed):
            key_pointer = pointer_join(pointer, key)
            hint = closest(key, allowed) or f"allowed keys here: {', '.join(allowed)}"
            yield make(doc.path, doc.source.key(key_pointer), "SOP101", f"unknown key {key!r}",
                       key_pointer, hint)
        return
    if kind == "required" and isinstance(instance, dict):
        conditional = list(error.relative_schema_path)[-2:] == ["then", "required"]
        properties = schema.get("properties", {})
        for name in error.validator_value:
            if name in instance:
                continue
            if conditional:
                yield make(doc.path, at, "SOP108", f"missing key {name!r}", pointer,
                           _conditional_hint(name))
                continue
            described = properties.get(name, {}).get("description", "")
            yield make(doc.path, at, "SOP102", f"missing required key {name!r}", pointer,
                       described)
        return
    if kind == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        raw = doc.source.coerced.get(pointer)
        if "string" in expected and raw is not None:
            yield make(doc.path, at, "SOP104",
                       f"{pointer or 'value'} must be a string, but YAML read {raw} as {_type_name(instance)}",
                       pointer, f'quote it: "{raw}"')
            return
        yield make(doc.path, at, "SOP103",
                   f"expected {' or '.join(expected)}, got {_type_name(instance)}", pointer,
                   str(schema.get("description", "")))
        return
    if kind in ("enum", "const"):
        options = error.validator_value if kind == "enum" else [error.validator_value]
        shown = ", ".join(str(o) for o in options)
        hint = closest(instance, [str(o) for o in options]) or f"allowed: {shown}"
        yield make(doc.path, at, "SOP105", f"{instance!r} is not allowed", pointer, hint)
        return
    if kind in ("pattern", "format"):
        if kind == "format" and error.validator_value == "regex":
            yield make(doc.path, at, "SOP605", f"{instance!r} is not a valid regular expression", pointer,
                       "check brackets, escapes and quantifiers")
            return
        yield make(doc.path, at, "SOP106", f"{instance!r} is not a valid {_label(schema)}",
                   pointer, str(_resolve(schema).get("description", "")))
        return
    if kind == "propertyNames":
        for sub in error.context or [error]:
            name = sub.instance
            key_pointer = pointer_join(pointer, name)
            yield make(doc.path, doc.source.key(key_pointer), "SOP106", f"{name!r} is not a valid identifier",
                       key_pointer, "use snake_case: a lowercase letter, then lowercase letters, digits and _")
        return
    if kind in _RANGE:
        yield make(doc.path, at, "SOP107", f"{error.message}", pointer,
                   str(_resolve(schema).get("description", "")))
        return
    yield make(doc.path, at, "SOP103", f"{error.message}", pointer)


def _conditional_hint(name: str) -> str:
    if name == "superseded_by":
        return "a deprecated SOP names the SOP that replaces it"
    if name == "values":
        return "an enum lists its allowed values"
    return ""


def _errors(error: ValidationError) -> Iterator[ValidationError]:
    """Flatten if/then and allOf wrappers so each leaf error is reported."""
    if error.validator in ("allOf", "anyOf", "oneOf") and error.context:
        for sub in error.context:
            yield from _errors(sub)
    else:
        yield error


def check_schema(doc: Document) -> list[Diagnostic]:
    """Every schema error in the document, located and deduplicated."""
    found: dict[tuple[str, ...], Diagnostic] = {}
    for error in _validator().iter_errors(doc.data):
        for leaf in _errors(error):
            for diagnostic in _diagnose(doc, leaf):
                # A date that is neither a date nor matches the pattern is one
                # mistake, not two: one bad-format diagnostic per value.
                key = (diagnostic.pointer, diagnostic.code)
                if diagnostic.code != "SOP106":
                    key += (diagnostic.message,)
                found.setdefault(key, diagnostic)
    return sorted(found.values())
