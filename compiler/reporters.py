"""Formatting diagnostics for people (text), programs (json) and CI (github)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from compiler.diagnostics import Diagnostic, Severity


def summary(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """'2 errors, 1 warning in 3 files' (or 'no problems in 3 files')."""
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = len(diagnostics) - errors
    noun = "file" if files == 1 else "files"
    if not diagnostics:
        return f"no problems in {files} {noun}"
    parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
    parts += [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
    return f"{', '.join(parts)} in {files} {noun}"


def text(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """path:line:col: severity[CODE] message, then the pointer and hint indented."""
    lines: list[str] = []
    for d in diagnostics:
        lines.append(f"{d.path}:{d.line}:{d.col}: {d.severity.value}[{d.code}] {d.message}")
        if d.pointer:
            lines.append(f"    at: {d.pointer}")
        if d.hint:
            lines.append(f"    hint: {d.hint}")
        if d.note:
            lines.append(f"    note: {d.note}")
    lines.append(summary(diagnostics, files))
    return "\n".join(lines) + "\n"


def as_json(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """A JSON object with every diagnostic and the counts."""
    payload = {
        "diagnostics": [
            {"path": d.path, "line": d.line, "col": d.col, "severity": d.severity.value, "code": d.code,
             "message": d.message, "pointer": d.pointer, "hint": d.hint, **({"note": d.note} if d.note else {})}
            for d in diagnostics
        ],
        "files": files,
        "errors": sum(d.severity is Severity.ERROR for d in diagnostics),
        "warnings": sum(d.severity is Severity.WARNING for d in diagnostics),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """GitHub Actions workflow commands: one ::error/::warning annotation per diagnostic."""
    lines = []
    for d in diagnostics:
        message = d.message + (f" (at {d.pointer})" if d.pointer else "") + (f"\nhint: {d.hint}" if d.hint else "") \
            + (f"\nnote: {d.note}" if d.note else "")
        props = f"file={_escape_property(d.path)},line={d.line},col={d.col},title={_escape_property(d.code)}"
        lines.append(f"::{d.severity.value} {props}::{_escape_data(message)}")
    lines.append(summary(diagnostics, files))
    return "\n".join(lines) + "\n"


REPORTERS: dict[str, Callable[[Sequence[Diagnostic], int], str]] = {
    "text": text,
    "json": as_json,
    "github": github,
}
