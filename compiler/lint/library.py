"""Checks across the library: unique ids, file names, includes and successors.

They run on every validation, also when every file's own checks come from
the results cache, so they read a `LibraryEntry` per SOP: the few facts the
rules need and where each finding would be shown, small enough to keep
beside a file's diagnostics. Pure, and light to import (no YAML, SQL or CEL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

from compiler.diagnostics import Diagnostic, make
from compiler.document import Position, pointer_join
from compiler.domains import DOMAIN_TITLES
from compiler.suggest import article, closest

DOMAINS = frozenset(DOMAIN_TITLES)


@dataclass(frozen=True, slots=True)
class IncludeStep:
    """An include step as the library checks see it."""

    pointer: str
    id: str
    sop: str
    bindings: tuple[str, ...] = ()
    """Names bound under with:, in the order written."""
    on_outcome: tuple[tuple[str, str], ...] = ()
    """(outcome of the included SOP, pointer of its entry under on_outcome)."""
    approval: bool = False
    """The step has an approval gate, so conditions may read <id>.approved."""


@dataclass(frozen=True, slots=True)
class Read:
    """A condition that reads <root>.<name>, where root is an include step of the same SOP."""

    pointer: str
    root: str
    name: str


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """What the library checks need from one SOP."""

    path: str
    id: str
    domain: str = ""
    status: str = ""
    superseded_by: str = ""
    inputs: tuple[tuple[str, bool], ...] = ()
    """(input name, whether an include must bind it: required and without a default), in declared order."""
    outcomes: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    """Step ids, in order."""
    includes: tuple[IncludeStep, ...] = ()
    reads: tuple[Read, ...] = ()
    values: dict[str, Position] = field(default_factory=dict)
    """Pointer -> where a finding about that value is shown (as SourceMap.value answers it)."""
    keys: dict[str, Position] = field(default_factory=dict)
    """Pointer -> where a finding about that key is shown (as SourceMap.key answers it)."""

    def at(self, pointer: str, code: str, message: str, hint: str = "", *, key: bool = False) -> Diagnostic:
        """A diagnostic in this SOP's file, located as Findings.add would locate it."""
        position = (self.keys if key else self.values).get(pointer, (1, 1))
        return make(self.path, position, code, message, pointer, hint)


def _include_cycles(edges: dict[str, set[str]]) -> set[str]:
    """Ids of SOPs that take part in an include cycle."""
    cyclic: set[str] = set()
    for start in edges:
        todo, seen = list(edges[start]), set()
        while todo:
            node = todo.pop()
            if node == start:
                cyclic.add(start)
                break
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, ()))
    return cyclic


def check_library(entries: list[LibraryEntry]) -> list[Diagnostic]:
    """Library-wide rules; each finding is reported in the file it is about."""
    found: list[Diagnostic] = []
    library: dict[str, LibraryEntry] = {}
    for entry in entries:
        if not entry.id:
            continue
        if entry.id in library:
            found.append(entry.at("/id", "SOP501", f"SOP id {entry.id!r} is also declared in {library[entry.id].path}",
                                  "ids name every output and must be unique; rename one"))
            continue
        library[entry.id] = entry
    cyclic = _include_cycles({sid: {i.sop for i in e.includes if i.sop in library} for sid, e in library.items()})
    for entry in entries:
        path = PurePath(entry.path)
        if entry.id and path.stem != entry.id:
            found.append(entry.at("/id", "SOP502", f"file {path.name} declares id {entry.id!r}",
                                  f"rename the file to {entry.id}.yaml"))
        folder = path.parent
        if entry.domain and folder.name != entry.domain and (folder.name in DOMAINS or folder.parent.name == "sops"):
            found.append(entry.at("/domain", "SOP507", f"{article(entry.domain)} SOP is in the folder {folder.name}/",
                                  f"move it to sops/{entry.domain}/"))
        if entry.superseded_by and entry.superseded_by not in library:
            # Never suggest the SOP itself as its own successor (the closest id is often its own).
            others = [sid for sid in library if sid != entry.id]
            found.append(entry.at("/superseded_by", "SOP506", f"successor {entry.superseded_by!r} is not in the library",
                                  closest(entry.superseded_by, others) or "add the successor SOP to the library or fix the id"))
        if entry.id in cyclic:
            found.append(entry.at("/id", "SOP505", f"{entry.id!r} includes itself through other SOPs",
                                  "break the loop: an included SOP must not include its includer"))
        for step in entry.includes:
            found.extend(_check_include(entry, step, library.get(step.sop), library))
    return found


def _check_include(entry: LibraryEntry, step: IncludeStep, target: LibraryEntry | None,
                   library: dict[str, LibraryEntry]) -> list[Diagnostic]:
    at = pointer_join(step.pointer, "sop")
    if target is None:
        return [entry.at(at, "SOP503", f"included SOP {step.sop!r} is not in the library", closest(step.sop, library))]
    found: list[Diagnostic] = []
    if entry.status == "active" and target.status in ("draft", "deprecated"):
        hint = f"include {target.superseded_by!r} instead" if target.superseded_by \
            else "make the included SOP active first, or include an active SOP"
        found.append(entry.at(at, "SOP509", f"active SOP includes {target.status} SOP {target.id!r}", hint))
    inputs = [name for name, _ in target.inputs]
    for name in step.bindings:
        if name not in inputs:
            found.append(entry.at(pointer_join(pointer_join(step.pointer, "with"), name), "SOP504",
                                  f"{target.id!r} has no input {name!r}", closest(name, inputs), key=True))
    for name, pointer in step.on_outcome:
        if name not in target.outcomes:
            found.append(entry.at(pointer, "SOP510", f"{target.id!r} has no outcome {name!r}",
                                  closest(name, target.outcomes) or f"its outcomes: {', '.join(sorted(target.outcomes))}",
                                  key=True))
    fields = {"outcome", *target.steps, *(("approved",) if step.approval else ())}
    for read in entry.reads:
        if read.root == step.id and read.name not in fields:
            found.append(entry.at(read.pointer, "SOP404", f"include step {read.root!r} has no result field {read.name!r}",
                                  closest(read.name, fields) or f"it provides: outcome{', approved' if step.approval else ''}"
                                  f" and the steps of {target.id}"))
    missing = [name for name, needed in target.inputs if needed and name not in step.bindings]
    if missing:
        found.append(entry.at(step.pointer, "SOP504", f"include of {target.id!r} does not bind required input"
                              f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                              f"bind {'them' if len(missing) > 1 else 'it'} under with: "
                              f"{{{', '.join(f'{n}: <CEL expression>' for n in missing)}}}"))
    return found
