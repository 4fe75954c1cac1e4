"""A translation file as a value, the state of each of its entries, and the merge into an SOP's data."""

from __future__ import annotations

import copy
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.document import Document, pointer_tokens
from compiler.i18n.prose import prose_fields, source_hash
from compiler.model import Sop, build

STALE_NOTE: dict[str, str] = {"zh": "⚠ 译文已过期（translation out of date），以下为英文原文："}
"""Shown before the English where a translation is stale: never silently old text."""


class Status(enum.Enum):
    """How a prose field stands in a translation."""

    CURRENT = "current"
    """Translated from the English of today."""
    STALE = "stale"
    """Translated from English that has changed since (or marked stale by sopc translate)."""
    UNTRANSLATED = "untranslated"
    """An entry whose text still holds the English."""
    MISSING = "missing"
    """No entry at all."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One translated prose field."""

    text: str
    """The translation (the English while untranslated)."""
    sha256: str
    """sha256 (hex) of the English it was translated from."""
    en: str
    """The English as sopc translate last wrote it."""
    untranslated: bool = False
    stale: bool = False
    """Marked stale by sopc translate."""
    was: str | None = None
    """The English the text was made from, while marked stale."""


@dataclass(frozen=True, slots=True)
class Translation:
    """One `<id>.<lang>.yaml` file."""

    sop_id: str
    lang: str
    entries: dict[str, Entry]
    """By JSON pointer, in the order of the file."""
    doc: Document | None = None
    """The loaded file, for positions (None when made in memory)."""


def parse(doc: Document, sop_id: str, lang: str) -> Translation:
    """The translation in a loaded file that passed its schema."""
    entries = {
        pointer: Entry(text=e["text"], sha256=e["sha256"], en=e["en"], untranslated=bool(e.get("untranslated")),
                       stale=bool(e.get("stale")), was=e.get("was"))
        for pointer, e in doc.data["entries"].items()
    }
    return Translation(sop_id, lang, entries, doc)


def status(english: str, entry: Entry | None) -> Status:
    """The state of a translation of this English text."""
    if entry is None:
        return Status.MISSING
    if entry.untranslated:
        return Status.UNTRANSLATED
    if entry.stale or entry.sha256 != source_hash(english):
        return Status.STALE
    return Status.CURRENT


def statuses(data: Any, translation: Translation | None) -> dict[str, Status]:
    """The state of every prose field of an SOP's data."""
    entries = translation.entries if translation else {}
    return {pointer: status(english, entries.get(pointer)) for pointer, english in prose_fields(data).items()}


def _set(data: Any, pointer: str, value: str) -> None:
    *parents, last = pointer_tokens(pointer)
    node = data
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def localize(data: Mapping[str, Any], translation: Translation | None, lang: str) -> dict[str, Any]:
    """A copy of an SOP's data with every current translation in place of the English.

    A stale field keeps its English behind the stale note; an untranslated or
    missing one keeps its English. Nothing but prose fields changes, so the
    model built from the result runs, links and compiles as the English does.
    """
    result: dict[str, Any] = copy.deepcopy(dict(data))
    if translation is None:
        return result
    for pointer, english in prose_fields(data).items():
        entry = translation.entries.get(pointer)
        state = status(english, entry)
        if state is Status.CURRENT and entry is not None:
            _set(result, pointer, entry.text)
        elif state is Status.STALE:
            _set(result, pointer, STALE_NOTE[lang] + english)
    return result


def localized_document(doc: Document, translation: Translation, lang: str) -> Document:
    """The SOP's document with its prose in the translation's language (positions unchanged)."""
    return Document(doc.path, doc.text, localize(doc.data, translation, lang), doc.source)


def texts_block(data: Mapping[str, Any], translation: Translation) -> dict[str, dict[str, Any]]:
    """skill.json's record of a translation: per prose pointer the hash of its English and the text.

    A stale entry is recorded without its text (readers show the English with
    the stale note); a missing or untranslated one is left out.
    """
    block: dict[str, dict[str, Any]] = {}
    for pointer, english in prose_fields(data).items():
        entry = translation.entries.get(pointer)
        state = status(english, entry)
        if state is Status.CURRENT and entry is not None:
            block[pointer] = {"source_sha256": source_hash(english), "text": entry.text}
        elif state is Status.STALE:
            block[pointer] = {"source_sha256": source_hash(english), "stale": True}
    return block


def skill_md_name(lang: str) -> str:
    """SKILL.zh.md beside SKILL.md."""
    return f"SKILL.{lang}.md"


def translations_block(data: Mapping[str, Any], translations: Sequence[Translation]) -> dict[str, Any]:
    """skill.json's `translations`: per language, the name of the translated SKILL.md and the texts block."""
    return {t.lang: {"skill_md": skill_md_name(t.lang), "texts": texts_block(data, t)}
            for t in sorted(translations, key=lambda t: t.lang)}


def translated_sops(sops: Sequence[Sop], documents: Sequence[Document], translations: Sequence[Translation],
                    lang: str) -> list[Sop]:
    """The SOP models with their prose in a language (an SOP without a translation stays English)."""
    chosen = {t.sop_id: t for t in translations if t.lang == lang}
    result = []
    for sop, doc in zip(sops, documents, strict=True):
        translation = chosen.get(sop.id)
        result.append(build(doc.path, localize(doc.data, translation, lang)) if translation else sop)
    return result
