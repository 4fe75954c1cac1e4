"""The validation pipeline: files in, located diagnostics and models out.

load -> schema -> model -> per-SOP lint -> library lint. Pure: the caller
reads the files and passes their bytes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import PurePath

from compiler.diagnostics import Diagnostic, Severity
from compiler.document import Document
from compiler.files import GLOSSARY, is_sop_file
from compiler.graph import build_graph
from compiler.i18n.glossary import Glossary
from compiler.i18n.translation import Translation
from compiler.lint.base import Findings
from compiler.lint.booleans import check_booleans
from compiler.lint.causes import fold
from compiler.lint.conditions import check_conditions, check_input_checks
from compiler.lint.graph import check_graph
from compiler.lint.library import check_library
from compiler.lint.lifecycle import check_inputs, check_lifecycle, check_triggers
from compiler.lint.placeholders import check_placeholders
from compiler.lint.scenarios import check_scenarios
from compiler.lint.sql import check_sql
from compiler.lint.targets import check_targets
from compiler.lint.translations import check_translations
from compiler.model import Sop, build
from compiler.schema_check import check_schema
from compiler.yamlload import load_bytes


@dataclass(frozen=True, slots=True)
class Checked:
    """The result of checking a set of SOP files."""

    diagnostics: tuple[Diagnostic, ...]
    """Every problem, sorted by file and position."""
    sops: tuple[Sop, ...]
    """Models of every file that loaded (valid or not)."""
    documents: tuple[Document, ...]
    """The loaded documents, in the same order as sops."""
    translations: tuple[Translation, ...] = ()
    """Well-formed translation files (`<id>.<lang>.yaml`) of SOPs in the library."""
    glossary: Glossary | None = None
    """sops/glossary.yaml, when it was among the files and is well-formed."""

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    def valid_sops(self) -> tuple[Sop, ...]:
        """SOPs whose own files have no errors."""
        bad = {d.path for d in self.diagnostics if d.severity is Severity.ERROR}
        return tuple(s for s in self.sops if s.path not in bad)


def check_sop(doc: Document, today: datetime.date) -> tuple[Findings, Sop]:
    """Schema and semantic checks of one document."""
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
    check_lifecycle(found, sop, today)
    check_scenarios(found, sop, graph)
    check_placeholders(found, sop.status)
    check_booleans(found)
    return found, sop


def _load_side_file(path: str, raw: bytes) -> tuple[Document | None, list[Diagnostic]]:
    """A translation file or the glossary: loaded as safely as an SOP, with its own schema's modeline."""
    doc, loading = load_bytes(path, raw)
    return doc, [d for d in loading if d.code != "SOP012"]


def check_files(files: list[tuple[str, bytes]], today: datetime.date, strict: bool = False) -> Checked:
    """Check every file and the library they form together.

    Besides SOPs, the files may hold translations (`<id>.<lang>.yaml`) and
    the glossary (`glossary.yaml`); they are checked after the SOPs, against them.
    """
    diagnostics: list[Diagnostic] = []
    entries: list[tuple[Findings, Sop]] = []
    side: list[Document] = []
    glossary: Document | None = None
    for path, raw in files:
        name = PurePath(path).name
        if not is_sop_file(PurePath(path)):
            doc, loading = _load_side_file(path, raw)
            diagnostics.extend(loading)
            if doc is not None and name == GLOSSARY:
                glossary = glossary or doc
            elif doc is not None:
                side.append(doc)
            continue
        doc, loading = load_bytes(path, raw)
        if doc is None:
            diagnostics.extend(loading)
            continue
        found, sop = check_sop(doc, today)
        found.items[:0] = loading
        entries.append((found, sop))
    check_library(entries)
    for found, _ in entries:
        diagnostics.extend(fold(sorted(set(found.items))))
    sops: dict[str, Document] = {}
    for found, sop in entries:
        sops.setdefault(sop.id, found.doc)
    translated = check_translations(side, sops, glossary)
    diagnostics.extend(translated.diagnostics)
    if strict:
        diagnostics = [d.escalated() for d in diagnostics]
    unique = sorted(set(diagnostics))
    return Checked(tuple(unique), tuple(s for _, s in entries), tuple(f.doc for f, _ in entries),
                   translated.translations, translated.glossary)
