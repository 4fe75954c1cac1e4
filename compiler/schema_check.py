"""JSON Schema validation, translated into located diagnostics.

jsonschema reports errors against the schema's structure; authors need them
against their file. Each error is mapped to a stable code, the position of
the offending value (or key), and a hint: the closest known key or allowed
value, or the field's description from the schema.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema.exceptions import ValidationError

from compiler.diagnostics import Diagnostic, make
from compiler.document import Document, pointer_join
from compiler.resources import schema_json
from compiler.suggest import article, closest
from compiler.yamlload import refused_values

_RANGE = {"minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum",
          "exclusiveMinimum", "exclusiveMaximum", "uniqueItems", "minProperties", "maxProperties"}
# JSON Schema's type names in the words the rest of the message uses (YAML's).
_SCHEMA_TYPES = {"object": "a mapping", "array": "a list", "string": "a string", "boolean": "a boolean",
                 "integer": "an integer", "number": "a number", "null": "null"}
_JSON_TYPES = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
               int: "an integer", float: "a number", type(None): "null"}


@cache
def _validator(name: str = "sop.schema.json") -> jsonschema.Draft202012Validator:
    schema = schema_json(name)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _conforms(name: str) -> Any:
    """Python jsonschema's own check of one format, for the compiled validator: both judge a format alike."""
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return lambda value: checker.conforms(value, name)


@cache
def _fast(name: str = "sop.schema.json") -> Any:
    """The compiled validator (jsonschema-rs): it only says whether a document is valid, in a fraction of the time.

    Formats are judged by Python jsonschema's checkers (date, regex with
    Python's re), and formats it does not check (uri) pass in both, so the
    two agree on every document; the detailed diagnostics come from
    `_validator`, run only on a document this one refuses.
    """
    formats = {"uri": lambda value: True, **{f: _conforms(f) for f in jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers}}
    return jsonschema_rs.validator_for(schema_json(name), validate_formats=True, formats=formats)


def _valid(doc: Document, schema: str) -> bool:
    """Whether the compiled validator accepts the document (False when it cannot judge it: then the slow path decides)."""
    try:
        return bool(_fast(schema).is_valid(doc.data))
    except (ValueError, TypeError, OverflowError):
        return False


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


def _property(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """The schema of one property, looked up through $refs (stepCommon holds most step keys)."""
    current: dict[str, Any] | None = schema
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = current.get("properties", {}).get(name)
        if isinstance(found, dict):
            return _resolve(found) if "description" not in found else found
        current = _resolve(current) if "$ref" in current else None
    return {}


# A key required only because of another key's value: where the mistake shows.
# (status: deprecated needs superseded_by; type: enum needs values.)
_CONDITIONAL_CAUSE = {"superseded_by": "status", "values": "type"}

_BOUND = {"minLength": "at least {} characters", "maxLength": "at most {} characters",
          "minItems": "at least {} items", "maxItems": "at most {} items",
          "minimum": "at least {}", "maximum": "at most {}"}


def _diagnose(doc: Document, error: ValidationError) -> Iterator[Diagnostic]:
    pointer = ""
    for token in error.absolute_path:
        pointer = pointer_join(pointer, token)
    at = doc.source.value(pointer)
    kind = error.validator
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    value: Any = error.validator_value  # typed Any | Unset in the stubs; set for every leaf error

    if "propertyNames" in error.relative_schema_path and isinstance(instance, str):
        # jsonschema checks a property name as an instance of its own but keeps
        # the mapping's path: locate the offending key, not the mapping.
        key_pointer = pointer_join(pointer, instance)
        yield make(doc.path, doc.source.key(key_pointer), "SOP106", f"{instance!r} is not a valid identifier",
                   key_pointer, "use snake_case: a lowercase letter, then lowercase letters, digits and _")
        return

    if kind in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        allowed = _known_keys(schema)
        for key in sorted(k for k in instance if k not in allowed):
            key_pointer = pointer_join(pointer, key)
            hint = _comma_trap(instance, key) or closest(key, allowed) or f"allowed keys here: {', '.join(allowed)}"
            yield make(doc.path, doc.source.key(key_pointer), "SOP101", f"unknown key {key!r}",
                       key_pointer, hint)
        return
    if kind == "required" and isinstance(instance, dict):
        # A bare {required: [...]} under if/then is a rule between keys (SOP108); a
        # step kind's definition (queryStep needs sql) is an ordinary requirement.
        conditional = list(error.relative_schema_path)[-2:] == ["then", "required"] and set(schema) == {"required"}
        step_kind = instance.get("kind") if isinstance(instance.get("kind"), str) else None
        for name in value:
            if name in instance:
                continue
            if conditional:
                cause = _CONDITIONAL_CAUSE.get(name)
                where = pointer_join(pointer, cause) if cause and cause in instance else pointer
                yield make(doc.path, doc.source.value(where), "SOP108", f"missing key {name!r}", where,
                           _conditional_hint(name))
                continue
            needs = f" ({article(step_kind)} step needs it)" if step_kind and list(error.relative_schema_path)[-2:] \
                == ["then", "required"] else ""
            yield make(doc.path, at, "SOP102", f"missing required key {name!r}{needs}", pointer,
                       str(_property(schema, name).get("description", "")))
        return
    if kind == "type":
        expected: list[str] = [str(t) for t in value] if isinstance(value, list) else [str(value)]
        raw = doc.source.coerced.get(pointer)
        if "string" in expected and raw is not None:
            hint = f'quote it: "{raw}"'
            pattern = _resolve(schema).get("pattern")
            if isinstance(pattern, str) and not re.search(pattern, raw):
                # Quoting alone would not help (1.10 is no semver, 12:30 no duration): say what is.
                hint = f'quote it; note that "{raw}" is not a valid {_described(schema)}'
            yield make(doc.path, at, "SOP104",
                       f"{pointer or 'value'} must be a string, but YAML read {raw} as {_type_name(instance)}",
                       pointer, hint)
            return
        yield make(doc.path, at, "SOP103",
                   f"expected {' or '.join(_SCHEMA_TYPES.get(t, t) for t in expected)}, got {_type_name(instance)}",
                   pointer,
                   str(schema.get("description", "")))
        return
    if kind in ("enum", "const"):
        options: list[Any] = list(value) if kind == "enum" else [value]
        shown = ", ".join(str(o) for o in options)
        hint = closest(instance, [str(o) for o in options]) or f"allowed: {shown}"
        yield make(doc.path, at, "SOP105", f"{instance!r} is not allowed", pointer, hint)
        return
    if kind in ("pattern", "format"):
        if kind == "format" and value == "regex":
            yield make(doc.path, at, "SOP605", f"{instance!r} is not a valid regular expression{_regex_error(instance)}",
                       pointer, "check brackets, escapes and quantifiers")
            return
        yield make(doc.path, at, "SOP106", f"{instance!r} is not a valid {_label(schema)}",
                   pointer, str(_resolve(schema).get("description", "")))
        return
    if kind == "propertyNames":
        for sub in error.context or [error]:
            name = str(sub.instance)
            key_pointer = pointer_join(pointer, name)
            yield make(doc.path, doc.source.key(key_pointer), "SOP106", f"{name!r} is not a valid identifier",
                       key_pointer, "use snake_case: a lowercase letter, then lowercase letters, digits and _")
        return
    if kind in _RANGE:
        bound = _BOUND.get(str(kind), "")
        limit = f" ({bound.format(value)})" if bound and "non-empty" not in error.message else ""
        yield make(doc.path, at, "SOP107", f"{error.message}{limit}", pointer,
                   str(_resolve(schema).get("description", "")))
        return
    yield make(doc.path, at, "SOP103", f"{error.message}", pointer)


def _comma_trap(instance: dict[str, Any], key: str) -> str:
    """A key of words with no value after a text value: a comma inside {…} cut the value in two."""
    keys = list(instance)
    before = keys[keys.index(key) - 1] if keys.index(key) > 0 else None
    if instance[key] is not None or " " not in key.strip() or before is None or not isinstance(instance[before], str):
        return ""
    return f'a comma inside {{…}} ends the value of {before!r}: quote it: {before}: "{instance[before]}, {key}"'


def _described(schema: dict[str, Any]) -> str:
    """'semantic version either: MAJOR.MINOR.PATCH as a quoted string.' from a field's schema."""
    description = str(_resolve(schema).get("description", "")).strip()
    return f"{_label(schema)} either: {description}" if description else f"{_label(schema)} either"


def _regex_error(pattern: Any) -> str:
    """': unterminated character set at position 1', Python's own words for what is wrong."""
    try:
        re.compile(str(pattern))
    except re.error as err:
        return f": {err}"
    return ""


def _conditional_hint(name: str) -> str:
    if name == "superseded_by":
        return "a deprecated SOP names the SOP that replaces it"
    if name == "values":
        return "an enum lists its allowed values"
    return ""


def _non_finite(doc: Document) -> Iterator[Diagnostic]:
    """.nan and .inf pass JSON Schema's "number" but compare with nothing and are not JSON."""
    todo: list[tuple[str, Any]] = [("", doc.data)]
    while todo:
        pointer, value = todo.pop()
        if isinstance(value, dict):
            todo.extend((pointer_join(pointer, k), v) for k, v in value.items())
        elif isinstance(value, list):
            todo.extend((pointer_join(pointer, i), v) for i, v in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            written = doc.source.coerced.get(pointer, str(value))
            yield make(doc.path, doc.source.value(pointer), "SOP107", f"{written} is not a finite number", pointer,
                       "write a finite number: .nan and .inf compare with nothing and cannot be exported")


def _under(pointer: str, refused: frozenset[str]) -> bool:
    """Whether pointer is one of the refused values or inside one."""
    while pointer:
        if pointer in refused:
            return True
        pointer = pointer.rsplit("/", 1)[0]
    return False


def _errors(error: ValidationError) -> Iterator[ValidationError]:
    """Flatten if/then and allOf wrappers so each leaf error is reported."""
    if error.validator in ("allOf", "anyOf", "oneOf") and error.context:
        for sub in error.context:
            yield from _errors(sub)
    else:
        yield error


def check_schema(doc: Document, schema: str = "sop.schema.json") -> list[Diagnostic]:
    """Every schema error in the document, located and deduplicated (schema: a shipped schema without $refs
    of its own, when not the SOP format)."""
    if _valid(doc, schema) and not doc.source.non_finite:  # the loader notes every .nan and .inf it reads
        return []
    found: dict[tuple[str, ...], Diagnostic] = {}
    refused = refused_values(doc)
    for error in _validator(schema).iter_errors(doc.data):
        for leaf in _errors(error):
            for diagnostic in _diagnose(doc, leaf):
                if _under(diagnostic.pointer, refused):
                    continue  # an alias or refused tag: already reported by the loader
                # A date that is neither a date nor matches the pattern is one
                # mistake, not two: one bad-format diagnostic per value.
                key: tuple[str, ...] = (diagnostic.pointer, diagnostic.code)
                if diagnostic.code != "SOP106":
                    key += (diagnostic.message,)
                found.setdefault(key, diagnostic)
    for diagnostic in _non_finite(doc):
        found.setdefault((diagnostic.pointer, diagnostic.code, diagnostic.message), diagnostic)
    return sorted(found.values())
