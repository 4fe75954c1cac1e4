"""Checks across the library: unique ids, file names, includes and successors."""

from __future__ import annotations

from pathlib import PurePath

from compiler.cel import parse
from compiler.document import pointer_join
from compiler.domains import DOMAIN_TITLES
from compiler.lint.base import Findings, closest
from compiler.model import Sop, Step
from compiler.suggest import article

DOMAINS = frozenset(DOMAIN_TITLES)


def _include_cycles(library: dict[str, Sop]) -> set[str]:
    """Ids of SOPs that take part in an include cycle."""
    edges = {sid: {s.sop for s in sop.steps if s.kind == "include" and s.sop in library} for sid, sop in library.items()}
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


def check_library(entries: list[tuple[Findings, Sop]]) -> None:
    """Library-wide rules; each finding is reported in the file it is about."""
    library: dict[str, Sop] = {}
    first_path: dict[str, str] = {}
    for found, sop in entries:
        if not sop.id:
            continue
        if sop.id in library:
            found.add("/id", "SOP501", f"SOP id {sop.id!r} is also declared in {first_path[sop.id]}",
                      "ids name every output and must be unique; rename one")
            continue
        library[sop.id] = sop
        first_path[sop.id] = sop.path
    cyclic = _include_cycles(library)
    for found, sop in entries:
        path = PurePath(sop.path)
        if sop.id and path.stem != sop.id:
            found.add("/id", "SOP502", f"file {path.name} declares id {sop.id!r}", f"rename the file to {sop.id}.yaml")
        folder = path.parent
        if sop.domain and folder.name != sop.domain and (folder.name in DOMAINS or folder.parent.name == "sops"):
            found.add("/domain", "SOP507", f"{article(sop.domain)} SOP is in the folder {folder.name}/",
                      f"move it to sops/{sop.domain}/")
        if sop.superseded_by and sop.superseded_by not in library:
            # Never suggest the SOP itself as its own successor (the closest id is often its own).
            others = [sid for sid in library if sid != sop.id]
            found.add("/superseded_by", "SOP506", f"successor {sop.superseded_by!r} is not in the library",
                      closest(sop.superseded_by, others) or "add the successor SOP to the library or fix the id")
        if sop.id in cyclic:
            found.add("/id", "SOP505", f"{sop.id!r} includes itself through other SOPs",
                      "break the loop: an included SOP must not include its includer")
        for step in sop.steps:
            if step.kind != "include" or not step.sop:
                continue
            target = library.get(step.sop)
            at = pointer_join(step.pointer, "sop")
            if target is None:
                found.add(at, "SOP503", f"included SOP {step.sop!r} is not in the library", closest(step.sop, library))
                continue
            if sop.status == "active" and target.status in ("draft", "deprecated"):
                hint = f"include {target.superseded_by!r} instead" if target.superseded_by \
                    else "make the included SOP active first, or include an active SOP"
                found.add(at, "SOP509", f"active SOP includes {target.status} SOP {target.id!r}", hint)
            for name in step.bindings:
                if name not in target.inputs:
                    found.add(pointer_join(pointer_join(step.pointer, "with"), name), "SOP504",
                              f"{target.id!r} has no input {name!r}", closest(name, target.inputs), key=True)
            for name, to in step.on_outcome:
                if name not in target.outcomes:
                    found.add(to.pointer, "SOP510", f"{target.id!r} has no outcome {name!r}",
                              closest(name, target.outcomes) or f"its outcomes: {', '.join(sorted(target.outcomes))}",
                              key=True)
            _check_include_reads(found, sop, step, target)
            missing = [n for n, spec in target.inputs.items()
                       if spec.required and spec.default is None and n not in step.bindings]
            if missing:
                found.add(step.pointer, "SOP504", f"include of {target.id!r} does not bind required input"
                          f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                          f"bind {'them' if len(missing) > 1 else 'it'} under with: "
                          f"{{{', '.join(f'{n}: <CEL expression>' for n in missing)}}}")


def _check_include_reads(found: Findings, sop: Sop, include: Step, target: Sop) -> None:
    """Conditions read an include step's outcome or the result of one of the included SOP's steps (SOP404)."""
    fields = {"outcome", *(s.id for s in target.steps), *(("approved",) if include.approval else ())}
    for step in sop.steps:
        for pointer, expression in step.conditions():
            parsed = parse(expression)
            for ref in parsed.references if not parsed.error else ():
                first = ref.fields[0] if ref.fields else None
                if ref.root == include.id and isinstance(first, str) and first not in fields:
                    found.add(pointer, "SOP404", f"include step {include.id!r} has no result field {first!r}",
                              closest(first, fields) or f"it provides: outcome{', approved' if include.approval else ''} "
                              f"and the steps of {target.id}")
