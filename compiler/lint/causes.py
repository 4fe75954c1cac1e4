"""Root causes first: one mistake, one error.

A misspelt transition key cuts steps off (SOP204), which makes the steps
after it unavailable to conditions (SOP403) and the tests' paths impossible
(SOP704); a step id written differently from the `next` that names it is
also an unknown name in every condition, answer and test path that uses it.
Reported one by one, the mistake drowns in what follows from it. Here the
follow-on diagnostics of one file are removed and counted in a note on the
mistake that caused them; what remains are the errors an author has to fix.
"""

from __future__ import annotations

import re
from dataclasses import replace

from compiler.diagnostics import Diagnostic, Severity

_GRAPH_CAUSES = frozenset({"SOP201", "SOP202", "SOP206", "SOP209", "SOP210"})
"""Codes that, under /steps, leave the step graph other than the author meant it."""
_GRAPH_KEYS = frozenset({"id", "next", "outcome", "on_pass", "on_fail", "branches", "when", "otherwise"})
"""Keys whose misspelling (SOP101) or absence (SOP102) changes the step graph."""
_GRAPH_EFFECTS = {"SOP204": "{} can never be reached", "SOP403": "{} read a step that no longer always runs first",
                  "SOP704": "{} cannot be followed", "SOP207": "{} is never reached"}
_EFFECT_NOUNS = {"SOP204": ("step", "steps"), "SOP403": ("condition", "conditions"),
                 "SOP704": ("test path", "test paths"), "SOP207": ("outcome", "outcomes")}
_NAME_EFFECTS = frozenset({"SOP402", "SOP702", "SOP202"})
"""Codes whose message names a missing step that another diagnostic already reports."""
_QUOTED = re.compile(r"'([^']+)'")
_MISSING = re.compile(r"^missing required key '([^']+)'")


def _typo_of(diagnostic: Diagnostic) -> str:
    """The key an unknown key (SOP101) is a misspelling of, per its hint."""
    match = re.fullmatch(r"did you mean '([^']+)'\?", diagnostic.hint)
    return match.group(1) if diagnostic.code == "SOP101" and match else ""


def _breaks_graph(d: Diagnostic) -> bool:
    """Whether a diagnostic under /steps leaves the step graph other than the author meant it."""
    if d.severity is not Severity.ERROR or not d.pointer.startswith("/steps/"):
        return False
    missing = _MISSING.match(d.message)
    return d.code in _GRAPH_CAUSES or _typo_of(d) in _GRAPH_KEYS \
        or (d.code == "SOP102" and missing is not None and missing.group(1) in _GRAPH_KEYS)


def _parent(pointer: str) -> str:
    return pointer.rsplit("/", 1)[0]


def _typo_effects(items: list[Diagnostic]) -> set[Diagnostic]:
    """A missing key (or missing transition) at the mapping where the same key is written misspelt."""
    typos = {(_parent(d.pointer), _typo_of(d)) for d in items if _typo_of(d)}
    effects: set[Diagnostic] = set()
    for d in items:
        missing = _MISSING.match(d.message)
        wanted = {missing.group(1)} if d.code in ("SOP102", "SOP108") and missing \
            else {"next", "outcome"} if d.code == "SOP206" else set()
        if any((d.pointer, key) in typos for key in wanted):
            effects.add(d)
    return effects


def _name_effects(items: list[Diagnostic], causes: list[Diagnostic]) -> set[Diagnostic]:
    """Later diagnostics about a step name that a transition already reports as missing."""
    missing = {m.group(1) for d in causes if d.code == "SOP202" and d.pointer.startswith("/steps/")
               for m in [_QUOTED.search(d.message)] if m}
    effects: set[Diagnostic] = set()
    for d in items:
        if d.code not in _NAME_EFFECTS or (d.code == "SOP202" and d.pointer.startswith("/steps/")):
            continue  # a transition's own unknown step is a cause, not an effect
        quoted = _QUOTED.search(d.message)
        if quoted and quoted.group(1) in missing:
            effects.add(d)
    return effects


def _note(effects: list[Diagnostic]) -> str:
    parts: list[str] = []
    for code, phrase in _GRAPH_EFFECTS.items():
        found = [d for d in effects if d.code == code]
        if not found:
            continue
        one, many = _EFFECT_NOUNS[code]
        names = [m.group(1) for d in found if code == "SOP204" for m in [_QUOTED.search(d.message)] if m]
        listed = f" ({', '.join(names[:4])}{', …' if len(names) > 4 else ''})" if names else ""
        parts.append(phrase.format(f"{len(found)} {one if len(found) == 1 else many}{listed}"))
    other = len(effects) - sum(1 for d in effects if d.code in _GRAPH_EFFECTS)
    if other:
        parts.append(f"{other} other use{'s' * (other != 1)} of the name fail{'s' * (other == 1)}")
    return "as a result " + "; ".join(parts) if parts else ""


def fold(items: list[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics of one file with follow-on problems folded under their cause."""
    drop = _typo_effects(items)
    kept = [d for d in items if d not in drop]
    causes = sorted(d for d in kept if _breaks_graph(d))
    if not causes:
        return kept
    effects = [d for d in kept if d.code in _GRAPH_EFFECTS] + sorted(_name_effects(kept, causes))
    if not effects:
        return kept
    first = causes[0]
    gone = set(effects)
    return [replace(d, note=_note(effects)) if d == first else d for d in kept if d not in gone]
