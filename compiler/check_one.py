"""One SOP file on its own: load -> schema -> model -> per-SOP lint, and the summary the library checks need.

Pure: bytes in, a FileResult out (and the document and model, for callers
that compile them). Everything here is the same for a file whatever the
date and the rest of the library, which is what lets the results cache keep
it; the review date and the library rules are the caller's.
"""

from __future__ import annotations

from compiler.cel import parse
from compiler.document import Document, pointer_join
from compiler.graph import build_graph
from compiler.lint.base import Findings
from compiler.lint.booleans import check_booleans
from compiler.lint.conditions import check_conditions, check_input_checks
from compiler.lint.graph import check_graph
from compiler.lint.library import IncludeStep, LibraryEntry, Read
from compiler.lint.lifecycle import check_inputs, check_lifecycle, check_triggers
from compiler.lint.placeholders import check_placeholders
from compiler.lint.scenarios import check_scenarios
from compiler.lint.sql import check_sql
from compiler.lint.targets import check_targets
from compiler.model import Sop, build
from compiler.results_cache import FileResult
from compiler.schema_check import check_schema
from compiler.yamlload import load_bytes


def check_sop(doc: Document) -> tuple[Findings, Sop]:
    """Schema and semantic checks of one document (all but the review date)."""
    found = Findings(doc, check_schema(doc))
    sop = build(doc.path, doc.data)
    graph = build_graph(sop)
    check_graph(found, sop, graph)
    reports = check_sql(found, sop)
    check_conditions(found, sop, graph.dominators(), reports)
    check_input_checks(found, sop)
    check_targets(found, sop, graph.dominators())
    check_inputs(found, sop)
    check_triggers(found, sop)
    check_lifecycle(found, sop)
    check_scenarios(found, sop, graph)
    check_placeholders(found, sop.status)
    check_booleans(found)
    return found, sop


def library_entry(sop: Sop, doc: Document) -> LibraryEntry:
    """What the library checks read of one SOP, with the place of every finding they could make."""
    includes = tuple(IncludeStep(s.pointer, s.id, s.sop, tuple(s.bindings), tuple((n, to.pointer) for n, to in s.on_outcome),
                                 s.approval is not None)
                     for s in sop.steps if s.kind == "include" and s.sop)
    included = {i.id for i in includes}
    reads: list[Read] = []
    for step in sop.steps:
        for pointer, expression in step.conditions() if included else ():
            parsed = parse(expression)
            for ref in parsed.references if not parsed.error else ():
                first = ref.fields[0] if ref.fields else None
                if ref.root in included and isinstance(first, str):
                    reads.append(Read(pointer, ref.root, first))
    values = ["/id", "/domain", "/superseded_by", *(r.pointer for r in reads)]
    values += [p for i in includes for p in (i.pointer, pointer_join(i.pointer, "sop"))]
    keys = [pointer_join(pointer_join(i.pointer, "with"), name) for i in includes for name in i.bindings]
    keys += [to for i in includes for _, to in i.on_outcome]
    return LibraryEntry(
        sop.path, sop.id, sop.domain, sop.status, sop.superseded_by,
        tuple((n, spec.required and spec.default is None) for n, spec in sop.inputs.items()),
        tuple(sop.outcomes), tuple(s.id for s in sop.steps), includes, tuple(reads),
        {p: doc.source.value(p) for p in values}, {p: doc.source.key(p) for p in keys})


def check_file(path: str, raw: bytes) -> tuple[FileResult, Document | None, Sop | None]:
    """Everything one SOP file's own checks find, with its document and model when it loads."""
    doc, loading = load_bytes(path, raw)
    if doc is None:
        return FileResult(tuple(loading)), None, None
    found, sop = check_sop(doc)
    review = (sop.review_by, doc.source.value("/review_by")) if sop.review_by else None
    return FileResult(tuple(loading + found.items), library_entry(sop, doc), review), doc, sop


def load_model(path: str, raw: bytes) -> tuple[Document | None, Sop | None]:
    """The document and model of a file whose checks came from the cache (None when it does not load)."""
    doc, _ = load_bytes(path, raw)
    return (doc, build(doc.path, doc.data)) if doc is not None else (None, None)
