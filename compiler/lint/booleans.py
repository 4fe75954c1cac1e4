"""yes, no, on and off: booleans to YAML 1.1, text to YAML 1.2 and to the editor."""

from __future__ import annotations

from compiler.lint.base import Findings, value_at

_YAML11_ONLY = frozenset({"yes", "no", "on", "off"})
"""The words YAML 1.1 reads as booleans and YAML 1.2 as text (true and false are booleans to both)."""


def check_booleans(found: Findings) -> None:
    """SOP109 for every unquoted yes/no/on/off read as a boolean, unless the value is already reported."""
    reported = {d.pointer for d in found.items}
    for pointer, raw in sorted(found.doc.source.coerced.items()):
        if raw.lower() not in _YAML11_ONLY or pointer in reported or not isinstance(value_at(found.doc.data, pointer), bool):
            continue
        meant = "true" if value_at(found.doc.data, pointer) else "false"
        found.add(pointer, "SOP109", f"{raw} is a boolean only to YAML 1.1; the editor (YAML 1.2) reads it as text",
                  f"write {meant}" + (f', or quote it if you mean the text: "{raw}"' if raw.isalpha() else ""))
