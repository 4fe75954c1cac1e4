"""Translation checks: stale, missing and orphaned entries, glossary terms, bad files (SOP901-SOP905).

Run once across the library: a translation file is checked against the SOP
of its id (the English of today) and the glossary. Each diagnostic points
into the translation file, at the entry it is about.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath
from typing import Any

import jsonschema
import jsonschema_rs

from compiler.diagnostics import Diagnostic, make
from compiler.document import Document, pointer_join
from compiler.i18n.glossary import Glossary, departures
from compiler.i18n.glossary import parse as parse_glossary
from compiler.i18n.prose import LANGUAGES, prose_fields, translation_file
from compiler.i18n.translation import Status, Translation, parse, status
from compiler.resources import schema_json


@dataclass(frozen=True, slots=True)
class TranslationsChecked:
    """The diagnostics of the translation files and glossary, and what could be used."""

    diagnostics: list[Diagnostic]
    translations: tuple[Translation, ...]
    """Translations whose file is well-formed and whose SOP exists."""
    glossary: Glossary | None


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema_json(name))


@cache
def _fast(name: str) -> Any:
    """The compiled validator: most files are valid, and it says so in a fraction of the time."""
    return jsonschema_rs.validator_for(schema_json(name))


def _schema_problems(doc: Document, schema: str) -> list[Diagnostic]:
    if _fast(schema).is_valid(doc.data):
        return []
    found = []
    for error in sorted(_validator(schema).iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        pointer = ""
        for token in error.absolute_path:
            pointer = pointer_join(pointer, token)
        found.append(make(doc.path, doc.source.value(pointer), "SOP905", f"{error.message} (schema/{schema})", pointer))
    return found


def _glossary(doc: Document | None) -> tuple[Glossary | None, list[Diagnostic]]:
    if doc is None:
        return None, []
    problems = _schema_problems(doc, "glossary.schema.json")
    return (None if problems else parse_glossary(doc.data)), problems


def _entry_findings(translation: Translation, doc: Document, english: Mapping[str, str],
                    glossary: Glossary | None) -> Iterator[Diagnostic]:
    path, source = doc.path, doc.source
    command = f"sopc translate {translation.sop_id} --lang {translation.lang}"
    for pointer, text in english.items():
        entry = translation.entries.get(pointer)
        where = pointer_join("/entries", pointer)
        state = status(text, entry)
        if state is Status.MISSING:
            yield make(path, source.key("/entries"), "SOP902", f"no translation of {pointer}", pointer,
                       f"run: {command}")
        elif state is Status.UNTRANSLATED:
            yield make(path, source.key(where), "SOP902", f"{pointer} is still untranslated", pointer,
                       "translate text, then delete untranslated: true")
        elif state is Status.STALE:
            yield make(path, source.key(where), "SOP901", f"the translation of {pointer} is out of date: "
                       "the English changed since it was translated", pointer,
                       f"run: {command}; update text and delete stale and was; run it again")
        if entry is not None and state is Status.CURRENT and glossary is not None:
            for gap in departures(glossary, text, entry.text):
                message = (f"'{gap.english}' is {gap.term.zh} in the glossary, not {gap.used}" if gap.used else
                           f"the English says '{gap.english}' but the translation does not use {gap.term.zh}")
                yield make(path, source.value(pointer_join(where, "text")), "SOP904", message, pointer,
                           f"use {gap.term.zh}" + (f" (or {', '.join(gap.term.also)})" if gap.term.also else ""))
    for pointer in translation.entries:
        if pointer not in english:
            where = pointer_join("/entries", pointer)
            yield make(path, source.key(where), "SOP903", f"{pointer} is not a prose field of "
                       f"{translation.sop_id}", pointer, f"run: {command} (it drops the entry)")


def read_translation(doc: Document, sops: Mapping[str, Document]) -> tuple[Translation | None, list[Diagnostic]]:
    """The translation in a loaded `<id>.<lang>.yaml`, or the problems that make it unusable."""
    named = translation_file(PurePath(doc.path).name)
    assert named is not None
    sop_id, lang = named
    if lang not in LANGUAGES:
        return None, [make(doc.path, (1, 1), "SOP905", f"sopc has no language '{lang}'",
                           hint=f"languages: {', '.join(sorted(LANGUAGES))}")]
    problems = _schema_problems(doc, "translation.schema.json")
    if problems:
        return None, problems
    if doc.data["sop"] != sop_id or doc.data["lang"] != lang:
        return None, [make(doc.path, doc.source.value("/sop"), "SOP905",
                           f"the file {PurePath(doc.path).name} holds sop {doc.data['sop']!r}, lang {doc.data['lang']!r}",
                           "/sop", f"a translation of {sop_id} into {lang} says sop: {sop_id} and lang: {lang}")]
    if sop_id not in sops:
        return None, [make(doc.path, (1, 1), "SOP905", f"no SOP {sop_id!r} in the library to translate",
                           hint=f"the file lives beside {sop_id}.yaml")]
    return parse(doc, sop_id, lang), []


def check_translations(files: list[Document], sops: Mapping[str, Document],
                       glossary_doc: Document | None) -> TranslationsChecked:
    """Every translation file against the English of its SOP and the glossary."""
    glossary, diagnostics = _glossary(glossary_doc)
    translations: list[Translation] = []
    for doc in files:
        translation, problems = read_translation(doc, sops)
        diagnostics += problems
        if translation is not None:
            translations.append(translation)
            english: dict[str, Any] = prose_fields(sops[translation.sop_id].data)
            diagnostics += _entry_findings(translation, doc, english, glossary)
    return TranslationsChecked(diagnostics, tuple(translations), glossary)
