"""`sopc translate`: write or refresh a translation file's skeleton. Nothing is translated here.

Every prose field of the SOP gets an entry, in the order of the SOP:

- a field without an entry gets one with the English as its text, marked
  `untranslated: true`, unless another entry already translates exactly this
  English (a step that moved, a text repeated): that translation is reused;
- an entry whose English changed is marked `stale: true`, with the old English
  under `was` and the new under `en`, and keeps its text and old hash;
- an entry a translator has reviewed (`stale` deleted, `en` the English of
  today) gets the hash of today's English: it is current again;
- an entry whose English moved to another field goes with it;
- an entry whose field no longer exists (orphaned) is dropped.

Same SOP and file in, same bytes out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from compiler.i18n.prose import LANGUAGES, prose_fields, source_hash
from compiler.i18n.translation import Entry, Translation

MODELINE = "# yaml-language-server: $schema=../../schema/translation.schema.json"


@dataclass(slots=True)
class Refreshed:
    """What a refresh did, by pointer."""

    entries: dict[str, Entry] = field(default_factory=dict)
    current: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    """Reviewed by a translator since they were marked stale: hash of today's English recorded."""
    stale: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    """New fields, marked untranslated."""
    untranslated: list[str] = field(default_factory=list)
    """Still untranslated from before."""
    reused: list[str] = field(default_factory=list)
    """Filled from another entry translating the same English."""
    dropped: list[str] = field(default_factory=list)
    """Orphaned entries removed."""

    def summary(self) -> str:
        """'12 current, 1 stale, ...' for the command's output."""
        parts = [(len(self.current), "current"), (len(self.accepted), "accepted"), (len(self.reused), "reused"),
                 (len(self.stale), "stale"), (len(self.added), "new"), (len(self.untranslated), "untranslated"),
                 (len(self.dropped), "dropped")]
        return ", ".join(f"{n} {what}" for n, what in parts if n) or "nothing to translate"


def _reusable(old: Translation | None) -> dict[str, Entry]:
    """Current translations by the hash of their English, for fields that moved or repeat a text."""
    if old is None:
        return {}
    found: dict[str, Entry] = {}
    for entry in old.entries.values():
        if not entry.untranslated and not entry.stale and entry.sha256 == source_hash(entry.en):
            found.setdefault(entry.sha256, entry)
    return found


def _one(english: str, entry: Entry | None, reusable: dict[str, Entry], present: set[str]) -> tuple[Entry, str]:
    digest = source_hash(english)
    if entry is not None and entry.sha256 != digest and entry.sha256 in present and not entry.untranslated:
        entry = None  # its English moved to another field, and its translation with it
    translated = entry is not None and not entry.untranslated
    if entry is not None and translated and entry.sha256 == digest:
        return Entry(entry.text, digest, english), "current"
    if entry is not None and translated and not entry.stale and entry.en == english:
        return Entry(entry.text, digest, english), "accepted"
    if digest in reusable:
        return Entry(reusable[digest].text, digest, english), "reused"
    if entry is None or entry.untranslated:
        text = english if entry is None or entry.text == entry.en else entry.text
        return Entry(text, digest, english, untranslated=True), "added" if entry is None else "untranslated"
    return Entry(entry.text, entry.sha256, english, stale=True, was=entry.was or entry.en), "stale"


def refresh(data: Any, old: Translation | None) -> Refreshed:
    """The entries a refreshed translation file holds for an SOP's data."""
    result = Refreshed()
    reusable = _reusable(old)
    previous = old.entries if old else {}
    prose = prose_fields(data)
    present = {source_hash(english) for english in prose.values()}
    for pointer, english in prose.items():
        entry, what = _one(english, previous.get(pointer), reusable, present)
        result.entries[pointer] = entry
        getattr(result, what).append(pointer)
    result.dropped = [p for p in previous if p not in prose]
    return result


def _entry_data(entry: Entry) -> dict[str, Any]:
    data: dict[str, Any] = {"en": entry.en, "text": entry.text, "sha256": entry.sha256}
    if entry.untranslated:
        data["untranslated"] = True
    if entry.stale:
        data["stale"] = True
        data["was"] = entry.was
    return data


def render(sop_id: str, lang: str, entries: dict[str, Entry]) -> str:
    """The text of a translation file."""
    header = [
        MODELINE,
        f"# {LANGUAGES[lang]} translation of {sop_id}.yaml. English is the source of truth: translate `text` only.",
        "# untranslated: text still holds the English. stale: the English changed (was -> en); update text and",
        f"# delete stale and was. Then run `sopc translate {sop_id} --lang {lang}` to record the hashes.",
    ]
    body = {"format": 1, "sop": sop_id, "lang": lang,
            "entries": {pointer: _entry_data(entry) for pointer, entry in entries.items()}}
    text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=110, default_flow_style=False)
    return "\n".join(header) + "\n" + text
