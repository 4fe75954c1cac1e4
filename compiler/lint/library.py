"""Checks across the library: unique ids, file names, includes and successors."""

from __future__ import annotations

from pathlib import PurePath

from compiler.document import pointer_join
from compiler.domains import DOMAIN_TITLES
from compiler.lint.base import Findings, closest
from compiler.model import Sop
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
            missing = [n for n, spec in target.inputs.items()
                       if spec.required and spec.default is None and n not in step.bindings]
            if missing:
                found.add(step.pointer, "SOP504", f"include of {target.id!r} does not bind required input"
                          f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                          f"bind {'them' if len(missing) > 1 else 'it'} under with: "
                          f"{{{', '.join(f'{n}: <CEL expression>' for n in missing)}}}")
